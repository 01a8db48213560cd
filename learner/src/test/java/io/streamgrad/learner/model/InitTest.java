package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.util.Rng;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Initialisation is reproducible from the seed and follows the documented distributions. */
class InitTest {
    /** fan_in 800, fan_out 300 for the first layer, 300 -> 100 for the second; 10 outputs. */
    private static ModelSpec bigMlp(String init) {
        return TestData.mlp(800, List.of(300, 100), 10, "relu", init);
    }

    private static float[] init(ModelSpec spec, long seed) {
        Model m = Models.create(spec);
        float[] p = new float[m.numParams()];
        Arrays.fill(p, Float.NaN); // every coordinate must be written
        m.initParams(p, new Rng(seed));
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"xavier_uniform", "xavier_normal", "he"})
    void sameSeed_sameParams_differentSeed_differentParams(String init) {
        for (ModelSpec spec : List.of(
                bigMlp(init),
                new ModelSpec(ModelKind.SOFTMAX, 50, 4, List.of(), null, init, 0, 0),
                new ModelSpec(ModelKind.FM, 30, 1, List.of(), null, init, 5, 0.01))) {
            float[] a = init(spec, 42);
            float[] b = init(spec, 42);
            float[] c = init(spec, 43);
            // Arrays.equals rather than AssertJ's containsExactly, which is slow on 300k-element arrays.
            assertThat(Arrays.equals(a, b))
                    .as("%s: same seed, same params", spec.type())
                    .isTrue();
            assertThat(Arrays.equals(a, c))
                    .as("%s: other seed, other params", spec.type())
                    .isFalse();
        }
    }

    @Test
    void initParams_continuesFromTheRngPosition_andAdvancesIt() {
        Model m = Models.create(bigMlp("he"));
        Rng rng = new Rng(9);
        float[] p = new float[m.numParams()];
        m.initParams(p, rng);
        long after = rng.state();
        assertThat(after).isNotEqualTo(new Rng(9).state());
        float[] q = new float[m.numParams()];
        m.initParams(q, new Rng(after));
        assertThat(Arrays.equals(p, q)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"xavier_uniform", "xavier_normal", "he"})
    void mlpLayers_followTheFormula_withTheirOwnFans_andBiasesZero(String init) {
        MlpModel m = (MlpModel) Models.create(bigMlp(init));
        float[] p = init(bigMlp(init), 1);
        for (int l = 0; l < m.layerCount(); l++) {
            int fi = m.layerFanIn(l);
            int fo = m.layerFanOut(l);
            int off = m.layerOffset(l);
            double expectedStd = switch (init) {
                case "he" -> Math.sqrt(2.0 / fi);
                default -> Math.sqrt(2.0 / (fi + fo)); // xavier_uniform: a / sqrt(3) with a = sqrt(6/(fi+fo))
            };
            double[] stats = meanStd(p, off, fi * fo);
            // 1000+ samples: the std estimate is within a few percent; the last layer has 1000 weights.
            assertThat(stats[1])
                    .as("layer %d std", l)
                    .isCloseTo(expectedStd, org.assertj.core.api.Assertions.withinPercentage(fi * fo >= 10000 ? 3 : 8));
            assertThat(Math.abs(stats[0])).as("layer %d mean", l).isLessThan(4 * expectedStd / Math.sqrt(fi * fo));
            if (init.equals("xavier_uniform")) {
                double a = Math.sqrt(6.0 / (fi + fo));
                double maxAbs = 0;
                for (int i = off; i < off + fi * fo; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(p[i]));
                }
                assertThat(maxAbs)
                        .as("layer %d largest |w|", l)
                        .isLessThanOrEqualTo(a)
                        .isGreaterThan(0.95 * a);
            }
            for (int i = off + fi * fo; i < off + (fi + 1) * fo; i++) {
                assertThat(p[i]).as("bias %d", i).isZero();
                assertThat(m.isBias(i)).isTrue();
            }
        }
    }

    @Test
    void linearModels_useFanInFeatures_fanOutOutputs() {
        ModelSpec spec = new ModelSpec(ModelKind.SOFTMAX, 2000, 5, List.of(), null, "xavier_normal", 0, 0);
        float[] p = init(spec, 7);
        double[] stats = meanStd(p, 0, 2000 * 5);
        assertThat(stats[1]).isCloseTo(Math.sqrt(2.0 / 2005), org.assertj.core.api.Assertions.withinPercentage(3));
        for (int c = 0; c < 5; c++) {
            assertThat(p[2000 * 5 + c]).isZero();
        }
        float[] he = init(new ModelSpec(ModelKind.LINEAR, 5000, 1, List.of(), null, "he", 0, 0), 7);
        assertThat(meanStd(he, 0, 5000)[1])
                .isCloseTo(Math.sqrt(2.0 / 5000), org.assertj.core.api.Assertions.withinPercentage(5));
    }

    @Test
    void zerosInit_linearIsAllZero() {
        assertThat(init(TestData.softmax(30, 3), 1)).containsOnly(0f);
    }

    @Test
    void fm_factorsDrawnFromInitStd_evenWithZerosInit() {
        ModelSpec spec = new ModelSpec(ModelKind.FM, 2000, 1, List.of(), null, "zeros", 8, 0.05);
        float[] p = init(spec, 3);
        assertThat(p[0]).as("w0").isZero();
        assertThat(java.util.Arrays.copyOfRange(p, 1, 2001)).as("w").containsOnly(0f);
        double[] stats = meanStd(p, 2001, 2000 * 8);
        assertThat(stats[1]).isCloseTo(0.05, org.assertj.core.api.Assertions.withinPercentage(3));
        assertThat(Math.abs(stats[0])).isLessThan(0.005);
    }

    @Test
    void fm_linearWeightsFollowInit_fanOutOne() {
        ModelSpec spec = new ModelSpec(ModelKind.FM, 20000, 1, List.of(), null, "he", 2, 0.01);
        float[] p = init(spec, 3);
        assertThat(meanStd(p, 1, 20000)[1])
                .isCloseTo(Math.sqrt(2.0 / 20000), org.assertj.core.api.Assertions.withinPercentage(3));
    }

    private static double[] meanStd(float[] p, int from, int count) {
        double s = 0;
        double s2 = 0;
        for (int i = from; i < from + count; i++) {
            s += p[i];
            s2 += (double) p[i] * p[i];
        }
        double mean = s / count;
        return new double[] {mean, Math.sqrt(s2 / count - mean * mean)};
    }
}

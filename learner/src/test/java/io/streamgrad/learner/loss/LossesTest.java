package io.streamgrad.learner.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Known values, worked by hand, for every loss, its gradient and its link. */
class LossesTest {
    private static final double TOL = 1e-6;

    @Test
    void mse_weightedMeanOfSquaredErrors_withoutHalfFactor() {
        Loss mse = Losses.create("mse", 1.0);
        float[] dRaw = new float[2];
        // residuals 1 and 2, weights 1 and 2: (1*1 + 2*4) / 2 = 4.5; d = 2 w r / n = [1, 4]
        double l = mse.lossAndGradient(new float[] {1f, 3f}, new float[] {0f, 1f}, new float[] {1f, 2f}, 2, 1, dRaw);
        assertThat(l).isCloseTo(4.5, within(TOL));
        assertThat(dRaw).containsExactly(1f, 4f);
        assertThat(mse.exampleLoss(new float[] {1f, 3f}, new float[] {0f, 1f}, 1, 1))
                .isCloseTo(4.0, within(TOL));
    }

    @Test
    void huber_quadraticInsideDelta_linearOutside() {
        Loss huber = Losses.create("huber", 1.0);
        float[] dRaw = new float[3];
        // r = 0.5 -> 0.125; r = 3 -> 1 * (3 - 0.5) = 2.5; r = -2 -> 1.5 (weight 2 -> 3); mean = 5.625 / 3
        double l = huber.lossAndGradient(
                new float[] {0.5f, 3f, -2f}, new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 2f}, 3, 1, dRaw);
        assertThat(l).isCloseTo(5.625 / 3, within(TOL));
        assertThat(dRaw[0]).isCloseTo(0.5f / 3, within(1e-7f));
        assertThat(dRaw[1]).isCloseTo(1f / 3, within(1e-7f));
        assertThat(dRaw[2]).isCloseTo(-2f / 3, within(1e-7f));
        assertThat(huber.exampleLoss(new float[] {4f}, new float[] {1f}, 0, 1)).isCloseTo(2.5, within(TOL));
    }

    @Test
    void huber_usesItsDelta() {
        Loss huber = Losses.create("huber", 2.0);
        // |r| = 3 > 2: 2 * (3 - 1) = 4; |r| = 1.5 <= 2: 1.125
        assertThat(huber.exampleLoss(new float[] {-3f}, new float[] {0f}, 0, 1)).isCloseTo(4.0, within(TOL));
        assertThat(huber.exampleLoss(new float[] {1.5f}, new float[] {0f}, 0, 1))
                .isCloseTo(1.125, within(TOL));
    }

    @Test
    void bce_atLogitZero_isLn2_withGradientMinusHalf() {
        Loss bce = Losses.create("binary_cross_entropy", 1.0);
        float[] dRaw = new float[1];
        double l = bce.lossAndGradient(new float[] {0f}, new float[] {1f}, new float[] {1f}, 1, 1, dRaw);
        assertThat(l).isCloseTo(Math.log(2), within(1e-12));
        assertThat(dRaw[0]).isEqualTo(-0.5f);
    }

    @Test
    void bce_knownValues_weightedAndAveraged() {
        Loss bce = Losses.create("binary_cross_entropy", 1.0);
        float[] dRaw = new float[2];
        // z = 2, y = 0: log(1 + e^2) = 2.126928011; dz = sigmoid(2) = 0.880797078
        // z = -1, y = 1: log(1 + e) = 1.313261687; dz = sigmoid(-1) - 1 = -0.731058579; weight 3
        double l = bce.lossAndGradient(new float[] {2f, -1f}, new float[] {0f, 1f}, new float[] {1f, 3f}, 2, 1, dRaw);
        assertThat(l).isCloseTo((2.126928011 + 3 * 1.313261687) / 2, within(1e-8));
        assertThat((double) dRaw[0]).isCloseTo(0.880797078 / 2, within(1e-7));
        assertThat((double) dRaw[1]).isCloseTo(3 * -0.731058579 / 2, within(1e-7));
    }

    @Test
    void bce_extremeLogits_giveFiniteLossAndGradient() {
        Loss bce = Losses.create("binary_cross_entropy", 1.0);
        float[] dRaw = new float[4];
        float[] z = {1000f, -1000f, 1000f, -1000f};
        float[] y = {0f, 1f, 1f, 0f};
        double l = bce.lossAndGradient(z, y, new float[] {1f, 1f, 1f, 1f}, 4, 1, dRaw);
        assertThat(l).isCloseTo(500.0, within(1e-9)); // (1000 + 1000 + 0 + 0) / 4
        assertThat(dRaw).containsExactly(0.25f, -0.25f, 0f, 0f);
        assertThat(bce.exampleLoss(z, y, 0, 1)).isEqualTo(1000.0);
        assertThat(bce.exampleLoss(z, y, 2, 1)).isEqualTo(0.0);
    }

    @Test
    void bce_link_isSigmoid_saturatingWithoutNaN() {
        Loss bce = Losses.create("binary_cross_entropy", 1.0);
        float[] out = new float[4];
        bce.link(new float[] {0f, 1f, 1000f, -1000f}, 4, 1, out);
        assertThat(out[0]).isEqualTo(0.5f);
        assertThat((double) out[1]).isCloseTo(0.7310585786, within(1e-7));
        assertThat(out[2]).isEqualTo(1f);
        assertThat(out[3]).isEqualTo(0f);
    }

    @Test
    void cce_uniformLogits_isLn3_withSoftmaxMinusOneHotGradient() {
        Loss cce = Losses.create("categorical_cross_entropy", 1.0);
        float[] dRaw = new float[3];
        double l = cce.lossAndGradient(new float[] {0f, 0f, 0f}, new float[] {1f}, new float[] {1f}, 1, 3, dRaw);
        assertThat(l).isCloseTo(Math.log(3), within(1e-12));
        assertThat((double) dRaw[0]).isCloseTo(1.0 / 3, within(1e-7));
        assertThat((double) dRaw[1]).isCloseTo(-2.0 / 3, within(1e-7));
        assertThat((double) dRaw[2]).isCloseTo(1.0 / 3, within(1e-7));
    }

    @Test
    void cce_knownValues_weightedAndAveraged() {
        Loss cce = Losses.create("categorical_cross_entropy", 1.0);
        float[] dRaw = new float[6];
        // row 0: z = [1, 2, 3], class 2: lse = 3.407605964, loss 0.407605964; p = [.0900306, .2447285, .6652410]
        // row 1: z = [0, ln 3, 0], class 0: p = [0.2, 0.6, 0.2], loss -ln 0.2 = 1.609437912; weight 2
        float ln3 = (float) Math.log(3);
        double l = cce.lossAndGradient(
                new float[] {1f, 2f, 3f, 0f, ln3, 0f}, new float[] {2f, 0f}, new float[] {1f, 2f}, 2, 3, dRaw);
        assertThat(l).isCloseTo((0.407605964 + 2 * 1.609437912) / 2, within(1e-7));
        double[] expected = {0.0900306 / 2, 0.2447285 / 2, (0.6652410 - 1) / 2, (0.2 - 1), 0.6, 0.2};
        for (int i = 0; i < 6; i++) {
            assertThat((double) dRaw[i]).as("dRaw[%d]", i).isCloseTo(expected[i], within(1e-6));
        }
    }

    @Test
    void cce_extremeLogits_giveFiniteLossAndGradient() {
        Loss cce = Losses.create("categorical_cross_entropy", 1.0);
        float[] dRaw = new float[3];
        double l = cce.lossAndGradient(new float[] {1000f, 0f, -1000f}, new float[] {2f}, new float[] {1f}, 1, 3, dRaw);
        assertThat(l).isEqualTo(2000.0);
        assertThat(dRaw).containsExactly(1f, 0f, -1f);
    }

    @Test
    void cce_link_isSoftmax_perRow() {
        Loss cce = Losses.create("categorical_cross_entropy", 1.0);
        float[] out = new float[6];
        cce.link(new float[] {1f, 2f, 3f, 1000f, 0f, -1000f}, 2, 3, out);
        assertThat((double) out[0]).isCloseTo(0.0900305732, within(1e-7));
        assertThat((double) out[1]).isCloseTo(0.2447284711, within(1e-7));
        assertThat((double) out[2]).isCloseTo(0.6652409558, within(1e-7));
        assertThat(out[3]).isEqualTo(1f);
        assertThat(out[4]).isEqualTo(0f);
        assertThat(out[5]).isEqualTo(0f);
    }

    @Test
    void regressionLosses_linkIsIdentity() {
        float[] out = new float[2];
        Losses.create("mse", 1.0).link(new float[] {-3.5f, 7f}, 2, 1, out);
        assertThat(out).containsExactly(-3.5f, 7f);
        Losses.create("huber", 1.0).link(new float[] {2f, -1f}, 2, 1, out);
        assertThat(out).containsExactly(2f, -1f);
    }

    @Test
    void create_unknownName_listsAllowedValues() {
        assertThatThrownBy(() -> Losses.create("hinge", 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("loss: unknown value 'hinge'; allowed: mse, huber, binary_cross_entropy, "
                        + "categorical_cross_entropy");
    }

    @Test
    void create_huberWithNonPositiveDelta_isRejected() {
        assertThatThrownBy(() -> Losses.create("huber", 0.0)).hasMessageContaining("loss.delta");
        assertThatThrownBy(() -> Losses.create("huber", Double.NaN)).hasMessageContaining("loss.delta");
        assertThat(Losses.create("mse", 0.0).name()).isEqualTo("mse"); // the delta matters to huber only
    }

    @Test
    void namesRoundTrip() {
        for (String n : new String[] {"mse", "huber", "binary_cross_entropy", "categorical_cross_entropy"}) {
            assertThat(Losses.create(n, 1.0).name()).isEqualTo(n);
        }
    }

    @Test
    void singleOutputLoss_onSeveralOutputs_isRejected() {
        Loss mse = Losses.create("mse", 1.0);
        assertThatThrownBy(
                        () -> mse.lossAndGradient(new float[4], new float[2], new float[] {1f, 1f}, 2, 2, new float[4]))
                .hasMessageContaining("needs a model with 1 output");
    }

    @Test
    void cce_labelOutsideClasses_isRejectedWithTheExample() {
        Loss cce = Losses.create("categorical_cross_entropy", 1.0);
        assertThatThrownBy(() -> cce.lossAndGradient(
                        new float[6], new float[] {0f, 3f}, new float[] {1f, 1f}, 2, 3, new float[6]))
                .hasMessageContaining("example 1")
                .hasMessageContaining("0..2");
        assertThatThrownBy(() -> cce.exampleLoss(new float[3], new float[] {0.5f}, 0, 3))
                .hasMessageContaining("class index");
    }
}

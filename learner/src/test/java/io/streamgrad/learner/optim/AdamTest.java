package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class AdamTest extends OptimizerContract {
    @Override
    protected OptimizerSpec validSpec() {
        return SpecBuilder.of("adam").build();
    }

    @Override
    protected List<Invalid> invalidSpecs() {
        return List.of(
                invalid("beta1 1", b -> b.beta1(1.0), "optimizer.beta1"),
                invalid("beta1 -0.1", b -> b.beta1(-0.1), "optimizer.beta1"),
                invalid("beta1 NaN", b -> b.beta1(Double.NaN), "optimizer.beta1"),
                invalid("beta2 1", b -> b.beta2(1.0), "optimizer.beta2"),
                invalid("beta2 1.5", b -> b.beta2(1.5), "optimizer.beta2"),
                invalid("epsilon 0", b -> b.epsilon(0), "optimizer.epsilon"),
                invalid("epsilon NaN", b -> b.epsilon(Double.NaN), "optimizer.epsilon"));
    }

    /**
     * Kingma & Ba 2015, Algorithm 1, in double, written from the paper (not from the implementation):
     * m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2; mHat = m/(1-b1^t); vHat = v/(1-b2^t);
     * w <- w - lr mHat/(sqrt(vHat) + eps).
     */
    static void reference(
            double[] w, double[] m, double[] v, double[] g, int t, double lr, double b1, double b2, double eps) {
        for (int i = 0; i < w.length; i++) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(b1, t));
            double vHat = v[i] / (1 - Math.pow(b2, t));
            w[i] = w[i] - lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }

    @Test
    void firstThreeSteps_matchPlainDoubleReference_paramsAndMoments() {
        OptimizerSpec spec = validSpec();
        Optimizer o = optimizer();
        float[] p = ThreeSteps.params();
        float[] s = freshState(o, ThreeSteps.N);
        double[] w = ThreeSteps.P0.clone();
        double[] m = new double[ThreeSteps.N];
        double[] v = new double[ThreeSteps.N];
        for (int k = 0; k < 3; k++) {
            o.step(p, ThreeSteps.grad(k), s, k + 1, ThreeSteps.LR[k]);
            reference(w, m, v, ThreeSteps.G[k], k + 1, ThreeSteps.LR[k], spec.beta1(), spec.beta2(), spec.epsilon());
            assertClose("w after step " + (k + 1), p, 0, w);
            assertClose("m after step " + (k + 1), s, 0, m);
            assertClose("v after step " + (k + 1), s, ThreeSteps.N, v);
        }
    }

    @Test
    void firstStep_movesEachCoordinateByLrTimesSign() {
        // mHat = g and vHat = g^2 at t = 1, so the step is lr * g / (|g| + eps) = lr * sign(g) up to eps.
        Adam o = new Adam(0.001, 0.9, 0.999, 1e-8);
        float[] p = {1f, 1f, 1f};
        float[] s = new float[6];
        o.step(p, new float[] {0.5f, -3f, 1e-3f}, s, 1, 0.001);
        assertThat(p[0]).isCloseTo(0.999f, within(1e-7f));
        assertThat(p[1]).isCloseTo(1.001f, within(1e-7f));
        assertThat(p[2]).isCloseTo(0.999f, within(1e-7f));
        // m = 0.1 g, v = 0.001 g^2
        assertThat(s[0]).isCloseTo(0.05f, within(1e-9f));
        assertThat(s[1]).isCloseTo(-0.3f, within(1e-8f));
        assertThat(s[3]).isCloseTo(0.00025f, within(1e-10f));
        assertThat(s[4]).isCloseTo(0.009f, within(1e-9f));
    }

    @Test
    void constantGradient_everyStepMovesByLrTimesSign() {
        // With g constant, m = (1 - b1^t) g and v = (1 - b2^t) g^2, so mHat = g and vHat = g^2 at every t:
        // each step is lr * g / (|g| + eps).
        Adam o = new Adam(0.01, 0.9, 0.999, 1e-8);
        float[] p = {0f, 0f};
        float[] s = new float[4];
        float[] g = {2.5f, -0.125f};
        for (int t = 1; t <= 5; t++) {
            float[] before = p.clone();
            o.step(p, g, s, t, 0.01);
            assertThat((double) p[0] - before[0]).as("step %d, g > 0", t).isCloseTo(-0.01, within(1e-8));
            assertThat((double) p[1] - before[1]).as("step %d, g < 0", t).isCloseTo(0.01, within(1e-8));
        }
    }

    @Test
    void step_usesEpsilonOutsideTheSquareRootOfVHat() {
        // g = 0.01, eps = 0.01: the first step is lr * 0.01 / (0.01 + 0.01) = lr / 2 (inside the root: lr / 1.414...).
        Adam o = new Adam(0.1, 0.9, 0.999, 0.01);
        float[] p = {0f};
        o.step(p, new float[] {0.01f}, new float[2], 1, 0.1);
        assertThat(p[0]).isCloseTo(-0.05f, within(1e-6f));
    }

    @Test
    void stepSparse_usesTheGlobalStepForBiasCorrection() {
        // A coordinate first seen at t = 3 with g = 1: m = 0.1, v = 0.001; mHat = 0.1/(1-0.9^3) = 0.369,
        // vHat = 0.001/(1-0.999^3) = 0.3337; step = lr * 0.369 / 0.5777 = 0.639 lr (not lr, as a per-coordinate
        // count would give).
        Adam o = new Adam(0.1, 0.9, 0.999, 1e-8);
        float[] p = {0f, 0f};
        float[] s = new float[4];
        o.stepSparse(p, new float[] {1f}, s, 3, 0.1, new int[] {1}, 1); // compact: the gradient of coordinate 1
        double mHat = 0.1 / (1 - 0.729);
        double vHat = 0.001 / (1 - Math.pow(0.999, 3));
        assertThat(p[1]).isCloseTo((float) (-0.1 * mHat / Math.sqrt(vHat)), within(1e-6f));
        assertThat(p[1]).isCloseTo(-0.0639f, within(1e-4f));
    }

    @Test
    void create_betaOne_messageNamesKeyAndRange() {
        assertThatThrownBy(() -> new Adam(0.1, 1.0, 0.999, 1e-8))
                .hasMessage("optimizer.beta1 must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> new Adam(0.1, 0.9, 0.999, 0))
                .hasMessage("optimizer.epsilon must be a finite number > 0, got 0.0");
    }

    /**
     * After one real gradient, zero gradients decay both moments towards zero. In plain float arithmetic they sink
     * into the subnormal range and stay there (0.999 * v rounds back to v for the smallest subnormals), where every
     * instruction on them costs x86 CPUs a microcode assist; the kernel flushes them instead. Checked for Adam and
     * AdamW on each path (dense, checked dense, lazy): no moment is ever subnormal, and the weights end where the
     * double-precision reference (whose moments never flush) puts them.
     */
    @Test
    void zeroGradientsAfterOne_neverLeaveASubnormalMoment_andTheWeightsMatchTheUnflushedReference() {
        float[] g0 = {1e-3f, -2e-2f, 3f};
        int steps = 100_000;
        // The premise: the same decay in plain float arithmetic does go subnormal within these steps.
        float plainV = 0.001f * g0[0] * g0[0];
        boolean plainWentSubnormal = false;
        for (int t = 2; t <= steps; t++) {
            plainV = 0.999f * plainV;
            plainWentSubnormal |= plainV != 0f && plainV < Float.MIN_NORMAL;
        }
        assertThat(plainWentSubnormal).as("plain float v goes subnormal").isTrue();

        List<Optimizer> optimizers = List.of(new Adam(1e-3, 0.9, 0.999, 1e-8), new AdamW(1e-3, 0.9, 0.999, 1e-8, 0));
        for (Optimizer o : optimizers) {
            for (String path : List.of("step", "stepIfFinite", "stepSparse")) {
                float[] p = {0.5f, -0.25f, 2f};
                float[] s = freshState(o, p.length);
                double[] w = {0.5, -0.25, 2};
                double[] m = new double[3];
                double[] v = new double[3];
                int[] all = {0, 1, 2};
                for (int t = 1; t <= steps; t++) {
                    float[] g = t == 1 ? g0.clone() : new float[3];
                    switch (path) {
                        case "step" -> o.step(p, g, s, t, 1e-3);
                        case "stepIfFinite" ->
                            assertThat(o.stepIfFinite(p, g, s, t, 1e-3)).isEqualTo(Optimizer.APPLIED);
                        default -> o.stepSparse(p, g, s, t, 1e-3, all, 3);
                    }
                    reference(w, m, v, new double[] {g[0], g[1], g[2]}, t, 1e-3, 0.9, 0.999, 1e-8);
                    for (int i = 0; i < s.length; i++) {
                        float x = Math.abs(s[i]);
                        if (x != 0f && x < Float.MIN_NORMAL) {
                            throw new AssertionError(o.name() + " " + path + ": state[" + i + "] = " + s[i]
                                    + " is subnormal after step " + t);
                        }
                    }
                }
                // v stops where 0.999 * v rounds back to v on the flush's grid of 2^-113: at most 500 units.
                assertThat(s[3])
                        .as("%s %s: v decayed to the flush's floor", o.name(), path)
                        .isLessThanOrEqualTo(500 * 0x1p-113f);
                for (int i = 0; i < 3; i++) {
                    assertThat((double) p[i])
                            .as("%s %s: w[%d]", o.name(), path, i)
                            .isCloseTo(w[i], within(1e-6));
                }
            }
        }
    }
}

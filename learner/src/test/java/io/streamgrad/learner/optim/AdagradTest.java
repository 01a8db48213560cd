package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class AdagradTest extends OptimizerContract {
    @Override
    protected OptimizerSpec validSpec() {
        return SpecBuilder.of("adagrad").build();
    }

    @Override
    protected List<Invalid> invalidSpecs() {
        return List.of(
                invalid("initial_accumulator -1", b -> b.initialAccumulator(-1), "optimizer.initial_accumulator"),
                invalid(
                        "initial_accumulator NaN",
                        b -> b.initialAccumulator(Double.NaN),
                        "optimizer.initial_accumulator"),
                invalid("epsilon 0", b -> b.epsilon(0), "optimizer.epsilon"),
                invalid("epsilon -1e-8", b -> b.epsilon(-1e-8), "optimizer.epsilon"),
                invalid("epsilon infinite", b -> b.epsilon(Double.POSITIVE_INFINITY), "optimizer.epsilon"));
    }

    /** Duchi et al. 2011 (diagonal): G <- G + g^2; w <- w - lr g / (sqrt(G) + eps), in double. */
    private static void reference(double[] w, double[] acc, double[] g, double lr, double eps) {
        for (int i = 0; i < w.length; i++) {
            acc[i] = acc[i] + g[i] * g[i];
            w[i] = w[i] - lr * g[i] / (Math.sqrt(acc[i]) + eps);
        }
    }

    @Test
    void initState_fillsTheInitialAccumulator() {
        Optimizer o = optimizer();
        float[] s = freshState(o, 5);
        assertThat(s).containsOnly((float) validSpec().initialAccumulator()).hasSize(5);
    }

    @Test
    void firstThreeSteps_matchPlainDoubleReference() {
        Optimizer o = optimizer();
        float[] p = ThreeSteps.params();
        float[] s = freshState(o, ThreeSteps.N);
        double[] w = ThreeSteps.P0.clone();
        double[] acc = new double[ThreeSteps.N];
        java.util.Arrays.fill(acc, (float) validSpec().initialAccumulator()); // the state is float from the start
        for (int k = 0; k < 3; k++) {
            o.step(p, ThreeSteps.grad(k), s, k + 1, ThreeSteps.LR[k]);
            reference(w, acc, ThreeSteps.G[k], ThreeSteps.LR[k], validSpec().epsilon());
            assertClose("w after step " + (k + 1), p, 0, w);
            assertClose("G after step " + (k + 1), s, 0, acc);
        }
    }

    @Test
    void firstStep_handComputed() {
        // G0 = 7, g = 3: G = 16, w = 1 - 0.1 * 3 / 4 = 0.925 (eps negligible).
        Adagrad o = new Adagrad(0.1, 7, 1e-12);
        float[] p = {1f};
        float[] s = new float[1];
        o.initState(s, 1);
        assertThat(s[0]).isEqualTo(7f);
        o.step(p, new float[] {3f}, s, 1, 0.1);
        assertThat(s[0]).isEqualTo(16f);
        assertThat(p[0]).isCloseTo(0.925f, within(1e-7f));
    }

    @Test
    void firstStep_zeroInitialAccumulator_movesByLrTimesSign() {
        Adagrad o = new Adagrad(0.1, 0, 1e-10);
        float[] p = {0f, 0f};
        float[] s = new float[2];
        o.initState(s, 2);
        o.step(p, new float[] {-250f, 0.004f}, s, 1, 0.1);
        assertThat(p[0]).isCloseTo(0.1f, within(1e-6f));
        assertThat(p[1]).isCloseTo(-0.1f, within(1e-6f));
    }
}

package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RmsPropTest extends OptimizerContract {
    @Override
    protected OptimizerSpec validSpec() {
        return SpecBuilder.of("rmsprop").build();
    }

    @Override
    protected List<Invalid> invalidSpecs() {
        return List.of(
                invalid("rho 1", b -> b.rho(1.0), "optimizer.rho"),
                invalid("rho -0.5", b -> b.rho(-0.5), "optimizer.rho"),
                invalid("epsilon 0", b -> b.epsilon(0), "optimizer.epsilon"),
                invalid("epsilon NaN", b -> b.epsilon(Double.NaN), "optimizer.epsilon"));
    }

    /** Hinton's lecture 6e, PyTorch form: s <- rho s + (1 - rho) g^2; w <- w - lr g / (sqrt(s) + eps). */
    private static void reference(double[] w, double[] sq, double[] g, double lr, double rho, double eps) {
        for (int i = 0; i < w.length; i++) {
            sq[i] = rho * sq[i] + (1 - rho) * g[i] * g[i];
            w[i] = w[i] - lr * g[i] / (Math.sqrt(sq[i]) + eps);
        }
    }

    @Test
    void firstThreeSteps_matchPlainDoubleReference() {
        Optimizer o = optimizer();
        float[] p = ThreeSteps.params();
        float[] s = freshState(o, ThreeSteps.N);
        double[] w = ThreeSteps.P0.clone();
        double[] sq = new double[ThreeSteps.N];
        for (int k = 0; k < 3; k++) {
            o.step(p, ThreeSteps.grad(k), s, k + 1, ThreeSteps.LR[k]);
            reference(
                    w,
                    sq,
                    ThreeSteps.G[k],
                    ThreeSteps.LR[k],
                    validSpec().rho(),
                    validSpec().epsilon());
            assertClose("w after step " + (k + 1), p, 0, w);
            assertClose("s after step " + (k + 1), s, 0, sq);
        }
    }

    @Test
    void firstStep_handComputed() {
        // rho 0.75, g = 2: s = 0.25 * 4 = 1, w = 1 - 0.01 * 2 / 1 = 0.98 (eps negligible).
        RmsProp o = new RmsProp(0.01, 0.75, 1e-12);
        float[] p = {1f};
        float[] s = new float[1];
        o.step(p, new float[] {2f}, s, 1, 0.01);
        assertThat(s[0]).isEqualTo(1f);
        assertThat(p[0]).isCloseTo(0.98f, within(1e-7f));
    }

    @Test
    void step_epsilonIsOutsideTheSquareRoot() {
        // s = 0.5 * 0.04 = 0.02 after one step with rho 0.5, g = 0.2; eps = 0.1 outside the root:
        // w = -0.1 * 0.2 / (sqrt(0.02) + 0.1) = -0.0828427..., inside it would be -0.1 * 0.2 / sqrt(0.12) = -0.0577.
        RmsProp o = new RmsProp(0.1, 0.5, 0.1);
        float[] p = {0f};
        o.step(p, new float[] {0.2f}, new float[1], 1, 0.1);
        assertThat(p[0]).isCloseTo(-0.08284271f, within(1e-6f));
    }
}

package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class MomentumTest extends OptimizerContract {
    @Override
    protected OptimizerSpec validSpec() {
        return SpecBuilder.of("momentum").build();
    }

    @Override
    protected List<Invalid> invalidSpecs() {
        return List.of(
                invalid("momentum 1", b -> b.momentum(1.0), "optimizer.momentum"),
                invalid("momentum -0.1", b -> b.momentum(-0.1), "optimizer.momentum"),
                invalid("momentum NaN", b -> b.momentum(Double.NaN), "optimizer.momentum"));
    }

    /** Polyak heavy ball (PyTorch form): v <- mu v + g; w <- w - lr v, in double. */
    private static void reference(double[] w, double[] v, double[] g, double lr, double mu) {
        for (int i = 0; i < w.length; i++) {
            v[i] = mu * v[i] + g[i];
            w[i] = w[i] - lr * v[i];
        }
    }

    @Test
    void firstThreeSteps_matchPlainDoubleReference() {
        Optimizer o = optimizer();
        double mu = validSpec().momentum();
        float[] p = ThreeSteps.params();
        float[] s = freshState(o, ThreeSteps.N);
        double[] w = ThreeSteps.P0.clone();
        double[] v = new double[ThreeSteps.N];
        for (int k = 0; k < 3; k++) {
            o.step(p, ThreeSteps.grad(k), s, k + 1, ThreeSteps.LR[k]);
            reference(w, v, ThreeSteps.G[k], ThreeSteps.LR[k], mu);
            assertClose("w after step " + (k + 1), p, 0, w);
            assertClose("v after step " + (k + 1), s, 0, v);
        }
    }

    @Test
    void twoSteps_handComputed() {
        // mu 0.9, lr 0.1, g = 1 twice: v = 1 then 1.9; w = 1 - 0.1 = 0.9, then 0.9 - 0.19 = 0.71.
        Momentum o = new Momentum(0.1, 0.9);
        float[] p = {1f};
        float[] v = new float[1];
        o.step(p, new float[] {1f}, v, 1, 0.1);
        assertThat(p[0]).isCloseTo(0.9f, within(1e-7f));
        assertThat(v[0]).isEqualTo(1f);
        o.step(p, new float[] {1f}, v, 2, 0.1);
        assertThat(p[0]).isCloseTo(0.71f, within(1e-7f));
        assertThat(v[0]).isCloseTo(1.9f, within(1e-7f));
    }

    @Test
    void step_zeroGradientAfterMovement_keepsMovingDenseButNotLazy() {
        Momentum o = new Momentum(0.1, 0.5);
        float[] p = {1f};
        float[] v = new float[1];
        o.step(p, new float[] {2f}, v, 1, 0.1); // v = 2, w = 0.8
        float[] pLazy = p.clone();
        float[] vLazy = v.clone();
        o.step(p, new float[] {0f}, v, 2, 0.1); // v = 1, w = 0.7
        o.stepSparse(pLazy, new float[] {0f}, vLazy, 2, 0.1, new int[0], 0);
        assertThat(p[0]).isCloseTo(0.7f, within(1e-7f));
        assertThat(v[0]).isEqualTo(1f);
        assertThat(pLazy[0]).isCloseTo(0.8f, within(1e-7f));
        assertThat(vLazy[0]).isEqualTo(2f);
    }

    @Test
    void create_momentumOne_messageNamesKeyAndRange() {
        assertThatThrownBy(() -> new Momentum(0.1, 1.0)).hasMessage("optimizer.momentum must be in [0, 1), got 1.0");
    }
}

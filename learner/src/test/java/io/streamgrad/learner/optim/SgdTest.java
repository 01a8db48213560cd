package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SgdTest extends OptimizerContract {
    @Override
    protected OptimizerSpec validSpec() {
        return SpecBuilder.of("sgd").build();
    }

    @Override
    protected List<Invalid> invalidSpecs() {
        return List.of(); // only learning_rate, which the contract checks
    }

    /** Robbins & Monro: w <- w - lr * g, in double. */
    private static void reference(double[] w, double[] g, double lr) {
        for (int i = 0; i < w.length; i++) {
            w[i] = w[i] - lr * g[i];
        }
    }

    @Test
    void firstThreeSteps_matchPlainDoubleReference() {
        Optimizer o = optimizer();
        float[] p = ThreeSteps.params();
        float[] s = freshState(o, ThreeSteps.N);
        double[] w = ThreeSteps.P0.clone();
        for (int k = 0; k < 3; k++) {
            o.step(p, ThreeSteps.grad(k), s, k + 1, ThreeSteps.LR[k]);
            reference(w, ThreeSteps.G[k], ThreeSteps.LR[k]);
            assertClose("w after step " + (k + 1), p, 0, w);
        }
        assertThat(s).isEmpty();
    }

    @Test
    void step_handComputed() {
        float[] p = {1.0f, -2.0f};
        new Sgd(0.5).step(p, new float[] {0.5f, -4f}, new float[0], 1, 0.1);
        assertThat(p).containsExactly(0.95f, -1.6f);
    }
}

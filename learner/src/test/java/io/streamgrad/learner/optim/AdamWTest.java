package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * AdamW moves weights on a zero gradient (the decay), so the contract's zero-gradient check runs with
 * {@code weight_decay: 0} and the decay has its own tests here.
 */
class AdamWTest extends OptimizerContract {
    @Override
    protected OptimizerSpec validSpec() {
        return SpecBuilder.of("adamw").build();
    }

    @Override
    protected Optimizer zeroGradientOptimizer() {
        return Optimizers.create(SpecBuilder.from(validSpec()).weightDecay(0).build());
    }

    @Override
    protected List<Invalid> invalidSpecs() {
        return List.of(
                invalid("beta1 1", b -> b.beta1(1.0), "optimizer.beta1"),
                invalid("beta2 -0.01", b -> b.beta2(-0.01), "optimizer.beta2"),
                invalid("epsilon 0", b -> b.epsilon(0), "optimizer.epsilon"),
                invalid("weight_decay -0.1", b -> b.weightDecay(-0.1), "optimizer.weight_decay"),
                invalid("weight_decay NaN", b -> b.weightDecay(Double.NaN), "optimizer.weight_decay"),
                invalid(
                        "weight_decay = 1/learning_rate",
                        b -> b.learningRate(0.5).weightDecay(2),
                        "optimizer.weight_decay"));
    }

    /**
     * Loshchilov & Hutter 2019 as PyTorch's AdamW applies it: w <- w (1 - lr wd), then Kingma & Ba's update
     * ({@link AdamTest#reference}).
     */
    private static void reference(
            double[] w,
            double[] m,
            double[] v,
            double[] g,
            int t,
            double lr,
            double b1,
            double b2,
            double eps,
            double wd) {
        for (int i = 0; i < w.length; i++) {
            w[i] = w[i] * (1 - lr * wd);
        }
        AdamTest.reference(w, m, v, g, t, lr, b1, b2, eps);
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
            reference(
                    w,
                    m,
                    v,
                    ThreeSteps.G[k],
                    k + 1,
                    ThreeSteps.LR[k],
                    spec.beta1(),
                    spec.beta2(),
                    spec.epsilon(),
                    spec.weightDecay());
            assertClose("w after step " + (k + 1), p, 0, w);
            assertClose("m after step " + (k + 1), s, 0, m);
            assertClose("v after step " + (k + 1), s, ThreeSteps.N, v);
        }
    }

    @Test
    void firstStep_handComputed_decayThenAdam() {
        // w = 2 * (1 - 0.1 * 0.5) = 1.9, then the Adam step -0.1 * sign(g) (eps negligible): 1.8.
        AdamW o = new AdamW(0.1, 0.9, 0.999, 1e-8, 0.5);
        float[] p = {2f};
        o.step(p, new float[] {3f}, new float[2], 1, 0.1);
        assertThat(p[0]).isCloseTo(1.8f, within(1e-6f));
    }

    @Test
    void step_zeroGradient_decaysEveryCoordinateByOneMinusLrTimesDecay() {
        AdamW o = new AdamW(0.1, 0.9, 0.999, 1e-8, 0.5);
        float[] p = {2f, -4f, 0.5f};
        float[] s = new float[6];
        o.step(p, new float[3], s, 1, 0.1);
        assertThat(p).containsExactly(1.9f, -3.8f, 0.475f);
        assertThat(s).containsOnly(0f);
        // the scheduled rate, not the base rate, scales the decay
        o.step(p, new float[3], s, 2, 0.02);
        // (float32 arithmetic: the factor 1 - 0.02 * 0.5 is rounded to float once, then multiplies w in float)
        assertThat(p[0]).isEqualTo(1.9f * (float) (1 - 0.02 * 0.5));
    }

    @Test
    void step_decaysBiasesToo_likePyTorchsDefault() {
        // The optimizer has no notion of which coordinate is a bias: PyTorch's AdamW with all parameters in one
        // group decays biases as well. Layout of a linear model here: 3 weights then the bias at index 3.
        AdamW o = new AdamW(0.1, 0.9, 0.999, 1e-8, 0.5);
        float[] p = {1f, 1f, 1f, 1f};
        o.step(p, new float[4], new float[8], 1, 0.1);
        assertThat(p[3]).as("bias").isEqualTo(0.95f);
        float[] lazy = {1f, 1f, 1f, 1f};
        o.stepSparse(lazy, new float[4], new float[8], 1, 0.1, new int[] {3}, 1);
        assertThat(lazy).as("lazy: only the listed bias decays").containsExactly(1f, 1f, 1f, 0.95f);
    }

    @Test
    void zeroDecay_equalsAdamBitForBit() {
        Optimizer adamw =
                Optimizers.create(SpecBuilder.from(validSpec()).weightDecay(0).build());
        Optimizer adam =
                Optimizers.create(SpecBuilder.from(validSpec()).type("adam").build());
        float[][] a = run(adamw, false, STEPS);
        float[][] b = run(adam, false, STEPS);
        Numbers.assertBitsEqual("params", a[0], b[0]);
        Numbers.assertBitsEqual("state", a[1], b[1]);
    }

    @Test
    void create_decayAtLeastOneOverLearningRate_messageSaysWhy() {
        assertThatThrownBy(() -> new AdamW(0.5, 0.9, 0.999, 1e-8, 2))
                .hasMessageStartingWith("optimizer.weight_decay must be < 1/optimizer.learning_rate = 2.0");
    }
}

package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.model.TestData.Labels;
import io.streamgrad.learner.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ND4J MLP against a plain-Java double reference, across batch sizes and input forms. */
class MlpModelTest {
    private static void assertMatchesReference(Model m, float[] params, Batch batch) {
        float[] out = new float[batch.size() * m.numOutputs()];
        m.forward(params, batch, out);
        double[] ref = new ReferenceMlp(m.spec(), params, batch.toDenseArray(), batch.size()).outputs;
        for (int i = 0; i < out.length; i++) {
            assertThat((double) out[i])
                    .as("output %d of batch size %d", i, batch.size())
                    .isCloseTo(ref[i], within(1e-4 * (1 + Math.abs(ref[i]))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "tanh", "sigmoid"})
    void forward_matchesReference_acrossChangingBatchSizes(String activation) {
        ModelSpec spec = TestData.mlp(20, List.of(16, 8), 4, activation, "he");
        Model m = Models.create(spec);
        Rng rng = new Rng(17);
        float[] params = new float[m.numParams()];
        m.initParams(params, rng);
        for (int i = 0; i < params.length; i++) {
            if (m.isBias(i)) {
                params[i] = (float) (0.1 * rng.nextGaussian());
            }
        }
        // grow, shrink, repeat a size: the buffers are reused as views, and the ones column moves with n
        for (int n : new int[] {8, 32, 3, 8, 1, 32, 33}) {
            assertMatchesReference(m, params, TestData.dense(rng, n, 20, Labels.MULTICLASS, 4));
            assertMatchesReference(m, params, TestData.sparse(rng, n, 20, 6, Labels.MULTICLASS, 4));
        }
    }

    @Test
    void backward_afterForwardOnAnotherBatch_usesTheGivenBatch() {
        ModelSpec spec = TestData.mlp(6, List.of(5), 1, "tanh", "xavier_normal");
        Model m = Models.create(spec);
        Rng rng = new Rng(2);
        float[] params = TestData.randomParams(rng, m.numParams(), 0.5);
        Batch a = TestData.dense(rng, 4, 6, Labels.REGRESSION, 1);
        Batch b = TestData.dense(rng, 4, 6, Labels.REGRESSION, 1);
        float[] dRaw = {0.3f, -0.2f, 0.1f, 0.5f};
        float[] expected = new float[m.numParams()];
        m.forward(params, b, new float[4]);
        m.backward(params, b, dRaw, expected, null);
        float[] got = new float[m.numParams()];
        m.forward(params, a, new float[4]);
        m.backward(params, b, dRaw, got, null);
        assertThat(got).containsExactly(expected);
    }

    @Test
    void backward_addsIntoGrad_andTouchesEveryParameter() {
        ModelSpec spec = TestData.mlp(6, List.of(5, 4), 3, "relu", "he");
        Model m = Models.create(spec);
        Rng rng = new Rng(4);
        float[] params = TestData.randomParams(rng, m.numParams(), 0.5);
        Batch batch = TestData.sparse(rng, 7, 6, 4, Labels.MULTICLASS, 3);
        float[] dRaw = TestData.randomParams(rng, 21, 1.0);
        float[] once = new float[m.numParams()];
        m.forward(params, batch, new float[21]);
        m.backward(params, batch, dRaw, once, null);
        float[] start = TestData.randomParams(rng, m.numParams(), 1.0);
        float[] acc = start.clone();
        TouchedSet touched = new TouchedSet(m.numParams());
        m.backward(params, batch, dRaw, acc, touched);
        for (int i = 0; i < acc.length; i++) {
            assertThat(acc[i]).as("gradient %d", i).isCloseTo(start[i] + once[i], within(1e-5f));
        }
        assertThat(touched.count()).isEqualTo(m.numParams());
    }

    @Test
    void gradient_overwritesWhateverGradHeld_withExactlyTheBitsOfZeroPlusBackward() {
        ModelSpec spec = TestData.mlp(6, List.of(5, 4), 3, "relu", "he");
        Model m = Models.create(spec);
        Rng rng = new Rng(5);
        float[] params = TestData.randomParams(rng, m.numParams(), 0.5);
        for (int size : new int[] {7, 3, 7}) { // a smaller batch in between reuses the buffers
            Batch batch = TestData.sparse(rng, size, 6, 4, Labels.MULTICLASS, 3);
            float[] dRaw = TestData.randomParams(rng, size * 3, 1.0);
            m.forward(params, batch, new float[size * 3]);
            float[] viaBackward = new float[m.numParams()];
            m.backward(params, batch, dRaw, viaBackward, null);
            float[] viaGradient = TestData.randomParams(rng, m.numParams(), 100.0); // garbage to overwrite
            viaGradient[0] = Float.NaN;
            m.gradient(params, batch, dRaw, viaGradient);
            assertThat(viaGradient).as("batch of %d", size).containsExactly(viaBackward);
        }
        // The default (other models): zero, then backward.
        Model linear = Models.create(TestData.linear(3));
        float[] grad = {1f, 2f, 3f, 4f};
        linear.gradient(new float[4], Batch.dense(0, 3, new float[0], new float[0], null), new float[0], grad);
        assertThat(grad).containsExactly(0f, 0f, 0f, 0f);
    }

    @Test
    void emptyBatch_isANoOp() {
        Model m = Models.create(TestData.mlp(3, List.of(2), 1, "relu", "he"));
        Batch empty = Batch.dense(0, 3, new float[0], new float[0], null);
        float[] grad = new float[m.numParams()];
        m.forward(new float[m.numParams()], empty, new float[0]);
        m.backward(new float[m.numParams()], empty, new float[0], grad, null);
        assertThat(grad).containsOnly(0f);
    }
}

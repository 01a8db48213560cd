package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamgrad.learner.data.Batch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The factory's validation, each model's documented layout, and outputs worked by hand. */
class ModelsTest {
    private static Batch row(float... x) {
        return Batch.dense(1, x.length, x, new float[] {0f}, null);
    }

    @Test
    void unknownType_namesKeyAndAllowedValues() {
        assertThatThrownBy(
                        () -> Models.create(new ModelSpec(ModelKind.of("tree"), 3, 1, List.of(), null, "zeros", 0, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model.type: unknown value 'tree'; allowed: linear, logistic, softmax, mlp, fm");
    }

    @Test
    void badSettings_nameTheirKey() {
        assertThatThrownBy(() -> Models.create(TestData.mlp(3, List.of(4), 1, "gelu", "he")))
                .hasMessage("model.activation: unknown value 'gelu'; allowed: relu, tanh, sigmoid");
        assertThatThrownBy(() -> Models.create(TestData.mlp(3, List.of(4), 1, "relu", "orthogonal")))
                .hasMessage(
                        "model.init: unknown value 'orthogonal'; allowed: zeros, xavier_uniform, xavier_normal, he");
        assertThatThrownBy(() -> Models.create(new ModelSpec(ModelKind.LINEAR, 3, 1, List.of(), null, "ones", 0, 0)))
                .hasMessageStartingWith("model.init: unknown value 'ones'");
        assertThatThrownBy(() -> Models.create(TestData.mlp(3, List.of(4, 0), 1, "relu", "he")))
                .hasMessageStartingWith("model.hidden:");
        assertThatThrownBy(() -> Models.create(TestData.mlp(3, List.of(4), 1, "relu", "zeros")))
                .hasMessageStartingWith("model.init: zeros");
        assertThatThrownBy(() -> Models.create(new ModelSpec(ModelKind.LINEAR, 3, 1, List.of(8), null, "zeros", 0, 0)))
                .hasMessageStartingWith("model.hidden: only type mlp");
        assertThatThrownBy(() -> Models.create(TestData.softmax(3, 1))).hasMessageStartingWith("model.classes:");
        assertThatThrownBy(() -> Models.create(new ModelSpec(ModelKind.LOGISTIC, 3, 3, List.of(), null, "zeros", 0, 0)))
                .hasMessageStartingWith("model.classes:");
        assertThatThrownBy(() -> Models.create(TestData.linear(0))).hasMessageStartingWith("model.features:");
        assertThatThrownBy(() -> Models.create(TestData.fm(5, 0))).hasMessageStartingWith("model.factors:");
        assertThatThrownBy(() -> Models.create(new ModelSpec(ModelKind.FM, 5, 1, List.of(), null, "zeros", 2, 0)))
                .hasMessageStartingWith("model.init_std:");
        assertThatThrownBy(() -> Models.create(TestData.softmax(1 << 30, 4))).hasMessageStartingWith("model.features:");
    }

    @Test
    void sizes_followTheDocumentedLayouts() {
        assertThat(Models.create(TestData.linear(10)).numParams()).isEqualTo(11);
        assertThat(Models.create(TestData.softmax(10, 3)).numParams()).isEqualTo(33);
        assertThat(Models.create(TestData.softmax(10, 3)).numOutputs()).isEqualTo(3);
        assertThat(Models.create(TestData.fm(10, 4)).numParams()).isEqualTo(1 + 10 + 40);
        Model mlp = Models.create(TestData.mlp(784, List.of(256, 128), 10, "relu", "he"));
        assertThat(mlp.numParams()).isEqualTo(785 * 256 + 257 * 128 + 129 * 10);
        assertThat(mlp.numOutputs()).isEqualTo(10);
        assertThat(Models.create(TestData.mlp(5, List.of(3), 0, "tanh", "he")).numOutputs())
                .isEqualTo(1);
    }

    @Test
    void isBias_marksExactlyTheBiases() {
        Model softmax = Models.create(TestData.softmax(4, 3));
        for (int i = 0; i < softmax.numParams(); i++) {
            assertThat(softmax.isBias(i)).as("softmax %d", i).isEqualTo(i >= 12);
        }
        Model fm = Models.create(TestData.fm(4, 2));
        for (int i = 0; i < fm.numParams(); i++) {
            assertThat(fm.isBias(i)).as("fm %d", i).isEqualTo(i == 0);
        }
        Model mlp = Models.create(TestData.mlp(3, List.of(2), 2, "relu", "he"));
        // layer 0: W 3x2 at 0..5, b at 6..7; layer 1: W 2x2 at 8..11, b at 12..13
        for (int i = 0; i < mlp.numParams(); i++) {
            assertThat(mlp.isBias(i)).as("mlp %d", i).isEqualTo(i == 6 || i == 7 || i == 12 || i == 13);
        }
    }

    @Test
    void linear_outputIsWeightsDotInputPlusBias() {
        Model m = Models.create(TestData.linear(3));
        float[] out = new float[1];
        m.forward(new float[] {1f, 2f, 3f, 0.5f}, row(1f, 0f, -1f), out);
        assertThat(out[0]).isEqualTo(-1.5f);
    }

    @Test
    void softmax_weightsAreClassRowsThenBiases() {
        Model m = Models.create(TestData.softmax(2, 2));
        float[] out = new float[2];
        m.forward(new float[] {1f, 2f, 3f, 4f, 0.1f, -0.1f}, row(1f, 1f), out);
        assertThat(out[0]).isCloseTo(3.1f, within(1e-6f));
        assertThat(out[1]).isCloseTo(6.9f, within(1e-6f));
    }

    @Test
    void fm_outputMatchesPairwiseSum_withDuplicateIndicesSummed() {
        // w0 = 0.5, w = [1, -1, 2], V = [[1, 0], [0.5, 1], [2, -1]], x = [1, 2, 0.5]:
        // 0.5 + (1 - 2 + 1) + <v0,v1>*2 + <v0,v2>*0.5 + <v1,v2>*1 = 0.5 + 0 + 1 + 1 + 0 = 2.5
        float[] params = {0.5f, 1f, -1f, 2f, 1f, 0f, 0.5f, 1f, 2f, -1f};
        Model m = Models.create(TestData.fm(3, 2));
        float[] out = new float[2];
        Batch csr = Batch.sparse(
                2,
                3,
                new int[] {0, 4, 6},
                new int[] {0, 1, 2, 0, 1, 0},
                new float[] {0.25f, 2f, 0.5f, 0.75f, 2f, 1f},
                new float[2],
                null);
        m.forward(params, csr, out);
        assertThat(out[0]).isCloseTo(2.5f, within(1e-6f));
        // second row x = [1, 2, 0]: 0.5 + 1 - 2 + <v0,v1>*2 = 0.5
        assertThat(out[1]).isCloseTo(0.5f, within(1e-6f));
    }

    @Test
    void mlp_layoutIsWeightsFanInByFanOutThenBias_perLayer() {
        // W1 = [[1, -1], [2, 1]] (W1[i][o]), b1 = [0, 0.5]; W2 = [[1], [-2]], b2 = 0.25; relu
        float[] params = {1f, -1f, 2f, 1f, 0f, 0.5f, 1f, -2f, 0.25f};
        Model m = Models.create(TestData.mlp(2, List.of(2), 1, "relu", "he"));
        float[] out = new float[2];
        m.forward(params, Batch.dense(2, 2, new float[] {1f, 1f, 1f, -1f}, new float[2], null), out);
        assertThat(out[0]).isCloseTo(2.25f, within(1e-6f)); // z1 = [3, 0.5]
        assertThat(out[1]).isCloseTo(0.25f, within(1e-6f)); // z1 = [-1, -1.5] -> relu 0
    }

    @Test
    void sparseIndexOutsideFeatures_isRejectedWithTheRow() {
        for (Model m : List.of(
                Models.create(TestData.softmax(4, 2)),
                Models.create(TestData.fm(4, 2)),
                Models.create(TestData.mlp(4, List.of(3), 1, "relu", "he")))) {
            Batch bad =
                    Batch.sparse(2, 4, new int[] {0, 1, 2}, new int[] {1, 4}, new float[] {1f, 1f}, new float[2], null);
            assertThatThrownBy(() -> m.forward(new float[m.numParams()], bad, new float[2 * m.numOutputs()]))
                    .as(m.spec().type().yamlName())
                    .hasMessageContaining("row 1")
                    .hasMessageContaining("index 4");
        }
    }

    @Test
    void batchOfOtherWidth_isRejected() {
        Model m = Models.create(TestData.linear(3));
        assertThatThrownBy(() -> m.forward(new float[4], row(1f, 2f), new float[1]))
                .hasMessageContaining("model.features is 3");
    }
}

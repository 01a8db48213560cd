package io.streamgrad.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.Predictor;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The blocked predictor against the learner's {@link Predictor} (the independent reference): on random parameters
 * and random dense and sparse batches (repeated features, rows crossing block boundaries, empty rows), every
 * prediction has the same bits.
 */
class BlockedPredictorTest {
    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("model: {type: linear, features: 9}\nloss: mse\n", 9),
                Arguments.of("model: {type: linear, features: 7}\nloss: {type: huber, delta: 0.5}\n", 7),
                Arguments.of("model: {type: logistic, features: 6000}\nloss: binary_cross_entropy\n", 6000),
                Arguments.of("model: {type: logistic, features: 13}\nloss: binary_cross_entropy\n", 13),
                Arguments.of(
                        "model: {type: softmax, features: 4500, classes: 3}\nloss: categorical_cross_entropy\n", 4500),
                Arguments.of("model: {type: softmax, features: 5, classes: 4}\nloss: categorical_cross_entropy\n", 5),
                Arguments.of("model: {type: fm, features: 3000, factors: 4}\nloss: binary_cross_entropy\n", 3000),
                Arguments.of("model: {type: fm, features: 11, factors: 3}\nloss: mse\n", 11));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void predict_isBitIdenticalToTheLearnersPredictor_onRandomModelsAndBatches(String yaml, int d) {
        TrainerConfig config = ConfigParser.parse(yaml + "optimizer: {type: sgd, learning_rate: 0.1}\n");
        Predictor reference = new Predictor(config);
        BlockedPredictor blocked = new BlockedPredictor(config);
        assertThat(blocked.numParams()).isEqualTo(reference.numParams());
        assertThat(blocked.outputs()).isEqualTo(reference.outputs());
        Random r = new Random(yaml.hashCode());
        for (int trial = 0; trial < 20; trial++) {
            float[] params = new float[reference.numParams()];
            for (int i = 0; i < params.length; i++) {
                params[i] = (float) (r.nextGaussian() * (trial % 3 == 0 ? 5 : 0.3));
            }
            // Odd trials: held as one array (a full version unlike the one before it), as dense deltas make.
            BlockedParams w = trial % 2 == 0
                    ? BlockedParams.of(params)
                    : BlockedParams.of(params, BlockedParams.of(new float[params.length]));
            for (Batch batch : new Batch[] {dense(r, d, 1 + r.nextInt(6)), sparse(r, d, 1 + r.nextInt(8))}) {
                float[] expected = reference.predict(params, batch, null);
                float[] actual = blocked.predict(w, batch);
                assertThat(actual).hasSameSizeAs(expected);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(Float.floatToRawIntBits(actual[i]))
                            .as(
                                    "trial %d, %s batch, output %d: %s vs %s",
                                    trial, batch.isSparse() ? "sparse" : "dense", i, actual[i], expected[i])
                            .isEqualTo(Float.floatToRawIntBits(expected[i]));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void predict_aFeatureIndexOutsideTheModel_isRefusedNamingRowAndIndex(String yaml, int d) {
        TrainerConfig config = ConfigParser.parse(yaml + "optimizer: {type: sgd, learning_rate: 0.1}\n");
        BlockedPredictor blocked = new BlockedPredictor(config);
        BlockedParams w = BlockedParams.of(new float[blocked.numParams()]);
        Batch bad = Batch.sparse(1, d, new int[] {0, 2}, new int[] {0, d}, new float[] {1, 1}, new float[1], null);
        assertThatThrownBy(() -> blocked.predict(w, bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 0 has feature index " + d + " outside [0, " + d + ")");
    }

    private static Batch dense(Random r, int d, int n) {
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            int kind = r.nextInt(4);
            x[i] = kind == 0 ? 0f : kind == 1 ? -0.0f : (float) r.nextGaussian();
        }
        return Batch.dense(n, d, x, new float[n], null);
    }

    /** Rows of 0..40 entries, some features repeated, some near block edges. */
    private static Batch sparse(Random r, int d, int n) {
        int[] ptr = new int[n + 1];
        int[] idx = new int[n * 40];
        float[] val = new float[n * 40];
        int at = 0;
        for (int row = 0; row < n; row++) {
            ptr[row] = at;
            int nnz = row == 0 && n > 1 ? 0 : r.nextInt(41);
            for (int p = 0; p < nnz; p++) {
                if (p > 0 && r.nextInt(5) == 0) {
                    idx[at] = idx[at - 1 - r.nextInt(p)]; // a repeated feature
                } else if (r.nextInt(4) == 0) {
                    idx[at] = Math.min(d - 1, BlockedParams.BLOCK * r.nextInt(2) + r.nextInt(3)); // a block edge
                } else {
                    idx[at] = r.nextInt(d);
                }
                val[at] = r.nextInt(3) == 0 ? 1f : (float) r.nextGaussian();
                at++;
            }
        }
        ptr[n] = at;
        return Batch.sparse(n, d, ptr, idx, val, new float[n], null);
    }
}

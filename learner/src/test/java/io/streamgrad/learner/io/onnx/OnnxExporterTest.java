package io.streamgrad.learner.io.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Predictor;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.learner.util.Rng;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every model kind and MLP activation, trained a few steps, exported, and run in ONNX Runtime: its
 * {@code prediction} output equals the learner's {@link Predictor#predict} (and {@code raw} the pre-link outputs)
 * to max |a - b| / max(1, |b|) <= 1e-5, on dense rows and on the densified rows of a sparse batch.
 */
class OnnxExporterTest {
    static final double TOLERANCE = 1e-5;
    static final int D = 12;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "model: {type: linear, features: 12}\nloss: mse\n",
                "model: {type: linear, features: 12}\nloss: {type: huber, delta: 0.5}\n",
                "model: {type: logistic, features: 12}\nloss: binary_cross_entropy\n",
                "model: {type: softmax, features: 12, classes: 4}\nloss: categorical_cross_entropy\n",
                "model: {type: mlp, features: 12, hidden: [8, 5], activation: relu}\nloss: mse\n",
                "model: {type: mlp, features: 12, hidden: [6], activation: tanh}\nloss: binary_cross_entropy\n",
                "model: {type: mlp, features: 12, hidden: [7, 4], activation: sigmoid, classes: 3}\n"
                        + "loss: categorical_cross_entropy\n",
                "model: {type: mlp, features: 12, hidden: [9], activation: relu, classes: 3}\nloss: categorical_cross_entropy\n",
                "model: {type: fm, features: 12, factors: 3}\nloss: binary_cross_entropy\n",
                "model: {type: fm, features: 12, factors: 4, init_std: 0.1}\nloss: mse\n"
            })
    void export_trainedModel_runsInOnnxRuntime_withThePredictionsOfPredict(String model) throws Exception {
        TrainerConfig config = ConfigParser.parse(model + "optimizer: {type: adam, learning_rate: 0.05}\n");
        Snapshot snapshot = trained(config, 25);

        byte[] onnx = OnnxExporter.export(snapshot);

        Predictor predictor = new Predictor(config);
        int k = predictor.outputs();
        Rng rng = new Rng(99);
        Batch dense = denseBatch(rng, 64, config);
        OnnxRuntimeRun.Outputs ort = OnnxRuntimeRun.run(onnx, dense.dense(), dense.size(), D);
        float[] expected = predictor.predict(snapshot.state().params(), dense, null);
        assertThat(ort.get(OnnxExporter.OUTPUT)).hasSize(dense.size() * k);
        assertThat(OnnxRuntimeRun.maxRelativeError(ort.get(OnnxExporter.OUTPUT), expected))
                .as("prediction vs predict, %s", model)
                .isLessThanOrEqualTo(TOLERANCE);
        assertThat(OnnxRuntimeRun.maxRelativeError(ort.get(OnnxExporter.RAW_OUTPUT), raw(config, snapshot, dense)))
                .as("raw vs the model's forward, %s", model)
                .isLessThanOrEqualTo(TOLERANCE);
        // Sparse (hashed) input: the caller feeds the dense row of the same features.
        Batch sparse = sparseBatch(rng, 40);
        OnnxRuntimeRun.Outputs fromSparse = OnnxRuntimeRun.run(onnx, sparse.toDenseArray(), sparse.size(), D);
        assertThat(OnnxRuntimeRun.maxRelativeError(
                        fromSparse.get(OnnxExporter.OUTPUT),
                        predictor.predict(snapshot.state().params(), sparse, null)))
                .as("prediction vs predict on a sparse batch, %s", model)
                .isLessThanOrEqualTo(TOLERANCE);

        assertThat(ort.declaredShapes())
                .containsEntry(OnnxExporter.INPUT, new long[] {-1, D})
                .containsEntry(OnnxExporter.OUTPUT, new long[] {-1, k})
                .containsEntry(OnnxExporter.RAW_OUTPUT, new long[] {-1, k});
        assertThat(ort.meta())
                .containsEntry("streamgrad.model_id", "m")
                .containsEntry("streamgrad.version", "7")
                .containsEntry("streamgrad.model_type", config.model().type().yamlName())
                .containsEntry("streamgrad.features", Integer.toString(D));
    }

    @Test
    void export_linkFollowsTheLoss_sigmoidForBinary_softmaxRowsSumToOne() throws Exception {
        TrainerConfig binary = ConfigParser.parse("model: {type: logistic, features: 12}\nloss: binary_cross_entropy\n"
                + "optimizer: {type: adam, learning_rate: 0.05}\n");
        Snapshot b = trained(binary, 10);
        Batch x = denseBatch(new Rng(5), 8, binary);
        OnnxRuntimeRun.Outputs out = OnnxRuntimeRun.run(OnnxExporter.export(b), x.dense(), 8, D);
        float[] raw = out.get(OnnxExporter.RAW_OUTPUT);
        float[] p = out.get(OnnxExporter.OUTPUT);
        for (int i = 0; i < 8; i++) {
            assertThat((double) p[i]).isCloseTo(1 / (1 + Math.exp(-raw[i])), org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(out.meta()).containsEntry("streamgrad.link", "sigmoid");

        TrainerConfig multi = ConfigParser.parse("model: {type: softmax, features: 12, classes: 3}\n"
                + "loss: categorical_cross_entropy\noptimizer: {type: adam, learning_rate: 0.05}\n");
        Snapshot m = trained(multi, 10);
        OnnxRuntimeRun.Outputs probs = OnnxRuntimeRun.run(OnnxExporter.export(m), x.dense(), 8, D);
        float[] q = probs.get(OnnxExporter.OUTPUT);
        for (int i = 0; i < 8; i++) {
            assertThat((double) q[3 * i] + q[3 * i + 1] + q[3 * i + 2])
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void export_stateOfAnotherShape_isRefused_namingTheModelAndBothSizes() {
        TrainerConfig config =
                ConfigParser.parse("model: {type: linear, features: 12}\nloss: mse\noptimizer: {type: sgd}\n");
        ModelState wrong = new Trainer(
                        ConfigParser.parse("model: {type: linear, features: 5}\nloss: mse\noptimizer: {type: sgd}\n"))
                .initState();
        Snapshot s = new Snapshot("m", 3, 0L, config, wrong, Map.of(), Map.of());

        assertThatThrownBy(() -> OnnxExporter.export(s))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model 'm' version 3")
                .hasMessageContaining("6 parameters")
                .hasMessageContaining("13");
    }

    /** Trains {@code steps} batches of 16 from the config's seed; the parameters must have moved. */
    static Snapshot trained(TrainerConfig config, int steps) {
        Trainer trainer = new Trainer(config);
        ModelState state = trainer.initState();
        float[] init = state.params().clone();
        Rng rng = new Rng(7);
        for (int s = 0; s < steps; s++) {
            StepResult r = trainer.train(state, denseBatch(rng, 16, config));
            assertThat(r.applied()).as("step %s applied", s).isTrue();
        }
        assertThat(state.params()).as("trained").isNotEqualTo(init);
        assertThat(state.step()).isEqualTo(steps);
        return new Snapshot("m", 7, 0L, config, state, Map.of(), Map.of());
    }

    /** Standard normal features; labels from a fixed rule of the features so that training has a signal. */
    static Batch denseBatch(Rng rng, int n, TrainerConfig config) {
        float[] x = new float[n * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        float[] y = new float[n];
        int classes = config.model().classes();
        for (int r = 0; r < n; r++) {
            double s = x[r * D] - 0.5 * x[r * D + 1] + x[r * D + 2] * x[r * D + 3];
            y[r] = switch (config.task()) {
                case REGRESSION -> (float) s;
                case BINARY -> s > 0 ? 1f : 0f;
                case MULTICLASS -> (float) Math.floorMod((int) Math.floor(s * 2), classes);
            };
        }
        float[] w = new float[n];
        Arrays.fill(w, 1f);
        return Batch.dense(n, D, x, y, w);
    }

    /** CSR rows of 1..5 features, some indices repeated within a row (they sum). */
    static Batch sparseBatch(Rng rng, int n) {
        int[] ptr = new int[n + 1];
        int[] idx = new int[n * 5];
        float[] val = new float[n * 5];
        int cur = 0;
        for (int r = 0; r < n; r++) {
            int m = 1 + rng.nextInt(5);
            for (int p = 0; p < m; p++) {
                idx[cur] = p == 3 ? idx[cur - 1] : rng.nextInt(D);
                val[cur] = (float) rng.nextGaussian();
                cur++;
            }
            ptr[r + 1] = cur;
        }
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        return Batch.sparse(n, D, ptr, idx, val, new float[n], ones);
    }

    private static float[] raw(TrainerConfig config, Snapshot s, Batch batch) {
        io.streamgrad.learner.model.Model m = io.streamgrad.learner.model.Models.create(config.model());
        float[] out = new float[batch.size() * m.numOutputs()];
        m.forward(s.state().params(), batch, out);
        return out;
    }
}

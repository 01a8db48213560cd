package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train -> save -> predict / evaluate through the command line, on real and small synthetic files. */
class OfflineCliRoundTripTest {
    private static final String SEGMENT_TRAIN = CliRun.resource("/data/segment-train.svm");
    private static final String SEGMENT_TEST = CliRun.resource("/data/segment-test.svm");

    @TempDir
    Path dir;

    private String train(String config, String data, int passes, String save, String... extra) {
        String[] base = {"train", "--config", config, "--data", data, "--passes", String.valueOf(passes), "--save", save
        };
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CliRun r = CliRun.of(args);
        assertThat(r.status()).as(r.err()).isZero();
        return r.out();
    }

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void trainSavePredict_oneLineOfClassProbabilitiesPerInputLine() throws IOException {
        String model = dir.resolve("softmax.sgm").toString();
        String out = train(CliRun.resource("/cli/segment-softmax.yaml"), SEGMENT_TRAIN, 2, model);

        assertThat(out)
                .contains("pass 1/2: examples=1500 loss=", "pass 2/2: examples=1500 loss=", "accuracy=")
                .contains("trained 2 passes: 188 updates, 3000 examples trained in total, 0 batches rejected")
                .contains("saved " + model + " (model 'segment-softmax', version 1, step 188)");

        CliRun predict = CliRun.of("predict", "--model", model, "--data", SEGMENT_TEST);
        assertThat(predict.status()).as(predict.err()).isZero();
        List<String> lines = predict.outLines();
        assertThat(lines).hasSize(Files.readAllLines(Path.of(SEGMENT_TEST)).size());
        for (String line : lines) {
            String[] p = line.split(" ");
            assertThat(p).hasSize(7);
            double sum = 0;
            for (String v : p) {
                float x = Float.parseFloat(v);
                assertThat(Float.toString(x)).isEqualTo(v);
                assertThat(x).isBetween(0f, 1f);
                sum += x;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void evaluateJson_parsesWithStableKeys() throws IOException {
        String model = dir.resolve("m.sgm").toString();
        train(CliRun.resource("/cli/segment-softmax.yaml"), SEGMENT_TRAIN, 1, model);

        CliRun eval = CliRun.of("evaluate", "--model", model, "--data", SEGMENT_TEST, "--json");
        CliRun text = CliRun.of("evaluate", "--model", model, "--data", SEGMENT_TEST);

        assertThat(eval.status()).isZero();
        JsonNode json = new ObjectMapper().readTree(eval.out());
        assertThat(json.fieldNames())
                .toIterable()
                .containsExactly("model_id", "version", "examples", "loss", "accuracy", "f1", "skipped_lines");
        assertThat(json.get("model_id").asText()).isEqualTo("segment-softmax");
        assertThat(json.get("examples").asLong()).isEqualTo(810);
        assertThat(json.get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(text.out()).contains("  examples: 810\n", "  accuracy: ");
    }

    @Test
    void noShuffle_sameConfigAndData_sameBytes() throws IOException {
        Path cfg = file(
                "noshuffle.yaml",
                Files.readString(Path.of(CliRun.resource("/cli/segment-mlp.yaml")))
                        .replace("shuffle: true", "shuffle: false"));
        String a = dir.resolve("a.sgm").toString();
        String b = dir.resolve("b.sgm").toString();
        train(cfg.toString(), SEGMENT_TRAIN, 2, a);
        train(cfg.toString(), SEGMENT_TRAIN, 2, b);

        assertThat(ModelStateCodec.encode(SnapshotFile.read(Path.of(a)).state()))
                .isEqualTo(ModelStateCodec.encode(SnapshotFile.read(Path.of(b)).state()));
        assertThat(Files.readAllBytes(Path.of(a))).isEqualTo(Files.readAllBytes(Path.of(b))); // fixed clock
        assertThat(CliRun.of("predict", "--model", a, "--data", SEGMENT_TEST).out())
                .isEqualTo(CliRun.of("predict", "--model", b, "--data", SEGMENT_TEST)
                        .out());
    }

    @Test
    void shuffle_advancesTheSavedRng_andResumingEqualsOneLongRun() throws IOException {
        String cfg = CliRun.resource("/cli/segment-softmax.yaml");
        String whole = dir.resolve("whole.sgm").toString();
        String first = dir.resolve("first.sgm").toString();
        String resumed = dir.resolve("resumed.sgm").toString();
        train(cfg, SEGMENT_TRAIN, 5, whole);
        train(cfg, SEGMENT_TRAIN, 2, first);
        CliRun r = CliRun.of("train", "--resume", first, "--data", SEGMENT_TRAIN, "--passes", "3", "--save", resumed);
        assertThat(r.status()).as(r.err()).isZero();

        Snapshot w = SnapshotFile.read(Path.of(whole));
        Snapshot f = SnapshotFile.read(Path.of(first));
        Snapshot s = SnapshotFile.read(Path.of(resumed));
        assertThat(f.state().rngState()).isNotEqualTo(w.state().rngState());
        assertThat(s.version()).isEqualTo(2);
        assertThat(s.modelId()).isEqualTo("segment-softmax");
        assertThat(ModelStateCodec.encode(s.state())).isEqualTo(ModelStateCodec.encode(w.state()));
    }

    @Test
    void resume_withDifferentConfig_isRefused() throws IOException {
        String first = dir.resolve("first.sgm").toString();
        train(CliRun.resource("/cli/segment-softmax.yaml"), SEGMENT_TRAIN, 1, first);

        CliRun r = CliRun.of(
                "train",
                "--resume",
                first,
                "--config",
                CliRun.resource("/cli/segment-mlp.yaml"),
                "--data",
                SEGMENT_TRAIN,
                "--save",
                dir.resolve("x.sgm").toString());

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("differs from the config saved in --resume");
    }

    @Test
    void csvIris_trainsAndPredictsThreeProbabilitiesPerRow() throws IOException {
        String model = dir.resolve("iris.sgm").toString();
        String iris = CliRun.resource("/data/iris.csv");
        train(CliRun.resource("/cli/iris-softmax.yaml"), iris, 30, model);

        CliRun predict = CliRun.of("predict", "--model", model, "--data", iris);
        JsonNode eval = new ObjectMapper()
                .readTree(CliRun.of("evaluate", "--model", model, "--data", iris, "--json")
                        .out());

        assertThat(predict.outLines())
                .hasSize(150)
                .allSatisfy(l -> assertThat(l.split(" ")).hasSize(3));
        // Iris is nearly linearly separable; multinomial logistic regression fits it to ~97 % (resubstitution).
        assertThat(eval.get("accuracy").asDouble()).isGreaterThan(0.9);
    }

    @Test
    void logistic_predictPrintsOneProbabilityPerLine_andEvaluateReportsAuc() throws IOException {
        Path cfg = file(
                "bin.yaml",
                "model: {type: logistic, features: 2}\nloss: binary_cross_entropy\n"
                        + "optimizer: {type: sgd, learning_rate: 0.5}\nbatch_size: 2\n");
        Path data = file("bin.svm", "1 1:2 2:0.5\n-1 1:-2\n+1 1:1.5 2:1\n0 2:-1\n1 1:1\n0 1:-1 2:-0.5\n");
        String model = dir.resolve("bin.sgm").toString();
        train(cfg.toString(), data.toString(), 20, model);

        CliRun predict = CliRun.of("predict", "--model", model, "--data", data.toString());
        JsonNode eval = new ObjectMapper()
                .readTree(CliRun.of("evaluate", "--model", model, "--data", data.toString(), "--json")
                        .out());

        assertThat(predict.outLines())
                .hasSize(6)
                .allSatisfy(l -> assertThat(Float.parseFloat(l)).isBetween(0f, 1f));
        assertThat(Float.parseFloat(predict.outLines().get(0))).isGreaterThan(0.5f);
        assertThat(Float.parseFloat(predict.outLines().get(1))).isLessThan(0.5f);
        assertThat(eval.get("auc").asDouble()).isEqualTo(1.0);
        assertThat(eval.get("accuracy").asDouble()).isEqualTo(1.0);
        assertThat(eval.has("precision")).isTrue();
    }

    @Test
    void linear_predictPrintsValues_andSkipPolicyCountsBadLines() throws IOException {
        Path cfg = file(
                "lin.yaml",
                "model: {type: linear, features: 1}\nloss: mse\n"
                        + "optimizer: {type: sgd, learning_rate: 0.1}\nbatch_size: 1\n");
        // y = 2x + 1, and one bad line (index 2 > features).
        Path data = file("lin.svm", "1 1:0\n3 1:1\n5 1:2\n-1 1:-1\n7 2:3\n");
        String model = dir.resolve("lin.sgm").toString();

        CliRun failing = CliRun.of("train", "--config", cfg.toString(), "--data", data.toString(), "--save", model);
        assertThat(failing.status()).isEqualTo(1);
        assertThat(failing.err()).startsWith("error: " + data + ":5: feature index 2 exceeds model.features = 1");

        String out = train(cfg.toString(), data.toString(), 200, model, "--on-error", "skip");
        assertThat(out).contains("1 lines of " + data + " skipped");
        CliRun predict = CliRun.of("predict", "--model", model, "--data", data.toString(), "--on-error", "skip");
        List<String> values = predict.outLines();
        assertThat(values).hasSize(4);
        assertThat(Double.parseDouble(values.get(2))).isCloseTo(5.0, within(1e-3));
        assertThat(predict.err()).contains("warning: " + data + ":5: feature index 2 exceeds model.features = 1");
        JsonNode eval = new ObjectMapper()
                .readTree(CliRun.of(
                                "evaluate", "--model", model, "--data", data.toString(), "--on-error", "skip", "--json")
                        .out());
        assertThat(eval.get("rmse").asDouble()).isLessThan(1e-3);
        assertThat(eval.get("skipped_lines").asLong()).isEqualTo(1);
    }

    @Test
    void train_divergingRate_withTheDivergencePolicy_reportsRollbacks_andSavesWithoutTheLastGoodCopy()
            throws IOException {
        StringBuilder data = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < 400; i++) {
            float x = (float) (2 * r.nextDouble() - 1);
            data.append(2 * x + 1).append(" 1:").append(x).append('\n');
        }
        Path svm = file("line.svm", data.toString());
        Path config = file("line.yaml", """
                model: {type: linear, features: 1}
                loss: mse
                optimizer: {type: sgd, learning_rate: 10.0}
                batch_size: 4
                divergence: {max_bad_batches: 3, lr_backoff: 0.5}
                """);
        String model = dir.resolve("line.sgm").toString();

        String out = train(config.toString(), svm.toString(), 6, model);

        assertThat(out)
                .contains("pass 1/6: ", " rollbacks=", " lr_scale=")
                .containsPattern(
                        "batches rejected \\(first: [^)]*\\), 4 rollbacks \\(learning-rate scale now 0.0625\\)");
        Snapshot saved = SnapshotFile.read(Path.of(model));
        assertThat(saved.state().hasLastGood()).isFalse();
        assertThat(saved.state().lrScale()).isEqualTo(0.0625);
        assertThat(saved.state().rollbacks()).isEqualTo(4);
        assertThat(saved.state().params()[0]).isCloseTo(2f, within(1e-3f));

        String resumed = dir.resolve("line2.sgm").toString();
        String again = train(config.toString(), svm.toString(), 1, resumed, "--resume", model);
        assertThat(again).contains("0 batches rejected");
        assertThat(SnapshotFile.read(Path.of(resumed)).state().lrScale()).isEqualTo(0.0625);
    }
}

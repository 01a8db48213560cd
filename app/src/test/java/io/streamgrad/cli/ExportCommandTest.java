package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.data.DataReaders;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.data.ReadOptions;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import io.streamgrad.learner.io.onnx.OnnxExporter;
import io.streamgrad.learner.io.onnx.OnnxRuntimeRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code streamgrad export} end to end: {@code train --save} a snapshot file, export it, run the ONNX file in ONNX
 * Runtime on the rows of a data file, and compare with what {@code streamgrad predict} prints for that file.
 */
class ExportCommandTest {
    private static final String SEGMENT_TRAIN = CliRun.resource("/data/segment-train.svm");
    private static final String SEGMENT_TEST = CliRun.resource("/data/segment-test.svm");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"/cli/segment-mlp.yaml", "/cli/segment-softmax.yaml"})
    void export_snapshotFile_givesOnnxRuntimeThePredictionsThatPredictPrints(String config) throws Exception {
        Path snapshot = dir.resolve("model.sgm");
        CliRun trained = CliRun.of(
                "train",
                "--config",
                CliRun.resource(config),
                "--data",
                SEGMENT_TRAIN,
                "--passes",
                "1",
                "--save",
                snapshot.toString());
        assertThat(trained.status()).as(trained.err()).isZero();
        Path onnx = dir.resolve("out/model.onnx");

        MainTest.Result exported = MainTest.run("export", "--model", snapshot.toString(), "--out", onnx.toString());

        assertThat(exported.status()).as(exported.err()).isZero();
        assertThat(exported.out())
                .contains("exported ")
                .contains("to " + onnx)
                .contains("input 'features' [N, 19], output 'prediction' [N, 7]");
        CliRun predicted = CliRun.of("predict", "--model", snapshot.toString(), "--data", SEGMENT_TEST);
        assertThat(predicted.status()).as(predicted.err()).isZero();
        List<String> lines = predicted.outLines();
        Snapshot s = SnapshotFile.read(snapshot);
        Dataset test = DataReaders.read(Path.of(SEGMENT_TEST), s.config(), ReadOptions.defaults());
        Batch all = test.batch(0, test.size());
        float[] expected = new float[lines.size() * 7];
        for (int i = 0; i < lines.size(); i++) {
            String[] p = lines.get(i).split(" ");
            for (int c = 0; c < 7; c++) {
                expected[i * 7 + c] = Float.parseFloat(p[c]);
            }
        }

        OnnxRuntimeRun.Outputs ort =
                OnnxRuntimeRun.run(Files.readAllBytes(onnx), all.toDenseArray(), all.size(), test.dim());

        assertThat(all.size()).isEqualTo(lines.size()).isGreaterThan(100);
        assertThat(OnnxRuntimeRun.maxRelativeError(ort.get(OnnxExporter.OUTPUT), expected))
                .as("ONNX Runtime vs `streamgrad predict`, %s", config)
                .isLessThanOrEqualTo(1e-5);
        assertThat(ort.meta()).containsEntry("streamgrad.model_id", s.modelId());
    }

    @Test
    void export_unknownFormat_isABadCommandLine_listingTheFormats() throws Exception {
        MainTest.Result r = MainTest.run("export", "--model", "m.sgm", "--out", "m.onnx", "--format", "pmml");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--format: 'pmml' is not one of onnx").contains("usage: streamgrad export");
    }

    @Test
    void export_missingOutOrModel_namesTheFlag() {
        MainTest.Result noOut = MainTest.run("export", "--model", "m.sgm");
        assertThat(noOut.status()).isEqualTo(2);
        assertThat(noOut.err()).contains("--out is required");

        MainTest.Result noFile = MainTest.run(
                "export",
                "--model",
                dir.resolve("absent.sgm").toString(),
                "--out",
                dir.resolve("m.onnx").toString());
        assertThat(noFile.status()).isEqualTo(1);
        assertThat(noFile.err())
                .contains("--model " + dir.resolve("absent.sgm") + ": no such file")
                .contains("train --save");
    }

    @Test
    void export_notASnapshot_saysWhatTheFileIs() throws Exception {
        Path bogus = dir.resolve("model.onnx");
        Files.write(bogus, new byte[] {8, 7, 18, 10});

        MainTest.Result r = MainTest.run(
                "export",
                "--model",
                bogus.toString(),
                "--out",
                dir.resolve("x.onnx").toString());

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err())
                .contains("--model: ")
                .contains("not a streamgrad snapshot")
                .contains("train --save");
    }

    @Test
    void export_unwritableOut_namesTheFlagAndTheFix() throws Exception {
        Path snapshot = trainedIris();
        Path aFile = dir.resolve("not-a-dir");
        Files.writeString(aFile, "x");

        MainTest.Result under = MainTest.run(
                "export",
                "--model",
                snapshot.toString(),
                "--out",
                aFile.resolve("m.onnx").toString());
        assertThat(under.status()).isEqualTo(1);
        assertThat(under.err()).contains("--out " + aFile.resolve("m.onnx")).contains("choose a writable path");

        MainTest.Result ontoDir = MainTest.run("export", "--model", snapshot.toString(), "--out", dir.toString());
        assertThat(ontoDir.status()).isEqualTo(1);
        assertThat(ontoDir.err()).contains("--out " + dir + " is a directory").contains(".onnx");
        assertThat(Files.list(dir).filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
    }

    @Test
    void misspelledCommandOrOption_suggestsExport() {
        MainTest.Result cmd = MainTest.run("exprot", "--model", "m.sgm");
        assertThat(cmd.status()).isEqualTo(2);
        assertThat(cmd.err()).contains("unknown command 'exprot'; did you mean 'export'?");

        MainTest.Result opt = MainTest.run("export", "--model", "m.sgm", "--otu", "m.onnx");
        assertThat(opt.status()).isEqualTo(2);
        assertThat(opt.err()).contains("unknown option --otu; did you mean --out?");

        MainTest.Result help = MainTest.run("--help");
        assertThat(help.out()).contains("export    --model SNAPSHOT --out model.onnx");
    }

    @Test
    void modelsFormat_withoutSave_orUnknown_isABadCommandLine() {
        MainTest.Result noSave =
                MainTest.run("models", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--format", "onnx");
        assertThat(noSave.status()).isEqualTo(2);
        assertThat(noSave.err()).contains("--format applies to --save");

        MainTest.Result unknown = MainTest.run(
                "models",
                "--bootstrap-servers",
                "127.0.0.1:9",
                "--topic",
                "t",
                "--model",
                "m",
                "--save",
                "m.x",
                "--format",
                "json");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("--format: 'json' is not one of sgm | onnx");
    }

    private Path trainedIris() {
        Path snapshot = dir.resolve("iris.sgm");
        CliRun r = CliRun.of(
                "train",
                "--config",
                CliRun.resource("/cli/iris-softmax.yaml"),
                "--data",
                CliRun.resource("/data/iris.csv"),
                "--save",
                snapshot.toString());
        assertThat(r.status()).as(r.err()).isZero();
        return snapshot;
    }
}

package io.streamgrad.cli;

import io.streamgrad.learner.io.FormatException;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import io.streamgrad.learner.io.onnx.OnnxExporter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code streamgrad export}: a snapshot file ({@code train --save}, {@code models --save}) as an ONNX model that any
 * ONNX runtime serves with the predictions of {@code streamgrad predict} (docs/ONNX.md). The exporter is the
 * learner's {@link OnnxExporter}; {@code models --save FILE --format onnx} uses the same one.
 */
final class ExportCommand {
    /** The formats {@code export} and {@code models --save} write besides the snapshot file. */
    static final String[] FORMATS = {"onnx"};

    static final String USAGE = """
            usage: streamgrad export --model SNAPSHOT --out FILE [--format onnx]
              Writes the model of a snapshot file (from `train --save` or `models --save`) as ONNX (opset 13):
              input 'features' float32 [N, features] (dense rows; hashed/named features: the hashed vector),
              outputs 'prediction' (what `predict` prints: value, P(class 1) or class probabilities) and 'raw'
              (before the link), both float32 [N, outputs]. Every model type exports. See docs/ONNX.md.
              --format onnx   the only export format (default onnx)""";

    private ExportCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(argv, Set.of("model", "out", "format"), Set.of());
        Path model = Path.of(args.required("model"));
        Path target = Path.of(args.required("out"));
        args.oneOf("format", "onnx", FORMATS);
        Snapshot snapshot = readSnapshot(model);
        writeOnnx(snapshot, target, "--out");
        out.println("exported " + describe(snapshot) + " to " + target + " (" + Files.size(target) + " bytes, ONNX "
                + "opset " + OnnxExporter.OPSET + "; input '" + OnnxExporter.INPUT + "' [N, "
                + snapshot.config().model().features() + "], output '" + OnnxExporter.OUTPUT + "' [N, "
                + snapshot.config().model().outputs() + "])");
        return 0;
    }

    static String describe(Snapshot s) {
        return s.config().model().type().yamlName() + " model '" + s.modelId() + "' version " + s.version() + " (step "
                + s.state().step() + ")";
    }

    private static Snapshot readSnapshot(Path file) throws IOException {
        try {
            return SnapshotFile.read(file);
        } catch (NoSuchFileException e) {
            throw new IOException("--model " + file + ": no such file; give a snapshot file written by `streamgrad "
                    + "train --save` or `streamgrad models --save`");
        } catch (FormatException e) {
            throw new IOException(
                    "--model: " + e.getMessage() + "; give a snapshot file written by `streamgrad "
                            + "train --save` or `streamgrad models --save`",
                    e);
        }
    }

    /** Writes the ONNX file; an unwritable target names {@code flag} and says what to do. */
    static void writeOnnx(Snapshot snapshot, Path target, String flag) throws IOException {
        if (Files.isDirectory(target)) {
            throw new IOException(flag + " " + target + " is a directory; give a file name, e.g. "
                    + target.resolve(snapshot.modelId() + ".onnx"));
        }
        try {
            OnnxExporter.write(snapshot, target);
        } catch (AccessDeniedException e) {
            throw new IOException(
                    flag + " " + target + ": cannot write there (permission denied on " + e.getFile()
                            + "); choose a writable path",
                    e);
        } catch (FileSystemException e) {
            throw new IOException(
                    flag + " " + target + ": cannot write there (" + e.getMessage() + "); choose a " + "writable path",
                    e);
        }
    }
}

package io.streamgrad.learner.io.onnx;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.model.Models;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The committed ONNX fixtures: the exporter's output for fixed snapshots (parameters from a formula, not from
 * training, so that only a change of the exporter changes the bytes). {@link OnnxFixtureTest} checks that the
 * exporter still writes them byte for byte and that ONNX Runtime still runs them. Run {@link #main} after an
 * intended change of the graph (and say so in docs/ONNX.md); it writes files that do not exist yet.
 *
 * <pre>Fixtures: OnnxFixtures.main(new String[]{"learner/src/test/resources/fixtures/onnx"})</pre>
 */
public final class OnnxFixtures {
    /** File name to config: an mlp with every kind of layer and the softmax link, an fm with the sigmoid link. */
    static final Map<String, String> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put(
                "mlp-tanh-softmax-opset13.onnx",
                "model: {type: mlp, features: 5, hidden: [4, 3], activation: tanh, classes: 3}\n"
                        + "loss: categorical_cross_entropy\noptimizer: {type: sgd}\n");
        CONFIGS.put(
                "fm-binary-opset13.onnx",
                "model: {type: fm, features: 5, factors: 2}\nloss: binary_cross_entropy\noptimizer: {type: sgd}\n");
    }

    private OnnxFixtures() {}

    /** The fixed snapshot of {@code yaml}: parameter i is {@code 0.5 sin(0.7 i + 0.3)}. */
    static Snapshot snapshot(String yaml) {
        TrainerConfig config = ConfigParser.parse(yaml);
        float[] params = new float[Models.create(config.model()).numParams()];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) (0.5 * Math.sin(0.7 * i + 0.3));
        }
        ModelState state = new ModelState(params, new float[0], 42, 1, 4200, 0);
        return new Snapshot("fixture", 3, 1_700_000_000_000L, config, state, Map.of(), Map.of());
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "learner/src/test/resources/fixtures/onnx");
        Files.createDirectories(dir);
        for (Map.Entry<String, String> e : CONFIGS.entrySet()) {
            Path file = dir.resolve(e.getKey());
            if (!Files.exists(file)) {
                Files.write(file, OnnxExporter.export(snapshot(e.getValue())));
                System.out.println("wrote " + file);
            }
        }
    }
}

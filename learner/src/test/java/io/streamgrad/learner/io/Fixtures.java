package io.streamgrad.learner.io;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The committed format fixtures and the values they hold. Run {@link #main} when a new format version is added: it
 * writes the files of the current versions that do not exist yet and never rewrites an existing one (version-1
 * files were written by a build whose encoder wrote version 1), so that a change that breaks reading old files
 * fails {@link FormatFixtureTest}.
 *
 * <pre>mvn -pl learner test-compile exec:java ... or from an IDE: Fixtures.main(new String[]{"learner/src/test/resources/fixtures"})</pre>
 */
public final class Fixtures {
    static final String STATE_V1 = "/fixtures/model-state-v1.bin";
    static final String SNAPSHOT_V1 = "/fixtures/snapshot-v1.sgm";
    static final String STATE_V2 = "/fixtures/model-state-v2.bin";
    /** Snapshot format 1 holding a version-2 model state (the snapshot format did not change). */
    static final String SNAPSHOT_V1_STATE_V2 = "/fixtures/snapshot-v1-state-v2.sgm";

    /** Values chosen to exercise the encoding: signed zeros, subnormals, extremes, infinities, a NaN payload. */
    static final float[] PARAMS = {
        0f,
        -0f,
        1f,
        -1.5f,
        Float.MIN_VALUE,
        -Float.MIN_NORMAL,
        Float.MAX_VALUE,
        Float.NEGATIVE_INFINITY,
        Float.POSITIVE_INFINITY,
        Float.intBitsToFloat(0x7fc00123),
        0.1f,
        3.4028235e38f
    };

    static final float[] OPTIMIZER = {0.5f, 0.25f, -0.125f};
    static final long STEP = 123_456_789_012L;
    static final long RNG = 0x9E3779B97F4A7C15L;
    static final long SEEN = 987_654_321L;
    static final long SKIPPED = 3;

    // version 2: the divergence guard
    static final double LR_SCALE = 0.125;
    static final int BAD_STREAK = 2;
    static final long ROLLBACKS = 3;
    static final long GOOD_STEP = 123_456_000_000L;
    static final float[] GOOD_PARAMS = {
        1f,
        -0f,
        2.5f,
        -Float.MIN_VALUE,
        Float.MIN_NORMAL,
        -Float.MAX_VALUE,
        0.2f,
        -3f,
        1e-30f,
        Float.intBitsToFloat(0x7fc00456),
        7f,
        -7f
    };
    static final float[] GOOD_OPTIMIZER = {0.75f, -0.5f, 1e20f};

    static final String CONFIG_YAML = """
            model: {type: logistic, features: 11}
            loss: binary_cross_entropy
            optimizer: {type: adam, learning_rate: 0.05}
            schedule: {type: cosine, decay_steps: 1000, min_learning_rate: 0.001}
            regularization: {l2: 0.0001}
            batch_size: 16
            shuffle: true
            seed: 7
            """;
    static final String MODEL_ID = "ctr-model";
    static final long VERSION = 42;
    static final long CREATED_AT = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private Fixtures() {}

    static ModelState state() {
        return new ModelState(PARAMS.clone(), OPTIMIZER.clone(), STEP, RNG, SEEN, SKIPPED);
    }

    static TrainerConfig config() {
        return ConfigParser.parse(CONFIG_YAML);
    }

    /** A version-2 state: every guard field away from its default, with a last-good copy. */
    static ModelState stateV2() {
        return new ModelState(
                PARAMS.clone(),
                OPTIMIZER.clone(),
                STEP,
                RNG,
                SEEN,
                SKIPPED,
                LR_SCALE,
                BAD_STREAK,
                ROLLBACKS,
                GOOD_PARAMS.clone(),
                GOOD_OPTIMIZER.clone(),
                GOOD_STEP);
    }

    static final String CONFIG_YAML_V2 =
            CONFIG_YAML + "divergence: {max_bad_batches: 4, lr_backoff: 0.25, " + "min_lr_scale: 0.01}\n";

    static TrainerConfig configV2() {
        return ConfigParser.parse(CONFIG_YAML_V2);
    }

    static Snapshot snapshotV2() {
        return new Snapshot(MODEL_ID, VERSION, CREATED_AT, configV2(), stateV2(), metrics(), offsets());
    }

    static Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("examples", 1000.0);
        m.put("loss", 0.6931471805599453);
        m.put("auc", 0.75);
        return m;
    }

    static Map<String, Long> offsets() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("examples-0", 500L);
        m.put("examples-1", 512L);
        return m;
    }

    static Snapshot snapshot() {
        return new Snapshot(MODEL_ID, VERSION, CREATED_AT, config(), state(), metrics(), offsets());
    }

    /**
     * Writes the fixtures of the current format versions into the directory given as the first argument
     * ({@code learner/src/test/resources/fixtures} by default), skipping files that exist.
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "learner/src/test/resources/fixtures");
        Files.createDirectories(dir);
        writeNew(
                dir.resolve("model-state-v" + ModelStateCodec.CURRENT_VERSION + ".bin"),
                ModelStateCodec.encode(stateV2()));
        writeNew(
                dir.resolve("snapshot-v" + SnapshotFile.CURRENT_VERSION + "-state-v" + ModelStateCodec.CURRENT_VERSION
                        + ".sgm"),
                SnapshotFile.encode(snapshotV2()));
    }

    private static void writeNew(Path file, byte[] bytes) throws IOException {
        if (Files.exists(file)) {
            System.out.println("kept " + file.toAbsolutePath() + " (fixtures are never rewritten)");
            return;
        }
        Files.write(file, bytes);
        System.out.println("wrote " + file.toAbsolutePath());
    }
}

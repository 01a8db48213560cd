package io.streamgrad.job.config;

/** Every default of the job configuration, in one place (the parser and the docs read them from here). */
public final class JobDefaults {
    public static final String TOPIC_EXAMPLES = "examples";
    public static final String TOPIC_MODELS = "models";
    public static final String TOPIC_METRICS = "metrics";
    public static final String TOPIC_DEAD_LETTERS = "dead_letters";
    public static final String GROUP_ID = "streamgrad";
    public static final String START = "committed";
    public static final boolean BOUNDED = false;
    public static final long CHECKPOINT_INTERVAL_MS = 2000;
    public static final String STATE_BACKEND = "hashmap";
    public static final int RESTART_ATTEMPTS = 3;
    public static final long RESTART_DELAY_MS = 1000;
    public static final long SNAPSHOT_EVERY_STEPS = 100;
    public static final long SNAPSHOT_EVERY_SECONDS = 60;
    public static final int METRICS_EVERY_BATCHES = 10;
    public static final long BATCH_TIMEOUT_MS = 1000;
    public static final String UNKNOWN_MODELS = "dead_letter";
    public static final int MAX_RECORD_BYTES = 1 << 20;
    public static final int MAX_EXAMPLES_PER_RECORD = 65_536;
    public static final int MAX_NON_ZEROS_PER_EXAMPLE = 1 << 20;
    /**
     * Largest magnitude of a feature value, regression label or weight: squares and batch sums of values up to
     * 1e9 stay far below float's 3.4e38, and inputs beyond it are almost always unscaled or corrupt.
     */
    public static final double MAX_ABS_VALUE = 1.0e9;
    /** Half of Kafka's default max.message.bytes (1 MiB), leaving room for the reason and the coordinates. */
    public static final int MAX_DEAD_LETTER_BYTES = 512 * 1024;
    /** Below the broker's default transaction.max.timeout.ms (15 min), above any sane checkpoint period. */
    public static final long TRANSACTION_TIMEOUT_MS = 60_000;
    public static final int PARALLELISM = 1;

    private JobDefaults() {
    }
}

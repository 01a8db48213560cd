package io.streamgrad.job.config;

/** The defaults of the job configuration, as named constants; each is declared once, in {@link JobOptions}. */
public final class JobDefaults {
    public static final String TOPIC_EXAMPLES = JobOptions.TOPIC_EXAMPLES.defaultValue();
    public static final String TOPIC_MODELS = JobOptions.TOPIC_MODELS.defaultValue();
    public static final String TOPIC_METRICS = JobOptions.TOPIC_METRICS.defaultValue();
    public static final String TOPIC_DEAD_LETTERS = JobOptions.TOPIC_DEAD_LETTERS.defaultValue();
    /** {@link JobOptions#TOPIC_UPDATES}. */
    public static final String TOPIC_UPDATES = JobOptions.TOPIC_UPDATES.defaultValue();

    public static final String GROUP_ID = JobOptions.GROUP_ID.defaultValue();
    public static final String START = JobOptions.START.defaultValue();
    public static final boolean BOUNDED = JobOptions.BOUNDED.defaultValue();
    public static final long CHECKPOINT_INTERVAL_MS = JobOptions.CHECKPOINT_INTERVAL_MS.defaultValue();
    public static final String STATE_BACKEND = JobOptions.STATE_BACKEND.defaultValue();
    public static final int RESTART_ATTEMPTS = JobOptions.RESTART_ATTEMPTS.defaultValue();
    public static final long RESTART_DELAY_MS = JobOptions.RESTART_DELAY_MS.defaultValue();
    public static final long SNAPSHOT_EVERY_STEPS = JobOptions.SNAPSHOT_EVERY_STEPS.defaultValue();
    public static final long SNAPSHOT_EVERY_SECONDS = JobOptions.SNAPSHOT_EVERY_SECONDS.defaultValue();
    public static final int METRICS_EVERY_BATCHES = JobOptions.METRICS_EVERY_BATCHES.defaultValue();
    public static final long BATCH_TIMEOUT_MS = JobOptions.BATCH_TIMEOUT_MS.defaultValue();
    public static final String UNKNOWN_MODELS = JobOptions.UNKNOWN_MODELS.defaultValue();
    public static final int MAX_RECORD_BYTES = JobOptions.MAX_RECORD_BYTES.defaultValue();
    public static final int MAX_EXAMPLES_PER_RECORD = JobOptions.MAX_EXAMPLES_PER_RECORD.defaultValue();
    public static final int MAX_NON_ZEROS_PER_EXAMPLE = JobOptions.MAX_NON_ZEROS_PER_EXAMPLE.defaultValue();
    /** {@link JobOptions#MAX_ABS_VALUE}. */
    public static final double MAX_ABS_VALUE = JobOptions.MAX_ABS_VALUE.defaultValue();
    /** {@link JobOptions#MAX_DEAD_LETTER_BYTES}. */
    public static final int MAX_DEAD_LETTER_BYTES = JobOptions.MAX_DEAD_LETTER_BYTES.defaultValue();
    /** {@link JobOptions#TRANSACTION_TIMEOUT_MS}. */
    public static final long TRANSACTION_TIMEOUT_MS = JobOptions.TRANSACTION_TIMEOUT_MS.defaultValue();

    /** {@link JobOptions#EXISTING_VERSIONS}. */
    public static final String EXISTING_VERSIONS = JobOptions.EXISTING_VERSIONS.defaultValue();

    public static final int PARALLELISM = JobOptions.PARALLELISM.defaultValue();

    private JobDefaults() {}
}

package io.streamgrad.job.config;

import io.streamgrad.job.recs.RecsModels;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The streaming job's whole configuration (the {@code job.yaml} of {@code ./streamgrad run}); immutable, built and
 * validated by {@link JobConfigParser}, which documents every key. Defaults live in {@link JobDefaults}.
 *
 * @param kafka                 Kafka client properties passed unchanged to the source, the sinks and the admin
 *                              client (security settings included); {@code bootstrap.servers} is required.
 *                              Credentials among them are never printed: {@link #toString()} and
 *                              {@link #redactedKafka()} replace them (see {@link #isSecretKafkaProperty})
 * @param topics                the four topics
 * @param groupId               consumer group of the source (its committed offsets are written on checkpoints)
 * @param start                 where a job without a checkpoint starts reading
 * @param bounded               stop at the offsets that are the latest when the job starts (backfills, tests, the demo);
 *                              a final snapshot of every model is then published
 * @param checkpointIntervalMs  checkpoint period; exactly-once outputs are committed on each checkpoint
 * @param checkpointTimeoutMs   a checkpoint that takes longer fails (and the job restores from the previous one); kept
 *                              short enough that no transaction outlives {@code transactionTimeoutMs}, see
 *                              {@link JobConfigParser#longestCheckpointTimeoutMs}
 * @param checkpointDir         checkpoint storage URI (file:///...), or null for the JobManager's memory
 * @param jobName               this job's directory under {@code checkpointDir} (its checkpoints, savepoints and
 *                              the runs a restart resumes from); {@code groupId} with other characters as '_' unless set
 * @param checkpointRetainedRuns runs ({@code <job id>} directories) kept under the job's checkpoint directory
 * @param stateBackend          hashmap or rocksdb
 * @param restartAttempts       fixed-delay restart strategy: attempts ...
 * @param restartDelayMs        ... and the delay between them
 * @param snapshotEverySteps    publish a snapshot after this many updates since the last (0: not by steps)
 * @param snapshotEverySeconds  ... or when this much processing time has passed since the last (0: not by time)
 * @param metricsEveryBatches   publish a TrainingMetrics window every this many batches
 * @param batchTimeoutMs        flush a partial mini-batch this long after its first example (0: never)
 * @param unknownModels         what a record for a model not under {@code models:} does
 * @param limits                size limits on input records
 * @param transactionTimeoutMs  the Kafka producers' {@code transaction.timeout.ms} (at most the broker's
 *                              {@code transaction.max.timeout.ms}, 15 min by default)
 * @param transactionalIdPrefix prefix of the sinks' transactional ids; unique per job on a cluster
 * @param parallelism           operator parallelism
 * @param models                the models, each with its own training configuration
 * @param snapshotFirstAfterMs  with {@code snapshotEverySeconds > 0}: a model's first version comes this long after its
 *                              first batch instead of a full period (0: a full period)
 * @param existingVersions      what a model without state in the job does when the models topic already holds
 *                              versions of it (see {@code io.streamgrad.job.warmstart.WarmStart})
 * @param deltas                delta versions on the updates topic ({@code deltas:}), {@link Deltas#OFF} by default
 * @param ops                   the series path: ops models ({@code model: {type: forecast}}), their topics, idle expiry
 * @param recs                  the recommendation (mf) models, their interactions topic and {@code recs.*};
 *                              {@link RecsModels#NONE} without mf models
 */
public record JobConfig(
        Map<String, String> kafka,
        Topics topics,
        String groupId,
        StartFrom start,
        boolean bounded,
        long checkpointIntervalMs,
        long checkpointTimeoutMs,
        String checkpointDir,
        String jobName,
        int checkpointRetainedRuns,
        StateBackendKind stateBackend,
        int restartAttempts,
        long restartDelayMs,
        long snapshotEverySteps,
        long snapshotEverySeconds,
        int metricsEveryBatches,
        long batchTimeoutMs,
        UnknownModels unknownModels,
        Limits limits,
        long transactionTimeoutMs,
        String transactionalIdPrefix,
        int parallelism,
        ModelCatalog models,
        ExistingVersions existingVersions,
        Deltas deltas,
        long snapshotFirstAfterMs,
        io.streamgrad.job.ops.OpsJob ops,
        RecsModels recs) {

    public JobConfig {
        kafka = Map.copyOf(kafka);
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(existingVersions, "existingVersions");
        Objects.requireNonNull(deltas, "deltas");
        Objects.requireNonNull(ops, "ops");
        Objects.requireNonNull(recs, "recs");
        if (deltas.enabled() && topics.updates() == null) {
            throw new IllegalArgumentException("deltas are enabled but topics.updates is not set");
        }
    }

    /** The text that stands in for a secret wherever the configuration is printed or logged. */
    public static final String REDACTED = "[redacted]";

    /**
     * Whether a Kafka client property holds a credential: {@code sasl.jaas.config} (with any listener prefix),
     * anything with {@code password}, {@code secret} or {@code credentials} in its name, {@code ssl.keystore.key}
     * (a PEM private key) and {@code basic.auth.user.info}. Such values are passed to the clients unchanged but
     * never printed.
     */
    public static boolean isSecretKafkaProperty(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.endsWith("sasl.jaas.config")
                || k.contains("password")
                || k.contains("secret")
                || k.contains("credentials")
                || k.endsWith("ssl.keystore.key")
                || k.endsWith("basic.auth.user.info");
    }

    /** The Kafka client properties with every credential replaced by {@link #REDACTED}, in key order. */
    public Map<String, String> redactedKafka() {
        Map<String, String> out = new java.util.TreeMap<>();
        kafka.forEach((k, v) -> out.put(k, isSecretKafkaProperty(k) ? REDACTED : v));
        return out;
    }

    /** Every setting, with the Kafka credentials redacted (this is what logs and messages show). */
    @Override
    public String toString() {
        return "JobConfig[kafka=" + redactedKafka() + ", topics=" + topics + ", groupId=" + groupId + ", start=" + start
                + ", bounded=" + bounded + ", checkpointIntervalMs=" + checkpointIntervalMs + ", checkpointTimeoutMs="
                + checkpointTimeoutMs + ", checkpointDir=" + checkpointDir + ", jobName=" + jobName
                + ", checkpointRetainedRuns=" + checkpointRetainedRuns + ", stateBackend=" + stateBackend
                + ", restartAttempts=" + restartAttempts
                + ", restartDelayMs=" + restartDelayMs + ", snapshotEverySteps=" + snapshotEverySteps
                + ", snapshotEverySeconds=" + snapshotEverySeconds + ", metricsEveryBatches=" + metricsEveryBatches
                + ", batchTimeoutMs=" + batchTimeoutMs + ", unknownModels=" + unknownModels + ", limits=" + limits
                + ", transactionTimeoutMs=" + transactionTimeoutMs + ", transactionalIdPrefix=" + transactionalIdPrefix
                + ", parallelism=" + parallelism + ", models=" + models.modelIds() + ", existingVersions="
                + existingVersions + ", deltas=" + deltas + ", snapshotFirstAfterMs=" + snapshotFirstAfterMs + ", ops="
                + ops + ", recs=" + recs.modelIds() + "]";
    }

    /** The Kafka client properties, as a fresh {@link Properties}. */
    public Properties kafkaProperties() {
        Properties p = new Properties();
        p.putAll(kafka);
        return p;
    }

    public String bootstrapServers() {
        return kafka.get("bootstrap.servers");
    }

    /**
     * The job's topics and the encoding of its outputs ({@code output_format}), which decides the JSON topics: with
     * {@link OutputFormat#JSON} the metrics and dead letters are JSON on their own topics; with
     * {@link OutputFormat#BOTH} they are Avro there and JSON on {@code <topic>.json}; snapshot metadata is JSON on
     * {@code <models>.json} with either (the models topic itself is always Avro).
     *
     * @param updates the updates topic (model deltas), null when {@code deltas.enabled} is false: the job then neither
     *                writes nor needs it
     */
    public record Topics(
            String examples, String models, String metrics, String deadLetters, String updates, OutputFormat format)
            implements java.io.Serializable {
        public Topics {
            Objects.requireNonNull(format, "format");
        }

        /** The four topics of a job without deltas, Avro outputs only (output_format: avro). */
        public Topics(String examples, String models, String metrics, String deadLetters) {
            this(examples, models, metrics, deadLetters, null, OutputFormat.AVRO);
        }

        /** Where the JSON metrics go, or null without JSON outputs. */
        public String metricsJson() {
            return json(metrics);
        }

        /** Where the JSON dead letters go, or null without JSON outputs. */
        public String deadLettersJson() {
            return json(deadLetters);
        }

        /** Where the JSON snapshot metadata goes, or null without JSON outputs. */
        public String modelsJson() {
            return format == OutputFormat.AVRO ? null : models + JSON_SUFFIX;
        }

        /** Whether the metrics and dead-letter topics hold Avro records (false: JSON). */
        public boolean avroOutputs() {
            return format != OutputFormat.JSON;
        }

        /** The topics the job writes JSON to but are not one of the four, in a fixed order (none for avro). */
        public java.util.List<String> jsonSiblings() {
            java.util.List<String> out = new java.util.ArrayList<>();
            if (format == OutputFormat.BOTH) {
                out.add(metricsJson());
                out.add(deadLettersJson());
            }
            if (format != OutputFormat.AVRO) {
                out.add(modelsJson());
            }
            return out;
        }

        private String json(String topic) {
            return switch (format) {
                case AVRO -> null;
                case JSON -> topic;
                case BOTH -> topic + JSON_SUFFIX;
            };
        }
    }

    /** Appended to a topic's name for its JSON sibling. */
    public static final String JSON_SUFFIX = ".json";

    /** output_format: how the metrics, dead letters and snapshot metadata are encoded. */
    public enum OutputFormat {
        AVRO,
        JSON,
        BOTH
    }

    /**
     * {@code deltas:}: when a version of a delta-eligible model (lazy sparse updates of a linear, logistic, softmax or
     * fm model) is published as a delta on the updates topic instead of a full snapshot on the models topic.
     *
     * @param enabled            deltas at all
     * @param fullEveryVersions  a full version after this many versions since the last full one (0: not by versions)
     * @param fullEverySeconds   a full version at most this long after the last full one (> 0)
     * @param fullCopies         verification: every delta version's full snapshot goes to the models topic as well
     */
    public record Deltas(boolean enabled, long fullEveryVersions, long fullEverySeconds, boolean fullCopies)
            implements java.io.Serializable {
        /** No deltas: every version is a full snapshot on the models topic. */
        public static final Deltas OFF = new Deltas(
                false,
                JobOptions.DELTAS_FULL_EVERY_VERSIONS.defaultValue(),
                JobOptions.DELTAS_FULL_EVERY_SECONDS.defaultValue(),
                false);

        public Deltas {
            if (fullEveryVersions < 0 || fullEverySeconds <= 0) {
                throw new IllegalArgumentException("deltas.full_every_versions must be >= 0 and"
                        + " deltas.full_every_seconds > 0, got " + fullEveryVersions + " and " + fullEverySeconds);
            }
        }

        /**
         * The shortest {@code retention.ms} of the updates topic that keeps every delta a reader needs: those after
         * the newest full version, which is at most {@code fullEverySeconds} old (plus a checkpoint interval before it
         * is visible); twice that leaves room for segment rolling and slow commits.
         */
        public long minRetentionMs() {
            return 2 * fullEverySeconds * 1000;
        }
    }

    /**
     * Input limits (records beyond them go to the dead letters).
     *
     * @param maxRecordBytes        a Kafka record value larger than this is rejected undecoded
     * @param maxExamplesPerRecord  a MiniBatch record with more examples is rejected
     * @param maxNonZerosPerExample an example with more sparse + named entries is rejected
     * @param maxAbsValue           an example with a feature value, regression label or weight larger than this in
     *                              magnitude is rejected (finite but huge values overflow float arithmetic or
     *                              wreck the model in one step)
     * @param maxDeadLetterBytes    a rejected record's key and value are copied into its dead letter only when
     *                              together they are at most this large (the dead letter must fit the topic's
     *                              {@code max.message.bytes}); larger ones are left out and the reason says so
     */
    public record Limits(
            int maxRecordBytes,
            int maxExamplesPerRecord,
            int maxNonZerosPerExample,
            double maxAbsValue,
            int maxDeadLetterBytes)
            implements java.io.Serializable {
        public Limits {
            if (!(maxAbsValue > 0) || Double.isInfinite(maxAbsValue)) {
                throw new IllegalArgumentException("maxAbsValue must be finite and > 0, got " + maxAbsValue);
            }
        }

        /** The first three limits, the others at their defaults. */
        public Limits(int maxRecordBytes, int maxExamplesPerRecord, int maxNonZerosPerExample) {
            this(
                    maxRecordBytes,
                    maxExamplesPerRecord,
                    maxNonZerosPerExample,
                    JobDefaults.MAX_ABS_VALUE,
                    JobDefaults.MAX_DEAD_LETTER_BYTES);
        }
    }

    public enum StartFrom {
        EARLIEST,
        LATEST,
        COMMITTED
    }

    public enum StateBackendKind {
        HASHMAP,
        ROCKSDB
    }

    /** {@code existing_versions}: warm start from the newest committed snapshot, or refuse to start. */
    public enum ExistingVersions {
        WARM_START,
        REFUSE
    }

    public enum UnknownModels {
        DEAD_LETTER,
        TEMPLATE
    }
}

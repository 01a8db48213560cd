package io.streamgrad.job;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.batch.MiniBatcher;
import io.streamgrad.job.checkpoint.CheckpointStore;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.decode.DecodeAndValidate;
import io.streamgrad.job.decode.KafkaEnvelopeDeserializer;
import io.streamgrad.job.ops.OpsGraph;
import io.streamgrad.job.ops.OpsTopics;
import io.streamgrad.job.ops.SeriesRecord;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.BatcherInputTypeInfo;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.recs.InteractionRecord;
import io.streamgrad.job.recs.RecsGraph;
import io.streamgrad.job.recs.RecsTopics;
import io.streamgrad.job.sink.GuardedKafkaSink;
import io.streamgrad.job.sink.RecordSizeLimit;
import io.streamgrad.job.sink.SingleObjectRecordSerializer;
import io.streamgrad.job.sink.SnapshotMetadata;
import io.streamgrad.job.train.ModelTrainer;
import io.streamgrad.job.warmstart.WarmStart;
import io.streamgrad.job.warmstart.WarmStartOffsets;
import io.streamgrad.job.warmstart.WarmStartSet;
import io.streamgrad.job.warmstart.WarmStartSkip;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The streaming trainer: examples from Kafka, decoded and validated (bad ones to the dead letters), batched per
 * model, trained with each model's parameters and optimizer state in keyed state, snapshots and metrics back to
 * Kafka — exactly once end to end (source offsets in checkpoints, transactional sinks committed on checkpoints).
 *
 * <p>Entry point for a Flink cluster ({@code flink run -c io.streamgrad.job.StreamgradJob job.jar --config job.yaml});
 * {@code ./streamgrad run} runs the same graph on a local MiniCluster.
 */
public final class StreamgradJob {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StreamgradJob.class);

    /**
     * The operators a setting can turn off, by uid, with that setting (sinks, and the training-health detectors):
     * a restore into a job without one of them drops its state (a sink's open transactions, the detectors' windows)
     * instead of failing ({@link io.streamgrad.job.checkpoint.ResumeCheck}). Every
     * other operator's state must be claimed.
     */
    public static final Map<String, String> OPTIONAL_OUTPUTS = Map.ofEntries(
            Map.entry("updates-sink", "deltas.enabled"),
            Map.entry("metrics-json-sink", "output_format"),
            Map.entry("dead-letters-json-sink", "output_format"),
            Map.entry("models-json-sink", "output_format"),
            Map.entry("scores-json-sink", "output_format"),
            Map.entry("recs-metrics-json-sink", "output_format"),
            Map.entry("recs-dead-letters-json-sink", "output_format"),
            Map.entry("training-health", "training_health.enabled"),
            Map.entry("training-alerts-sink", "training_health.enabled"));

    private StreamgradJob() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !"--config".equals(args[0])) {
            System.err.println("usage: StreamgradJob --config job.yaml");
            System.exit(2);
        }
        JobConfig config = JobConfigParser.parse(Path.of(args[1]));
        requireTopics(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config));
        // Before the graph is built: the versions already on the models topic (flink run -s PATH restores instead).
        boolean restoring = env.getConfiguration()
                .getOptional(StateRecoveryOptions.SAVEPOINT_PATH)
                .isPresent();
        build(env, config, WarmStart.load(config, restoring));
        try {
            env.execute("streamgrad: " + String.join(", ", config.models().modelIds()));
        } catch (Exception e) {
            throw JobFailures.explained(e, config);
        }
    }

    /**
     * Fails at once, naming them and how to create them, when topics of the job are missing (otherwise the job would
     * fail only after its restart attempts); when Kafka does not answer within 30 s it goes on (the warm start's read
     * of the models topic reports that).
     */
    private static void requireTopics(JobConfig config) throws InterruptedException {
        Properties p = config.kafkaProperties();
        p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        java.util.List<String> missing;
        java.util.List<String> updates = java.util.List.of();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            missing = new java.util.ArrayList<>(JobTopics.missing(admin, config.topics(), Duration.ofSeconds(30)));
            missing.addAll(OpsTopics.missing(admin, config, Duration.ofSeconds(30)));
            if (missing.isEmpty()
                    && RecsTopics.missing(
                            config, admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS))) {
                throw new IllegalStateException(RecsTopics.missingMessage(config));
            }
            if (missing.isEmpty()) {
                updates = JobTopics.checkUpdatesTopic(admin, config, Duration.ofSeconds(30));
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("could not list the topics on {}: {}", config.bootstrapServers(), e.toString());
            return;
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(OpsTopics.missingMessage(config, missing));
        }
        if (!updates.isEmpty()) {
            throw new IllegalStateException(String.join("\n", updates));
        }
    }

    /**
     * The job graph without warm starts: every model without keyed state starts fresh at version 1. Production
     * callers use {@link #build(StreamExecutionEnvironment, JobConfig, WarmStartSet)} with {@link WarmStart#load}.
     */
    public static void build(StreamExecutionEnvironment env, JobConfig cfg) {
        build(env, cfg, WarmStartSet.none(), UnaryOperator.identity());
    }

    /**
     * The job graph, top to bottom; every operator has a stable uid so savepoints map back after code changes.
     *
     * @param warm the models that continue from their newest published snapshot ({@link WarmStart#load})
     */
    public static void build(StreamExecutionEnvironment env, JobConfig cfg, WarmStartSet warm) {
        build(env, cfg, warm, UnaryOperator.identity());
    }

    /** As below, without warm starts (tests). */
    public static void build(
            StreamExecutionEnvironment env, JobConfig cfg, UnaryOperator<DataStream<BatcherInput>> beforeBatching) {
        build(env, cfg, WarmStartSet.none(), beforeBatching);
    }

    /**
     * The job graph with a seam on the validated examples (and producer batches) just before they are batched. Tests put a failure
     * injector there (an operator that throws once at a chosen record); production uses {@link #build(
     * StreamExecutionEnvironment, JobConfig)}. The seam runs once, while the graph is built; an operator it adds
     * needs its own uid (auto-generated uids are off).
     */
    public static void build(
            StreamExecutionEnvironment env,
            JobConfig cfg,
            WarmStartSet warm,
            UnaryOperator<DataStream<BatcherInput>> beforeBatching) {
        build(env, cfg, warm, beforeBatching, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /**
     * As above, with two more seams: on the ops models' series points before they are keyed ({@link OpsGraph}), and
     * on the decoded interactions of the mf models just before their trainer ({@link RecsGraph}, built when the job
     * has mf models).
     */
    public static void build(
            StreamExecutionEnvironment env,
            JobConfig cfg,
            WarmStartSet warm,
            UnaryOperator<DataStream<BatcherInput>> beforeBatching,
            UnaryOperator<DataStream<SeriesRecord>> beforeMonitor,
            UnaryOperator<DataStream<InteractionRecord>> beforeRecsTraining) {
        if (!cfg.recs().isEmpty()) {
            RecsGraph.build(env, cfg, beforeRecsTraining);
        }
        DataStream<SourceRecord> records = env.fromSource(
                        source(cfg, warm),
                        WatermarkStrategy.noWatermarks(),
                        "examples: " + cfg.topics().examples())
                .uid("examples-source");

        SingleOutputStreamOperator<BatcherInput> examples = records.process(
                        new DecodeAndValidate(cfg.models(), cfg.limits()))
                .returns(BatcherInputTypeInfo.INSTANCE) // tagged, bulk array copies across the keyBy
                .uid("decode-validate")
                .name("decode + validate");

        // Records a warm-started model already trained on (the source starts at the smallest snapshot offset).
        SingleOutputStreamOperator<BatcherInput> untrained = beforeBatching
                .apply(examples)
                .filter(new WarmStartSkip(warm.skipOffsets()))
                .uid("warm-start-skip")
                .name("warm-start skip");

        SingleOutputStreamOperator<ExampleBatch> batches = untrained
                .keyBy(BatcherInput::modelId, Types.STRING)
                .process(new MiniBatcher(cfg.models(), cfg.batchTimeoutMs()))
                .uid("mini-batcher")
                .name("mini-batcher");

        // Undecodable or invalid records, and examples of template models not admitted (template_models:).
        JobConfig.Topics topics = cfg.topics();
        SerializableFunction<DeadLetter, byte[]> deadKey = d -> d.getKey() == null ? null : bytes(d.getKey());
        SerializableFunction<DeadLetter, Long> deadTime = d -> d.getFailedAt().toEpochMilli();
        DataStream<DeadLetter> dead = examples.getSideOutput(DecodeAndValidate.DEAD_LETTERS)
                .union(batches.getSideOutput(MiniBatcher.DEAD_LETTERS));
        // Ops models (model: {type: forecast}): the series path, its bad records to the same dead letters.
        DataStream<DeadLetter> seriesDead = OpsGraph.build(env, cfg, beforeMonitor);
        if (seriesDead != null) {
            dead = dead.union(seriesDead);
        }
        // The sink of each of the four topics keeps its uid and transactional id whatever output_format says.
        dead.sinkTo(sink(
                        cfg,
                        topics.deadLetters(),
                        "dead-letters",
                        topics.avroOutputs() ? null : new SingleObjectRecordSerializer.Json<>(),
                        SingleObjectCodec::deadLetter,
                        deadKey,
                        deadTime))
                .uid("dead-letters-sink")
                .name("dead letters: " + topics.deadLetters());
        if (topics.format() == JobConfig.OutputFormat.BOTH) {
            dead.sinkTo(sink(
                            cfg,
                            topics.deadLettersJson(),
                            "dead-letters-json",
                            new SingleObjectRecordSerializer.Json<>(),
                            null,
                            deadKey,
                            deadTime))
                    .uid("dead-letters-json-sink")
                    .name("dead letters (JSON): " + topics.deadLettersJson());
        }

        // The batcher's output is still partitioned by model id: train in the same task, without a shuffle.
        SingleOutputStreamOperator<TrainingMetrics> metrics = DataStreamUtils.reinterpretAsKeyedStream(
                        batches, b -> b.modelId, Types.STRING)
                .process(new ModelTrainer(
                        cfg.models(),
                        cfg.snapshotEverySteps(),
                        cfg.snapshotEverySeconds(),
                        cfg.snapshotFirstAfterMs(),
                        cfg.metricsEveryBatches(),
                        warm,
                        cfg.deltas()))
                .returns(new AvroTypeInfo<>(TrainingMetrics.class))
                .uid("trainer")
                .name("trainer");

        SerializableFunction<TrainingMetrics, byte[]> metricsKey =
                m -> m.getModelId().getBytes(StandardCharsets.UTF_8);
        SerializableFunction<TrainingMetrics, Long> metricsTime =
                m -> m.getCreatedAt().toEpochMilli();
        metrics.sinkTo(sink(
                        cfg,
                        topics.metrics(),
                        "metrics",
                        topics.avroOutputs() ? null : new SingleObjectRecordSerializer.Json<>(),
                        SingleObjectCodec::trainingMetrics,
                        metricsKey,
                        metricsTime))
                .uid("metrics-sink")
                .name("metrics: " + topics.metrics());
        if (topics.format() == JobConfig.OutputFormat.BOTH) {
            metrics.sinkTo(sink(
                            cfg,
                            topics.metricsJson(),
                            "metrics-json",
                            new SingleObjectRecordSerializer.Json<>(),
                            null,
                            metricsKey,
                            metricsTime))
                    .uid("metrics-json-sink")
                    .name("metrics (JSON): " + topics.metricsJson());
        }

        DataStream<ModelSnapshot> snapshots = metrics.getSideOutput(ModelTrainer.SNAPSHOTS);
        SerializableFunction<ModelSnapshot, byte[]> snapshotKey =
                s -> s.getModelId().getBytes(StandardCharsets.UTF_8);
        SerializableFunction<ModelSnapshot, Long> snapshotTime =
                s -> s.getCreatedAt().toEpochMilli();
        snapshots
                .sinkTo(sink(
                        cfg,
                        topics.models(),
                        "models",
                        null,
                        SingleObjectCodec::modelSnapshot,
                        snapshotKey,
                        snapshotTime))
                .uid("models-sink")
                .name("models: " + topics.models());

        if (cfg.deltas().enabled()) {
            // Delta versions: a second transactional sink; every version goes to exactly one of the two topics
            // (plus the verification copies of deltas.full_copies), and a reader of both sees each once.
            metrics.getSideOutput(ModelTrainer.DELTAS)
                    .sinkTo(sink(
                            cfg,
                            topics.updates(),
                            "updates",
                            null,
                            SingleObjectCodec::modelDelta,
                            (ModelDelta d) -> d.getModelId().getBytes(StandardCharsets.UTF_8),
                            (ModelDelta d) -> d.getCreatedAt().toEpochMilli()))
                    .uid("updates-sink")
                    .name("updates: " + topics.updates());
        }
        if (topics.modelsJson() != null) {
            snapshots
                    .sinkTo(sink(
                            cfg,
                            topics.modelsJson(),
                            "models-json",
                            SnapshotMetadata::json,
                            null,
                            snapshotKey,
                            snapshotTime))
                    .uid("models-json-sink")
                    .name("snapshot metadata (JSON): " + topics.modelsJson());
        }
        // training_health: alerts on each trained model's loss, throughput and versions (topics.alerts).
        OpsGraph.trainingHealth(
                cfg, metrics, snapshots, cfg.deltas().enabled() ? metrics.getSideOutput(ModelTrainer.DELTAS) : null);
    }

    /**
     * The Flink settings the job needs: exactly-once checkpoints, the state backend, a bounded restart strategy
     * (with checkpointing Flink would otherwise restart forever), no generic (Kryo) types, object reuse.
     */
    public static Configuration flinkConfiguration(JobConfig cfg) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(cfg.checkpointIntervalMs()));
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        // A checkpoint that takes longer expires, and (no failed checkpoint tolerated) the job restores from the
        // previous one, before any sink transaction can outlive transaction_timeout_ms (JobConfigParser checks
        // the two): the broker never aborts a transaction that a completed checkpoint later commits.
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMillis(cfg.checkpointTimeoutMs()));
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 0);
        conf.set(StateBackendOptions.STATE_BACKEND, cfg.stateBackend().name().toLowerCase(java.util.Locale.ROOT));
        if (cfg.stateBackend() == JobConfig.StateBackendKind.ROCKSDB) {
            // Row-level state (mf tables, ops series) is large and a checkpoint changes little of it: upload only
            // the new SST files (a full RocksDB checkpoint copies every file, 3.1 GB at 10^7 rows per mf table).
            conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        }
        if (cfg.checkpointDir() != null) {
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            // One directory per job (<checkpoint_dir>/<job_name>), in which Flink adds <job id>/chk-<n> per run:
            // CheckpointStore finds the newest complete checkpoint there when the job is started again.
            CheckpointStore store = CheckpointStore.of(cfg).orElseThrow();
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, store.directory());
            conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, store.savepointsDirectory());
            // Keep the last checkpoint when the job fails for good (restart attempts used up, e.g. Kafka away too
            // long) or is cancelled: the next start resumes from it. Flink's default
            // deletes it on a terminal failure, which would leave only the last savepoint to go back to.
            conf.set(
                    CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                    ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
            // Keep the checkpoint before the newest too: if the broker aborted the newest one's transactions
            // (GuardedKafkaSink stops the job then), resuming from the one before produces those outputs again.
            conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 2);
        }
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, cfg.restartAttempts());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(cfg.restartDelayMs()));
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        // Chained operators hand records on without a deep copy (a copy per source record, per batch and per
        // snapshot: the whole model state). Safe here: every operator emits fresh objects and none changes its
        // input; the trainer keeps a batch's label and weight arrays in its window state, and no one reuses them.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, cfg.parallelism());
        return conf;
    }

    private static KafkaSource<SourceRecord> source(JobConfig cfg, WarmStartSet warm) {
        // JobConfig.toString redacts the Kafka credentials.
        LOG.info("building the streamgrad job: {}", cfg);
        OffsetsInitializer start = startingOffsets(cfg);
        Map<Integer, Long> warmOffsets = warm.startOffsets(cfg.topics().examples());
        if (!warmOffsets.isEmpty()) {
            LOG.info("warm start: examples partitions start at {} (the warm-started snapshots' offsets)", warmOffsets);
            start = new WarmStartOffsets(cfg.topics().examples(), warmOffsets, start);
        }
        return source(cfg, cfg.topics().examples(), start);
    }

    /** Where the job's sources start without a checkpoint ({@code start:}). */
    public static OffsetsInitializer startingOffsets(JobConfig cfg) {
        return switch (cfg.start()) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }

    /**
     * A source of one input topic as every input of the job reads it: the job's Kafka settings and group, read_committed
     * unless the user says otherwise (transactionally produced records count only once committed), the records with
     * their coordinates ({@link KafkaEnvelopeDeserializer}), bounded at the topic's current end with {@code bounded}.
     */
    public static KafkaSource<SourceRecord> source(JobConfig cfg, String topic, OffsetsInitializer start) {
        Properties props = cfg.kafkaProperties();
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var builder = KafkaSource.<SourceRecord>builder()
                .setProperties(props)
                .setBootstrapServers(cfg.bootstrapServers())
                .setTopics(topic)
                .setGroupId(cfg.groupId())
                .setStartingOffsets(start)
                .setDeserializer(new KafkaEnvelopeDeserializer());
        if (cfg.bounded()) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /**
     * An exactly-once sink writing {@code json}'s bytes when it is non-null, else the Avro {@code codec}'s;
     * {@code name} makes its transactional id (unique per sink of the job).
     */
    public static <T extends SpecificRecordBase> GuardedKafkaSink<T> sink(
            JobConfig cfg,
            String topic,
            String name,
            SerializableFunction<T, byte[]> json,
            SerializableSupplier<SingleObjectCodec<T>> codec,
            SerializableFunction<T, byte[]> key,
            SerializableFunction<T, Long> timestamp) {
        Properties props = cfg.kafkaProperties();
        props.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(cfg.transactionTimeoutMs()));
        // Snapshots of large models exceed Kafka's 1 MB default request size.
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(10 << 20));
        // A too large record fails the job naming the topic, its size, the limit and the setting to change.
        Properties admin = cfg.kafkaProperties();
        admin.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cfg.bootstrapServers());
        String compression = props.getProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        RecordSizeLimit limit = new RecordSizeLimit(
                admin,
                topic,
                "topics." + name.replace("-json", "").replace("recs-", "").replace('-', '_'),
                cfg.bootstrapServers(),
                Integer.parseInt(props.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)),
                !compression.equals("none"));
        KafkaSink<T> kafka = KafkaSink.<T>builder()
                .setKafkaProducerConfig(props)
                .setBootstrapServers(cfg.bootstrapServers())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(cfg.transactionalIdPrefix() + "-" + name)
                .setRecordSerializer(
                        json != null
                                ? SingleObjectRecordSerializer.json(topic, json, key, timestamp, limit)
                                : new SingleObjectRecordSerializer<>(topic, codec, key, timestamp, limit))
                .build();
        // A transaction the broker aborted fails the job instead of being dropped with a log line.
        return new GuardedKafkaSink<>(kafka, admin, topic, cfg.transactionTimeoutMs());
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}

package io.streamgrad.job.recs;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.sink.SingleObjectRecordSerializer;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The recommendation part of the job graph, top to bottom (built only when the job has mf models): interactions from
 * {@code topics.interactions}, decoded (bad records to the dead letters), keyed by model id, trained by
 * {@link MfTrainer} with row-level state (its {@link MfTrainerOperator} flushes cached rows before checkpoints), metrics to {@code topics.metrics} and versions (FULL and DELTA, in parts)
 * to {@code topics.updates}. Every operator has its own stable uid and every sink its own transactional id, apart
 * from those of the examples part.
 */
public final class RecsGraph {
    private RecsGraph() {}

    /**
     * @param beforeTraining a seam on the decoded interactions (tests add a failure injector; identity in
     *                       production); an operator it adds needs its own uid
     */
    public static void build(
            StreamExecutionEnvironment env,
            JobConfig cfg,
            UnaryOperator<DataStream<InteractionRecord>> beforeTraining) {
        RecsModels recs = cfg.recs();
        JobConfig.Topics topics = cfg.topics();
        DataStream<SourceRecord> records = env.fromSource(
                        source(cfg), WatermarkStrategy.noWatermarks(), "interactions: " + recs.interactionsTopic())
                .uid("interactions-source");

        SingleOutputStreamOperator<InteractionRecord> interactions = records.process(
                        new DecodeInteractions(recs, cfg.limits()))
                .returns(TypeInformation.of(InteractionRecord.class))
                .uid("decode-interactions")
                .name("decode interactions");

        SingleOutputStreamOperator<TrainingMetrics> metrics = beforeTraining
                .apply(interactions)
                .keyBy(r -> r.modelId, Types.STRING)
                .transform(
                        "mf trainer",
                        new AvroTypeInfo<>(TrainingMetrics.class),
                        new MfTrainerOperator(new MfTrainer(
                                recs,
                                cfg.batchTimeoutMs(),
                                cfg.metricsEveryBatches(),
                                new MfVersions.Policy(
                                        cfg.snapshotEverySteps(),
                                        cfg.snapshotEverySeconds(),
                                        cfg.deltas().fullEveryVersions(),
                                        cfg.deltas().fullEverySeconds(),
                                        recs.rowsPerPart()))))
                .uid("mf-trainer")
                .name("mf trainer");

        SerializableFunction<DeadLetter, byte[]> deadKey = d -> d.getKey() == null ? null : bytes(d.getKey());
        interactions
                .getSideOutput(DecodeInteractions.DEAD_LETTERS)
                .sinkTo(StreamgradJob.sink(
                        cfg,
                        topics.deadLetters(),
                        "recs-dead-letters",
                        topics.avroOutputs() ? null : new SingleObjectRecordSerializer.Json<>(),
                        SingleObjectCodec::deadLetter,
                        deadKey,
                        d -> d.getFailedAt().toEpochMilli()))
                .uid("recs-dead-letters-sink")
                .name("interaction dead letters: " + topics.deadLetters());

        metrics.sinkTo(StreamgradJob.sink(
                        cfg,
                        topics.metrics(),
                        "recs-metrics",
                        topics.avroOutputs() ? null : new SingleObjectRecordSerializer.Json<>(),
                        SingleObjectCodec::trainingMetrics,
                        m -> m.getModelId().getBytes(StandardCharsets.UTF_8),
                        m -> m.getCreatedAt().toEpochMilli()))
                .uid("recs-metrics-sink")
                .name("mf metrics: " + topics.metrics());

        if (topics.format() == JobConfig.OutputFormat.BOTH) {
            // output_format: both: the JSON copies on <topic>.json, as for the examples part
            interactions
                    .getSideOutput(DecodeInteractions.DEAD_LETTERS)
                    .sinkTo(StreamgradJob.sink(
                            cfg,
                            topics.deadLettersJson(),
                            "recs-dead-letters-json",
                            new SingleObjectRecordSerializer.Json<>(),
                            null,
                            deadKey,
                            d -> d.getFailedAt().toEpochMilli()))
                    .uid("recs-dead-letters-json-sink")
                    .name("interaction dead letters (JSON): " + topics.deadLettersJson());
            metrics.sinkTo(StreamgradJob.sink(
                            cfg,
                            topics.metricsJson(),
                            "recs-metrics-json",
                            new SingleObjectRecordSerializer.Json<>(),
                            null,
                            m -> m.getModelId().getBytes(StandardCharsets.UTF_8),
                            m -> m.getCreatedAt().toEpochMilli()))
                    .uid("recs-metrics-json-sink")
                    .name("mf metrics (JSON): " + topics.metricsJson());
        }

        metrics.getSideOutput(MfVersions.VERSIONS)
                .sinkTo(StreamgradJob.sink(
                        cfg,
                        topics.updates(),
                        "recs-updates",
                        null,
                        SingleObjectCodec::recsVersion,
                        (RecsVersion v) -> v.getModelId().getBytes(StandardCharsets.UTF_8),
                        (RecsVersion v) -> v.getCreatedAt().toEpochMilli()))
                .uid("recs-updates-sink")
                .name("mf versions: " + topics.updates());
    }

    private static KafkaSource<SourceRecord> source(JobConfig cfg) {
        return StreamgradJob.source(cfg, cfg.recs().interactionsTopic(), StreamgradJob.startingOffsets(cfg));
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}

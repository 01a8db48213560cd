package io.streamgrad.job.ops;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.SeriesScore;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.monitor.AlertRecords;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.sink.SingleObjectRecordSerializer;
import io.streamgrad.schemas.SingleObjectCodec;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The series path of the job, top to bottom: points from {@code topics.series} (undecoded envelopes, so the source
 * never fails), decoded and validated (bad records to the job's dead letters), keyed by (model, series), scored by
 * {@link SeriesMonitorFunction} with each series' state in keyed state, scores to {@code topics.scores} and alert
 * transitions to {@code topics.alerts} through the job's exactly-once sinks. Every operator has a new stable uid
 * ({@code series-*}, {@code scores-sink}, {@code alerts-sink}); the training path is untouched.
 */
public final class OpsGraph {
    private OpsGraph() {}

    /** The JSON sibling of the scores topic with {@code output_format: both}, or null. */
    public static String scoresJson(JobConfig cfg) {
        return cfg.topics().format() == JobConfig.OutputFormat.BOTH ? cfg.ops().scores() + JobConfig.JSON_SUFFIX : null;
    }

    /**
     * Adds the series path to the graph when the job has ops models.
     *
     * @param beforeMonitor a seam on the valid points before they are keyed (tests inject failures there)
     * @return the series path's dead letters, for the job's dead-letter sink; null without ops models
     */
    public static DataStream<DeadLetter> build(
            StreamExecutionEnvironment env, JobConfig cfg, UnaryOperator<DataStream<SeriesRecord>> beforeMonitor) {
        OpsJob ops = cfg.ops();
        if (!ops.enabled()) {
            return null;
        }
        SingleOutputStreamOperator<SeriesRecord> points = env.fromSource(
                        source(cfg), WatermarkStrategy.noWatermarks(), "series: " + ops.series())
                .uid("series-source")
                .process(new DecodeSeries(ops.models(), cfg.limits()))
                .returns(TypeInformation.of(SeriesRecord.class))
                .uid("series-decode")
                .name("series decode + validate");

        SingleOutputStreamOperator<SeriesScore> scores = beforeMonitor
                .apply(points)
                .keyBy(SeriesRecord::key, Types.STRING)
                .process(new SeriesMonitorFunction(ops.models(), ops.idleTimeoutMs()))
                .returns(new AvroTypeInfo<>(SeriesScore.class))
                .uid("series-monitor")
                .name("series monitor");

        // Kafka record timestamps are the write time, not the points' event time: the broker's time-based retention
        // would delete scores of old points at once, and it refuses timestamps far in the future.
        SerializableFunction<SeriesScore, Long> now = s -> System.currentTimeMillis();
        JobConfig.Topics topics = cfg.topics();
        scores.sinkTo(StreamgradJob.sink(
                        cfg,
                        ops.scores(),
                        "scores",
                        topics.avroOutputs() ? null : new SingleObjectRecordSerializer.Json<>(),
                        SingleObjectCodec::seriesScore,
                        ScoreRecords::key,
                        now))
                .uid("scores-sink")
                .name("scores: " + ops.scores());
        if (scoresJson(cfg) != null) {
            scores.sinkTo(StreamgradJob.sink(
                            cfg,
                            scoresJson(cfg),
                            "scores-json",
                            new SingleObjectRecordSerializer.Json<>(),
                            null,
                            ScoreRecords::key,
                            now))
                    .uid("scores-json-sink")
                    .name("scores (JSON): " + scoresJson(cfg));
        }
        SerializableFunction<Alert, Long> alertTime = a -> System.currentTimeMillis();
        scores.getSideOutput(SeriesMonitorFunction.ALERTS)
                .sinkTo(StreamgradJob.sink(
                        cfg, ops.alerts(), "alerts", null, SingleObjectCodec::alert, AlertRecords::key, alertTime))
                .uid("alerts-sink")
                .name("alerts: " + ops.alerts());
        return points.getSideOutput(DecodeSeries.DEAD_LETTERS);
    }

    /**
     * With {@code training_health.enabled}: each trained model's metrics windows and published versions (full and
     * delta) into {@link TrainingHealthFunction}, its alerts to {@code topics.alerts} through their own exactly-once
     * sink ({@code training-alerts-sink}; the series path's alerts have theirs).
     *
     * @param deltas the delta versions, or null without {@code deltas.enabled}
     */
    public static void trainingHealth(
            JobConfig cfg,
            DataStream<TrainingMetrics> metrics,
            DataStream<ModelSnapshot> snapshots,
            DataStream<ModelDelta> deltas) {
        if (!cfg.ops().health().enabled()) {
            return;
        }
        TypeInformation<Tuple2<String, Long>> versionType = Types.TUPLE(Types.STRING, Types.LONG);
        DataStream<Tuple2<String, Long>> versions = snapshots
                .map(s -> Tuple2.of(s.getModelId().toString(), s.getCreatedAt().toEpochMilli()))
                .returns(versionType)
                .uid("training-health-snapshots")
                .name("training health: versions");
        if (deltas != null) {
            versions = versions.union(deltas.map(d -> Tuple2.of(
                            d.getModelId().toString(), d.getCreatedAt().toEpochMilli()))
                    .returns(versionType)
                    .uid("training-health-deltas")
                    .name("training health: delta versions"));
        }
        SerializableFunction<Alert, Long> now = a -> System.currentTimeMillis();
        metrics.keyBy(m -> m.getModelId().toString(), Types.STRING)
                .connect(versions.keyBy(v -> v.f0, Types.STRING))
                .process(new TrainingHealthFunction(cfg.ops().health()))
                .returns(new AvroTypeInfo<>(Alert.class))
                .uid("training-health")
                .name("training health")
                .sinkTo(StreamgradJob.sink(
                        cfg,
                        cfg.ops().alerts(),
                        "training-alerts",
                        null,
                        SingleObjectCodec::alert,
                        AlertRecords::key,
                        now))
                .uid("training-alerts-sink")
                .name("training alerts: " + cfg.ops().alerts());
    }

    private static KafkaSource<SourceRecord> source(JobConfig cfg) {
        return StreamgradJob.source(cfg, cfg.ops().series(), StreamgradJob.startingOffsets(cfg));
    }
}

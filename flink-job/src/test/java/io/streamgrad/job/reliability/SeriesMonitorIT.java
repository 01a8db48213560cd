package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.SeriesPoint;
import io.streamgrad.avro.SeriesScore;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.ops.OpsTopics;
import io.streamgrad.job.ops.SeriesRecord;
import io.streamgrad.job.warmstart.WarmStartSet;
import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertEvent;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.offline.Detect;
import io.streamgrad.monitor.offline.SeriesCsv;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streaming equals offline: two shipped series (720 hourly points each, interleaved on one partition, half the
 * points as JSON and half as Avro SeriesPoint records) go through the job with an ops model, with a task failure
 * injected in the middle of the second half. A read_committed reader of the scores topic then sees, per series,
 * exactly what {@code detect}'s code ({@link Detect#run}) computes on the same file, bit for bit and once each; the
 * alerts topic holds each alert transition of that run exactly once; the bad records put between the points are on
 * the dead-letter topic with their coordinates, and no valid point is lost.
 */
class SeriesMonitorIT {
    private static final Path DATA = Path.of("..", "data", "ops", "cloud-monitoring");
    private static final List<String> SERIES = List.of("outbound-01", "outbound-03");
    private static final String MODEL = "latency";
    private static final String OPS =
            "{model: {type: forecast}, alert: {for_seconds: 3600, keep_firing_for_seconds: 7200}}";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    @Test
    void seriesThroughTheJobWithATaskFailure_scoreExactlyAsDetect_andAlertEachTransitionOnce(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        String prefix = "ops-crash";
        JobConfig cfg =
                JobConfigParser.parse("""
                kafka: {bootstrap.servers: "%2$s"}
                topics: {examples: %1$s-examples, models: %1$s-models, metrics: %1$s-metrics, dead_letters: %1$s-dead,
                         series: %1$s-series, scores: %1$s-scores, alerts: %1$s-alerts}
                group_id: %1$s
                start: earliest
                checkpoint_interval_ms: 200
                restart: {attempts: 3, delay_ms: 100}
                models:
                  %3$s: %4$s
                """.formatted(prefix, kafka.bootstrapServers(), MODEL, OPS), prefix + ".yaml");
        kafka.createJobTopics(cfg.topics(), 1);
        kafka.createTopics(OpsTopics.specs(cfg, 1, (short) 1).toArray(NewTopic[]::new));

        // The independent answer: detect's code on each file alone.
        Map<String, List<SeriesCsv.Row>> rows = new LinkedHashMap<>();
        Map<String, List<SeriesMonitor.Result>> expected = new LinkedHashMap<>();
        SeriesMonitor monitor = new SeriesMonitor(cfg.ops().models().config(MODEL));
        for (String s : SERIES) {
            rows.put(
                    s,
                    SeriesCsv.read(DATA.resolve(s + ".csv"), null, null, null).rows());
            expected.put(
                    s,
                    Detect.run(
                            monitor,
                            new AlertKey(MODEL, s, monitor.config().rule().name()),
                            rows.get(s),
                            null));
        }
        List<AlertEvent> events = expected.values().stream()
                .flatMap(List::stream)
                .flatMap(r -> r.event().stream())
                .toList();
        assertThat(events)
                .as("the files make the rule fire and resolve (else this test proves nothing about alerts)")
                .extracting(AlertEvent::status)
                .contains(AlertEvent.Status.FIRING, AlertEvent.Status.RESOLVED);

        // The input, interleaved: point i of each series in turn; three bad records in between.
        List<byte[]> records = new ArrayList<>();
        List<Long> badOffsets = new ArrayList<>();
        SingleObjectCodec<SeriesPoint> avro = SingleObjectCodec.seriesPoint();
        int n = rows.values().iterator().next().size();
        for (int i = 0; i < n; i++) {
            for (String s : SERIES) {
                SeriesCsv.Row r = rows.get(s).get(i);
                if (i % 2 == 0) {
                    records.add(("{\"model\": \"%s\", \"series\": \"%s\", \"time\": %d, \"value\": %s}")
                            .formatted(MODEL, s, r.epochSeconds(), Double.toString(r.value()))
                            .getBytes(StandardCharsets.UTF_8));
                } else {
                    records.add(avro.encode(SeriesPoint.newBuilder()
                            .setModel(MODEL)
                            .setSeries(s)
                            .setTime(r.epochSeconds())
                            .setValue(r.value())
                            .build()));
                }
            }
            if (i == 100 || i == 400 || i == 600) {
                badOffsets.add((long) records.size());
                String bad = switch (i) {
                    case 100 -> "{\"model\": \"nope\", \"series\": \"x\", \"time\": 1, \"value\": 1}";
                    case 400 -> "{\"model\": \"latency\", \"series\": \"x\", \"time\": 1, \"value\": \"NaN\"}";
                    default -> "\u00c3garbage";
                };
                records.add(bad.getBytes(StandardCharsets.UTF_8));
            }
        }
        int half = records.size() / 2;
        long failAt = half + (records.size() - half) / 3;
        while (badOffsets.contains(failAt)) {
            failAt++;
        }
        long failOffset = failAt;

        Configuration conf = StreamgradJob.flinkConfiguration(cfg);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        UnaryOperator<org.apache.flink.streaming.api.datastream.DataStream<SeriesRecord>> tap =
                points -> points.map(new FailOnceAtPoint(prefix, failOffset))
                        .uid("series-failure-injector")
                        .name("failure injector");
        StreamgradJob.build(env, cfg, WarmStartSet.none(), UnaryOperator.identity(), tap, UnaryOperator.identity());
        JobClient job = env.executeAsync(prefix);
        var scoreCodec = SingleObjectCodec.seriesScore();
        var alertCodec = SingleObjectCodec.alert();
        var deadCodec = SingleObjectCodec.deadLetter();
        int valid = 2 * n;
        try (KafkaProducer<byte[], byte[]> producer = producer();
                CommittedTopic<SeriesScore> scores = new CommittedTopic<>(
                        kafka.bootstrapServers(),
                        cfg.ops().scores(),
                        b -> ReliabilitySupport.decode(() -> scoreCodec.decode(b)));
                CommittedTopic<Alert> alerts = new CommittedTopic<>(
                        kafka.bootstrapServers(),
                        cfg.ops().alerts(),
                        b -> ReliabilitySupport.decode(() -> alertCodec.decode(b)));
                CommittedTopic<DeadLetter> dead = new CommittedTopic<>(
                        kafka.bootstrapServers(),
                        cfg.topics().deadLetters(),
                        b -> ReliabilitySupport.decode(() -> deadCodec.decode(b)))) {
            send(producer, cfg.ops().series(), records.subList(0, half));
            int firstHalfValid =
                    half - (int) badOffsets.stream().filter(o -> o < half).count();
            scores.await("the first half's scores", Duration.ofSeconds(60), l -> l.size() >= firstHalfValid ? l : null);
            send(producer, cfg.ops().series(), records.subList(half, records.size()));
            scores.await("every point's score", Duration.ofSeconds(60), l -> l.size() >= valid ? l : null);
            dead.await("the bad records' dead letters", Duration.ofSeconds(30), l -> l.size() >= 3 ? l : null);

            assertThat(FailOnceAtPoint.fired(prefix))
                    .as("the injected failure fired")
                    .isTrue();
            RestoredCheckpointStats restored =
                    ReliabilitySupport.restoredCheckpoint(cluster, job, Duration.ofSeconds(30));
            assertThat(restored).as("the job was restored from a checkpoint").isNotNull();

            List<SeriesScore> all = scores.readToEnd(Duration.ofSeconds(30));
            assertThat(all).as("one committed score per valid point").hasSize(valid);
            for (String s : SERIES) {
                List<SeriesScore> mine = all.stream()
                        .filter(x -> x.getSeries().toString().equals(s))
                        .toList();
                List<SeriesMonitor.Result> want = expected.get(s);
                assertThat(mine).as("scores of %s", s).hasSize(want.size());
                for (int i = 0; i < want.size(); i++) {
                    SeriesScore got = mine.get(i);
                    SeriesMonitor.Result w = want.get(i);
                    String at = s + " point " + i;
                    assertThat(got.getTime())
                            .as(at)
                            .isEqualTo(rows.get(s).get(i).epochSeconds());
                    assertThat(bits(got.getForecast())).as(at + " forecast").isEqualTo(bits(w.forecast()));
                    assertThat(bits(got.getLower())).as(at + " lower").isEqualTo(bits(w.lower()));
                    assertThat(bits(got.getUpper())).as(at + " upper").isEqualTo(bits(w.upper()));
                    assertThat(bits(got.getAnomalyScore())).as(at + " score").isEqualTo(bits(w.score()));
                    assertThat(got.getAlert().toString())
                            .as(at + " alert")
                            .isEqualTo(w.alert().text());
                }
            }

            List<Alert> transitions = alerts.readToEnd(Duration.ofSeconds(30));
            assertThat(transitions)
                    .as("each alert transition once, in the order detect's code made them per series")
                    .extracting(a -> a.getSeries() + " " + a.getStatus() + " " + a.getStartsAt() + " " + a.getEndsAt()
                            + " " + a.getValue())
                    .containsExactlyInAnyOrderElementsOf(events.stream()
                            .map(e -> io.streamgrad.job.monitor.AlertRecords.of(e))
                            .map(a -> a.getSeries() + " " + a.getStatus() + " " + a.getStartsAt() + " " + a.getEndsAt()
                                    + " " + a.getValue())
                            .toList());
            for (String s : SERIES) {
                assertThat(transitions.stream()
                                .filter(a -> a.getSeries().toString().equals(s))
                                .map(Alert::getStatus)
                                .toList())
                        .as("%s: firing and resolved alternate, starting with firing", s)
                        .allSatisfy(st -> assertThat(st).isIn(AlertStatus.firing, AlertStatus.resolved))
                        .containsExactlyElementsOf(events.stream()
                                .filter(e -> e.key().series().equals(s))
                                .map(e -> e.status() == AlertEvent.Status.FIRING
                                        ? AlertStatus.firing
                                        : AlertStatus.resolved)
                                .toList());
            }

            List<DeadLetter> letters = dead.readToEnd(Duration.ofSeconds(30));
            assertThat(letters)
                    .as("the three bad records, once each, at their offsets")
                    .extracting(DeadLetter::getOffset)
                    .containsExactlyElementsOf(badOffsets);
            assertThat(letters.get(0).getReason().toString())
                    .startsWith(cfg.ops().series() + "-0@" + badOffsets.get(0) + ": ")
                    .contains("model 'nope' is not an ops model");
            assertThat(letters.get(1).getReason().toString()).contains("\"value\" must be a number");
            assertThat(letters.get(2).getReason().toString()).contains("SeriesPoint");
        } finally {
            CrashRecoveryIT.cancel(job);
        }
    }

    private static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, List<byte[]> values) {
        for (byte[] v : values) {
            p.send(new ProducerRecord<>(topic, 0, null, v));
        }
        p.flush();
    }

    /** Throws once when the point read from partition 0 at {@code offset} reaches it (see FailOnceAt). */
    static final class FailOnceAtPoint implements MapFunction<SeriesRecord, SeriesRecord> {
        private static final long serialVersionUID = 1L;
        private static final Map<String, Boolean> FIRED = new ConcurrentHashMap<>();
        private final String runId;
        private final long offset;

        FailOnceAtPoint(String runId, long offset) {
            this.runId = runId;
            this.offset = offset;
        }

        @Override
        public SeriesRecord map(SeriesRecord p) {
            if (p.offset == offset && FIRED.putIfAbsent(runId, true) == null) {
                throw new FailOnceAt.InjectedFailure("injected failure (" + runId + ") at " + p.coordinates());
            }
            return p;
        }

        static boolean fired(String runId) {
            return FIRED.containsKey(runId);
        }
    }
}

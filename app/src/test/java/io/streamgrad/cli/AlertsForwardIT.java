package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.avro.Alert;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.KafkaTestSupport;
import io.streamgrad.job.monitor.AlertRecords;
import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertEvent;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.config.OpsConfig;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamgrad alerts-forward} between a real broker and a real Prometheus Alertmanager: the Alert records are
 * the transitions {@link SeriesMonitor} emits on synthetic series (a spike that fires and resolves, a spike at the
 * end that is still firing), produced transactionally; Alertmanager's own {@code GET /api/v2/alerts} is the check.
 */
class AlertsForwardIT {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final String TOPIC = "alerts";
    static final String GROUP = "alerts-forward-it";

    @TempDir
    static Path dir;

    static AlertmanagerProcess am;

    @BeforeAll
    static void start() throws Exception {
        // short, so that only the forwarder's re-sends keep a firing alert alive
        am = AlertmanagerProcess.start(dir, Duration.ofSeconds(6));
        KAFKA.createTopics(new NewTopic(TOPIC, 2, (short) 1));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (am != null) {
            am.close();
        }
    }

    /** The rule's transitions over 5-minute samples of a daily sine + noise, ending at {@code end}, with a spike. */
    static List<AlertEvent> transitions(String series, int n, int spikeAt, long seed, Instant end) {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        SeriesMonitor.State s = m.newState();
        Random rng = new Random(seed);
        AlertKey key = new AlertKey("ops", series, "anomaly");
        List<AlertEvent> events = new ArrayList<>();
        long t0 = end.getEpochSecond() - 300L * n;
        for (int i = 0; i < n; i++) {
            double y = 100 + 10 * Math.sin(2 * Math.PI * i / 288.0) + 2 * rng.nextGaussian() + (i == spikeAt ? 40 : 0);
            m.step(s, key, t0 + 300L * i, y).event().ifPresent(events::add);
        }
        return events;
    }

    static void produce(List<Alert> alerts) {
        Properties p = KAFKA.clientProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "alerts-it-" + System.nanoTime());
        SingleObjectCodec<Alert> codec = SingleObjectCodec.alert();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (Alert a : alerts) {
                var unused = producer.send(new ProducerRecord<>(TOPIC, AlertRecords.key(a), codec.encode(a)));
            }
            producer.commitTransaction();
        }
    }

    static JsonNode find(JsonNode alerts, String series) {
        for (JsonNode a : alerts) {
            if (series.equals(a.path("labels").path("series").asText())) {
                return a;
            }
        }
        return null;
    }

    static JsonNode alerts() {
        try {
            return am.alerts();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void firingAlertsArriveWithTheirLabels_stayAliveByResends_andResolvedOnesEnd() throws Exception {
        Instant end = Instant.now().minusSeconds(60);
        List<AlertEvent> latency = transitions("api-latency", 2000, 1500, 6, end);
        List<AlertEvent> queue = transitions("queue-depth", 1200, 1199, 7, end);
        // the monitor's own verdicts: latency's spike fired and resolved, queue-depth's fires on its last point
        assertThat(latency.get(latency.size() - 1).status()).isEqualTo(AlertEvent.Status.RESOLVED);
        assertThat(queue.get(queue.size() - 1).status()).isEqualTo(AlertEvent.Status.FIRING);
        AlertEvent latencyFiring = latency.get(latency.size() - 2);
        assertThat(latencyFiring.status()).isEqualTo(AlertEvent.Status.FIRING);
        AlertEvent queueFiring = queue.get(queue.size() - 1);

        List<Alert> first = new ArrayList<>();
        latency.subList(0, latency.size() - 1)
                .forEach(e -> first.add(AlertRecords.of(e, Map.of("team", "sre"), Map.of())));
        queue.forEach(e -> first.add(AlertRecords.of(e, Map.of("team", "sre"), Map.of())));
        // a record Alertmanager would refuse: skipped with the place and the reason, the others still go
        first.add(AlertRecords.of(queueFiring, Map.of("bad-name", "x"), Map.of()));
        produce(first);

        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> forwarder = CompletableFuture.supplyAsync(() -> Main.guarded(
                "alerts-forward",
                AlertsForwardCommand.USAGE,
                err,
                () -> AlertsForwardCommand.run(
                        List.of(
                                "--bootstrap",
                                KAFKA.bootstrapServers(),
                                "--topic",
                                TOPIC,
                                "--alertmanager",
                                am.url,
                                "--group",
                                GROUP,
                                "--resend-seconds",
                                "1"),
                        out,
                        err,
                        stop::get)));
        try {
            JsonNode got = KafkaTestSupport.await("both firing alerts in Alertmanager", Duration.ofSeconds(30), () -> {
                JsonNode a = alerts();
                return find(a, "api-latency") != null && find(a, "queue-depth") != null ? a : null;
            });
            for (AlertEvent e : List.of(latencyFiring, queueFiring)) {
                JsonNode a = find(got, e.key().series());
                assertThat(a.path("labels").path("alertname").asText()).isEqualTo("anomaly");
                assertThat(a.path("labels").path("model").asText()).isEqualTo("ops");
                assertThat(a.path("labels").path("team").asText()).isEqualTo("sre");
                assertThat(a.path("labels").has("bad-name")).isFalse();
                assertThat(Instant.parse(a.path("startsAt").asText())).isEqualTo(Instant.ofEpochSecond(e.activeAt()));
                assertThat(a.path("status").path("state").asText()).isEqualTo("active");
                assertThat(a.path("annotations").path("score").asDouble()).isEqualTo(e.value());
                assertThat(a.path("annotations").path("actual").asDouble()).isEqualTo(e.actual());
            }
            assertThat(errBytes.toString(StandardCharsets.UTF_8))
                    .contains("alerts-forward: " + TOPIC + "-")
                    .contains("skipped, label name 'bad-name' is not valid in Alertmanager");

            // Alertmanager ends a firing alert resolve_timeout (6 s) after it last heard of it: the re-sends
            // (every second) keep moving that end forward
            Instant queueEnds =
                    Instant.parse(find(got, "queue-depth").path("endsAt").asText());
            KafkaTestSupport.await("queue-depth's end moved by re-sends", Duration.ofSeconds(20), () -> {
                JsonNode a = find(alerts(), "queue-depth");
                return a != null && Instant.parse(a.path("endsAt").asText()).isAfter(queueEnds.plusSeconds(2))
                        ? a
                        : null;
            });

            // the resolved transition ends api-latency's alert; queue-depth keeps firing
            Alert resolved = AlertRecords.of(latency.get(latency.size() - 1), Map.of("team", "sre"), Map.of());
            produce(List.of(resolved));
            KafkaTestSupport.await("api-latency resolved in Alertmanager", Duration.ofSeconds(30), () -> {
                JsonNode a = alerts();
                return find(a, "api-latency") == null && find(a, "queue-depth") != null ? a : null;
            });

            // offsets committed only after Alertmanager accepted: up to the end of each partition
            KafkaTestSupport.await("the forwarder's offsets at the end of the topic", Duration.ofSeconds(20), () -> {
                try {
                    Map<TopicPartition, OffsetAndMetadata> c = KAFKA.admin()
                            .listConsumerGroupOffsets(GROUP)
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS);
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    for (int i = 0; i < 2; i++) {
                        latest.put(new TopicPartition(TOPIC, i), OffsetSpec.latest());
                    }
                    var ends = KAFKA.admin().listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                    for (var e : ends.entrySet()) {
                        OffsetAndMetadata o = c.get(e.getKey());
                        if (o == null || o.offset() != e.getValue().offset()) {
                            return null;
                        }
                    }
                    return c;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            stop.set(true);
            assertThat(forwarder.get(30, TimeUnit.SECONDS))
                    .as("forwarder exit, stderr: %s", errBytes.toString(StandardCharsets.UTF_8))
                    .isZero();
        }
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("alerts-forward: " + TOPIC + " on ");

        // restarted, the forwarder re-reads the topic up to its committed offsets: it learns that queue-depth is
        // still firing and keeps it alive, and sends no transition a second time
        JsonNode before = find(alerts(), "queue-depth");
        Instant lastEnd = before == null
                ? Instant.EPOCH
                : Instant.parse(before.path("endsAt").asText());
        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        AtomicBoolean stop2 = new AtomicBoolean();
        CompletableFuture<Integer> again = CompletableFuture.supplyAsync(() -> Main.guarded(
                "alerts-forward",
                AlertsForwardCommand.USAGE,
                err,
                () -> AlertsForwardCommand.run(
                        List.of(
                                "--bootstrap",
                                KAFKA.bootstrapServers(),
                                "--topic",
                                TOPIC,
                                "--alertmanager",
                                am.url,
                                "--group",
                                GROUP,
                                "--resend-seconds",
                                "1"),
                        new PrintStream(out2, true, StandardCharsets.UTF_8),
                        err,
                        stop2::get)));
        try {
            KafkaTestSupport.await("queue-depth re-sent after the restart", Duration.ofSeconds(30), () -> {
                JsonNode a = alerts();
                JsonNode q = find(a, "queue-depth");
                return q != null
                                && Instant.parse(q.path("endsAt").asText()).isAfter(lastEnd.plusSeconds(1))
                                && find(a, "api-latency") == null
                        ? a
                        : null;
            });
        } finally {
            stop2.set(true);
            assertThat(again.get(30, TimeUnit.SECONDS)).isZero();
        }
        assertThat(out2.toString(StandardCharsets.UTF_8))
                .contains("alerts-forward: " + TOPIC + " on ")
                .doesNotContain("transition(s)");
    }

    @Test
    void anUnreachableAlertmanager_failsNamingTheUrlAndTheFix_withoutCommitting() throws Exception {
        produce(List.of(
                AlertRecords.of(transitions("cpu", 1200, 1199, 8, Instant.now()).get(0))));
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int rc = Main.guarded(
                "alerts-forward",
                AlertsForwardCommand.USAGE,
                err,
                () -> AlertsForwardCommand.run(
                        List.of(
                                "--bootstrap-servers",
                                KAFKA.bootstrapServers(),
                                "--topic",
                                TOPIC,
                                "--alertmanager",
                                "http://127.0.0.1:" + port,
                                "--group",
                                "unreachable-it",
                                "--max-attempts",
                                "2"),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        err,
                        () -> false));
        assertThat(rc).isEqualTo(1);
        assertThat(errBytes.toString(StandardCharsets.UTF_8))
                .contains("cannot deliver")
                .contains("to Alertmanager at http://127.0.0.1:" + port + " after 2 attempts")
                .contains("pass its address with --alertmanager");
        assertThat(KAFKA.admin()
                        .listConsumerGroupOffsets("unreachable-it")
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS))
                .isEmpty();
    }
}

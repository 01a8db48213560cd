package io.streamgrad.cli;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code streamgrad alerts-forward}: the alerts topic's committed {@link Alert} records to a Prometheus
 * Alertmanager. At-least-once: the consumer group's offsets are committed only after Alertmanager accepted the
 * batch, so a crash re-sends, and Alertmanager de-duplicates by label set. Alerts still firing are re-sent every
 * {@code --resend-seconds} (Alertmanager resolves an alert it has not heard of for {@code resolve_timeout}); on
 * start the forwarder re-reads the topic up to the committed offsets to learn which alerts are still firing,
 * without re-sending the transitions already delivered.
 */
final class AlertsForwardCommand {
    static final String USAGE = """
            usage: streamgrad alerts-forward --bootstrap-servers HOST:PORT --topic TOPIC
                                             [--alertmanager http://127.0.0.1:9093] [--group streamgrad-alerts-forward]
                                             [--resend-seconds 60] [--max-attempts 10] [--kafka-config FILE]
              Sends the committed Alert records of TOPIC (firing and resolved transitions of monitored series) to
              Alertmanager's API v2 (POST /api/v2/alerts), labels {alertname=rule, model, series} + the record's
              labels. Runs until interrupted (Ctrl-C). Offsets of the consumer group --group are committed only
              after Alertmanager accepted the alerts (at-least-once; Alertmanager de-duplicates by label set).
              Still-firing alerts are re-sent every --resend-seconds (keep it below Alertmanager's resolve_timeout,
              default 5m); resolved ones are sent with endsAt. An unreachable Alertmanager is retried with backoff
              --max-attempts times, then the command fails (exit 1) without committing.
              --bootstrap is accepted for --bootstrap-servers.""";

    private AlertsForwardCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.set(true)));
        return run(argv, out, err, stop::get);
    }

    /** As the command line runs it, ending when {@code stop} says so (tests). */
    static int run(List<String> argv, PrintStream out, PrintStream err, BooleanSupplier stop) throws Exception {
        List<String> a = new ArrayList<>();
        for (String s : argv) {
            a.add(
                    s.equals("--bootstrap")
                            ? "--bootstrap-servers"
                            : s.replaceFirst("^--bootstrap=", "--bootstrap-servers="));
        }
        Args args = Args.parse(
                a,
                Set.of(
                        "bootstrap-servers",
                        "topic",
                        "alertmanager",
                        "group",
                        "resend-seconds",
                        "max-attempts",
                        "kafka-config"),
                Set.of());
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        AlertmanagerClient am = new AlertmanagerClient(
                args.get("alertmanager", "http://127.0.0.1:9093"),
                (int) args.longValue("max-attempts", 10, 1, 1000),
                err);
        Duration resend = Duration.ofSeconds(args.longValue("resend-seconds", 60, 1, 86_400));
        String group = args.get("group", "streamgrad-alerts-forward");
        new Forwarder(client, topic, group, am, resend, out, err).run(stop);
        return 0;
    }

    /** The forwarding loop; {@link #forwarded()} counts the alerts Alertmanager accepted. */
    static final class Forwarder {
        private final Properties client;
        private final String topic;
        private final String group;
        private final AlertmanagerClient am;
        private final Duration resend;
        private final PrintStream out;
        private final PrintStream err;
        private final SingleObjectCodec<Alert> codec = SingleObjectCodec.alert();
        /** Firing alerts by fingerprint: what is re-sent. */
        private final Map<String, Alert> active = new LinkedHashMap<>();

        private final java.util.concurrent.atomic.AtomicLong forwarded = new java.util.concurrent.atomic.AtomicLong();

        Forwarder(
                Properties client,
                String topic,
                String group,
                AlertmanagerClient am,
                Duration resend,
                PrintStream out,
                PrintStream err) {
            this.client = client;
            this.topic = topic;
            this.group = group;
            this.am = am;
            this.resend = resend;
            this.out = out;
            this.err = err;
        }

        long forwarded() {
            return forwarded.get();
        }

        void run(BooleanSupplier stop) throws Exception {
            Properties p = new Properties();
            p.putAll(client);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            String servers = client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            try (KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new KafkaClients.MissingTopicException("topic '" + topic + "' does not exist on " + servers
                            + ": start the job that writes the alerts, or check --topic");
                }
                List<TopicPartition> parts = new ArrayList<>();
                infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
                c.assign(parts);
                // Delivered up to here: re-read only to learn which alerts are still firing.
                Map<TopicPartition, Long> delivered = new HashMap<>();
                Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.copyOf(parts));
                for (TopicPartition tp : parts) {
                    OffsetAndMetadata o = committed.get(tp);
                    delivered.put(tp, o == null ? 0L : o.offset());
                }
                c.seekToBeginning(parts);
                out.println("alerts-forward: " + topic + " on " + servers + " -> " + am.endpoint() + " (group " + group
                        + ", re-sending firing alerts every " + resend.toSeconds() + " s)");
                out.flush();
                long lastResend = Long.MIN_VALUE;
                boolean caughtUp = false;
                while (!stop.getAsBoolean()) {
                    Map<String, Alert> fresh = new LinkedHashMap<>();
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        Alert alert;
                        try {
                            alert = codec.decode(r.value());
                        } catch (InvalidRecordException e) {
                            err.println("alerts-forward: " + topic + "-" + r.partition() + "@" + r.offset()
                                    + ": skipped, " + e.getMessage());
                            continue;
                        }
                        String why = AlertmanagerClient.invalid(alert);
                        if (why != null) {
                            err.println("alerts-forward: " + topic + "-" + r.partition() + "@" + r.offset()
                                    + ": skipped, " + why);
                            continue;
                        }
                        if (alert.getStatus() == AlertStatus.firing) {
                            active.put(alert.getFingerprint(), alert);
                        } else {
                            active.remove(alert.getFingerprint());
                        }
                        if (r.offset() >= delivered.get(new TopicPartition(r.topic(), r.partition()))) {
                            fresh.remove(alert.getFingerprint()); // the newest transition of an alert goes last
                            fresh.put(alert.getFingerprint(), alert);
                        }
                    }
                    if (!caughtUp) {
                        caughtUp = parts.stream().allMatch(tp -> c.position(tp) >= delivered.get(tp));
                    }
                    long now = System.nanoTime();
                    boolean resendDue =
                            caughtUp && (lastResend == Long.MIN_VALUE || now - lastResend >= resend.toNanos());
                    Map<String, Alert> batch = new LinkedHashMap<>();
                    if (resendDue) {
                        batch.putAll(active);
                    }
                    batch.putAll(fresh);
                    if (!batch.isEmpty()) {
                        am.post(batch.values());
                        forwarded.addAndGet(batch.size());
                    }
                    if (resendDue) {
                        lastResend = now;
                    }
                    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                    for (TopicPartition tp : parts) {
                        long pos = c.position(tp);
                        if (pos > delivered.get(tp)) {
                            commit.put(tp, new OffsetAndMetadata(pos));
                        }
                    }
                    if (!commit.isEmpty()) {
                        c.commitSync(commit); // only now: Alertmanager has what was read up to pos
                        commit.forEach((tp, o) -> delivered.put(tp, o.offset()));
                    }
                    if (!fresh.isEmpty()) {
                        out.println("alerts-forward: sent " + fresh.size() + " transition(s), " + active.size()
                                + " alert(s) firing");
                        out.flush();
                    }
                }
            }
        }
    }
}

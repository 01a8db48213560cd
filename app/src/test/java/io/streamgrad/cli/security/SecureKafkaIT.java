package io.streamgrad.cli.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.job.KafkaTestSupport;
import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.security.LogCapture;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job and every command against a broker that only speaks SASL_PLAINTEXT (PLAIN and SCRAM-SHA-256, with an
 * authorizer that denies by default): the Kafka security settings of {@code job.yaml} and of
 * {@code --kafka-config} reach every client (the topic admin, the source and its enumerator, the three exactly-once
 * sinks, the produce/models/metrics commands); with the right password a model trains end to end, with a wrong
 * one each command fails saying "Authentication failed"; and the secrets appear nowhere: not in what the commands
 * print, not in any log line at INFO (Flink, Kafka clients, streamgrad), not in Flink's metrics, not in any record
 * the job wrote (snapshots with their provenance, metrics, dead letters).
 */
class SecureKafkaIT {
    static final String PLAIN_SECRET = "Pw-plain-6d1f0b7e";
    static final String SCRAM_SECRET = "Pw-scram-3a9c5e21";
    static final String WRONG = "Pw-wrong-77aa";
    /** The broker's own inter-broker identity (the test kit's PLAIN super user). */
    static final String BROKER_USER = "plain-admin";

    static final String BROKER_SECRET = "plain-admin-secret";
    static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
    static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";
    static final int EXAMPLES = 640;

    static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    static Path dir;

    private static KafkaClusterTestKit cluster;
    private static String previousJaasProperty;
    private static Path data;

    @BeforeAll
    static void startSecureBroker() throws Exception {
        previousJaasProperty = System.getProperty("java.security.auth.login.config");
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(dir.resolve("kafka"))
                .setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .build();
        String listener = nodes.brokerListenerName().value().toLowerCase(java.util.Locale.ROOT);
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        EmbeddedKafka.ONE_NODE_SETTINGS.forEach(builder::setConfigProp);
        cluster = builder.setConfigProp("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256")
                // The broker's users: its own identity and the job's PLAIN user; SCRAM users live in the metadata.
                .setConfigProp(
                        "listener.name." + listener + ".plain.sasl.jaas.config",
                        PLAIN + " required username=\""
                                + BROKER_USER + "\" password=\"" + BROKER_SECRET + "\" user_" + BROKER_USER + "=\""
                                + BROKER_SECRET
                                + "\" user_streamgrad=\"" + PLAIN_SECRET + "\";")
                .setConfigProp("listener.name." + listener + ".scram-sha-256.sasl.jaas.config", SCRAM + " required;")
                // An authorizer denies everyone without an ACL; the job's users are super users here (ACLs are the
                // operator's business, authentication is what is tested). ANONYMOUS is the broker itself on the
                // internal PLAINTEXT controller listener; clients only reach the SASL listener.
                .setConfigProp("super.users", "User:" + BROKER_USER + ";User:streamgrad;User:scrammer;User:ANONYMOUS")
                .setDeleteOnClose(true)
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();

        try (Admin admin = Admin.create(client(PLAIN, "streamgrad", PLAIN_SECRET))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            "scrammer", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), SCRAM_SECRET)))
                    .all()
                    .get();
        }
        // SCRAM credentials reach the broker's cache through the metadata log: wait until a login works.
        KafkaTestSupport.await("a SCRAM login", Duration.ofSeconds(60), () -> {
            try (Admin admin = Admin.create(client(SCRAM, "scrammer", SCRAM_SECRET))) {
                return admin.describeCluster().nodes().get().isEmpty() ? null : true;
            } catch (Exception e) {
                return null;
            }
        });
        data = SyntheticData.writeLibSvm(SyntheticData.separable("m", EXAMPLES, 5), dir.resolve("m.libsvm"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            // The test kit points the JVM-wide JAAS file at its broker section; leave the JVM as it was.
            if (previousJaasProperty == null) {
                System.clearProperty("java.security.auth.login.config");
            } else {
                System.setProperty("java.security.auth.login.config", previousJaasProperty);
            }
        }
    }

    static String bootstrap() {
        return cluster.bootstrapServers();
    }

    static String jaas(String module, String user, String password) {
        return module + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    static String mechanism(String module) {
        return module.equals(PLAIN) ? "PLAIN" : "SCRAM-SHA-256";
    }

    static Properties client(String module, String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap());
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", mechanism(module));
        p.put("sasl.jaas.config", jaas(module, user, password));
        return p;
    }

    /** A job config: the Kafka settings as a user writes them, a logistic model, bounded, no restarts. */
    static Path jobYaml(String prefix, String module, String user, String password) throws Exception {
        String yaml = """
                kafka:
                  bootstrap.servers: "%s"
                  security.protocol: SASL_PLAINTEXT
                  sasl.mechanism: %s
                  sasl.jaas.config: '%s'
                topics: {examples: %s-examples, models: %s-models, metrics: %s-metrics, dead_letters: %s-dead}
                group_id: %s
                start: earliest
                bounded: true
                restart: {attempts: 0}
                checkpoint_interval_ms: 500
                batch_timeout_ms: 0
                snapshot: {every_steps: 10, every_seconds: 0}
                models:
                  m:
                %s
                """.formatted(
                        bootstrap(),
                        mechanism(module),
                        jaas(module, user, password),
                        prefix,
                        prefix,
                        prefix,
                        prefix,
                        prefix,
                        TestConfigs.logisticYaml(4, 16).indent(4));
        return Files.writeString(dir.resolve(prefix + "-" + user + "-" + password.hashCode() + ".yaml"), yaml);
    }

    /** The same settings as a --kafka-config properties file. */
    static Path clientFile(String module, String user, String password) throws Exception {
        StringBuilder sb = new StringBuilder();
        client(module, user, password).forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                sb.append(k).append('=').append(v).append('\n');
            }
        });
        return Files.writeString(dir.resolve("client-" + user + "-" + password.hashCode() + ".properties"), sb);
    }

    @Test
    void plain_everyClientAuthenticates_modelTrainsEndToEnd_andTheSecretIsNowhere() throws Exception {
        Path job = jobYaml("p", PLAIN, "streamgrad", PLAIN_SECRET);
        Path props = clientFile(PLAIN, "streamgrad", PLAIN_SECRET);
        List<String> printed = new ArrayList<>();
        try (LogCapture logs = new LogCapture(Level.INFO)) {
            // The job's admin client creates the topics; the bounded job over the empty topic ends at once.
            Cli.Result create = Cli.run("run", "--config", job.toString(), "--create-topics");
            assertThat(create.status()).as(create.all()).isZero();
            assertThat(create.out())
                    .contains("sasl.jaas.config=[redacted]")
                    .contains("security.protocol=SASL_PLAINTEXT");

            Cli.Result produce = Cli.run(
                    "produce",
                    "--bootstrap-servers",
                    bootstrap(),
                    "--topic",
                    "p-examples",
                    "--model",
                    "m",
                    "--data",
                    data.toString(),
                    "--config",
                    job.toString(),
                    "--kafka-config",
                    props.toString());
            assertThat(produce.status()).as(produce.all()).isZero();

            Cli.Result run = Cli.run("run", "--config", job.toString());
            assertThat(run.status()).as(run.all()).isZero();

            Cli.Result models = Cli.run(
                    "models",
                    "--bootstrap-servers",
                    bootstrap(),
                    "--topic",
                    "p-models",
                    "--kafka-config",
                    props.toString());
            assertThat(models.status()).as(models.all()).isZero();
            assertThat(models.out()).contains(" " + EXAMPLES + " ");

            Cli.Result metrics = Cli.run(
                    "metrics",
                    "--bootstrap-servers",
                    bootstrap(),
                    "--topic",
                    "p-metrics",
                    "--kafka-config",
                    props.toString());
            assertThat(metrics.status()).as(metrics.all()).isZero();
            assertThat(metrics.out().lines().count()).isEqualTo(1 + EXAMPLES / 16 / 10);

            for (Cli.Result r : List.of(create, produce, run, models, metrics)) {
                printed.add(r.all());
            }
            printed.add(logs.printed());
            printed.addAll(logs.events());
            assertThat(logs.events())
                    .anySatisfy(e -> assertThat(e)
                            .contains("building the streamgrad job")
                            .contains("sasl.jaas.config=[redacted]"));
            // The Kafka clients' own INFO dumps of their configuration were captured too (Kafka hides passwords).
            assertThat(logs.events())
                    .anySatisfy(e ->
                            assertThat(e).contains("ProducerConfig values").contains("sasl.jaas.config = [hidden]"));
            assertThat(logs.events()).anySatisfy(e -> assertThat(e).contains("ConsumerConfig values"));
            assertThat(logs.events().size()).as("log lines captured").isGreaterThan(100);
        }

        List<ModelSnapshot> snapshots = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll("p-models")) {
            snapshots.add(SingleObjectCodec.modelSnapshot().decode(r.value()));
        }
        assertThat(snapshots).extracting(ModelSnapshot::getStep).containsExactly(10L, 20L, 30L, 40L);
        assertThat(snapshots.get(3).getExamplesSeen()).isEqualTo(EXAMPLES);

        assertNoSecret(PLAIN_SECRET, printed, List.of("p-examples", "p-models", "p-metrics", "p-dead"));
    }

    @Test
    void scram_commandsAndJobAuthenticate_andTrain() throws Exception {
        try (Admin admin = Admin.create(client(PLAIN, "streamgrad", PLAIN_SECRET))) {
            JobTopics.create(
                    admin,
                    JobTopics.specs(
                            new JobConfig.Topics("s-examples", "s-models", "s-metrics", "s-dead"), 1, (short) 1));
        }
        Path job = jobYaml("s", SCRAM, "scrammer", SCRAM_SECRET);
        Path props = clientFile(SCRAM, "scrammer", SCRAM_SECRET);
        List<String> printed = new ArrayList<>();

        Cli.Result produce = Cli.run(
                "produce",
                "--bootstrap-servers",
                bootstrap(),
                "--topic",
                "s-examples",
                "--model",
                "m",
                "--data",
                data.toString(),
                "--config",
                job.toString(),
                "--kafka-config",
                props.toString(),
                "--format",
                "json");
        Cli.Result run = Cli.run("run", "--config", job.toString());
        Cli.Result models = Cli.run(
                "models",
                "--bootstrap-servers",
                bootstrap(),
                "--topic",
                "s-models",
                "--model",
                "m",
                "--save",
                dir.resolve("m.sgm").toString(),
                "--kafka-config",
                props.toString());

        for (Cli.Result r : List.of(produce, run, models)) {
            assertThat(r.status()).as(r.all()).isZero();
            printed.add(r.all());
        }
        assertThat(models.out()).contains("saved m version 4 (step 40)");
        assertNoSecret(SCRAM_SECRET, printed, List.of("s-examples", "s-models", "s-metrics", "s-dead"));
    }

    @Test
    void wrongPassword_failsEveryClientClearly_withoutPrintingIt() throws Exception {
        try (Admin admin = Admin.create(client(PLAIN, "streamgrad", PLAIN_SECRET))) {
            JobTopics.create(
                    admin,
                    JobTopics.specs(
                            new JobConfig.Topics("w-examples", "w-models", "w-metrics", "w-dead"), 1, (short) 1));
        }
        Path plainJob = jobYaml("w", PLAIN, "streamgrad", WRONG);
        Path scramJob = jobYaml("w", SCRAM, "scrammer", WRONG);
        Path plainProps = clientFile(PLAIN, "streamgrad", WRONG);
        Path scramProps = clientFile(SCRAM, "scrammer", WRONG);
        List<Cli.Result> results = new ArrayList<>();
        try (LogCapture logs = new LogCapture(Level.INFO)) {
            results.add(Cli.run(
                    "produce",
                    "--bootstrap-servers",
                    bootstrap(),
                    "--topic",
                    "w-examples",
                    "--model",
                    "m",
                    "--data",
                    data.toString(),
                    "--config",
                    plainJob.toString(),
                    "--kafka-config",
                    plainProps.toString()));
            results.add(Cli.run(
                    "produce",
                    "--bootstrap-servers",
                    bootstrap(),
                    "--topic",
                    "w-examples",
                    "--model",
                    "m",
                    "--data",
                    data.toString(),
                    "--config",
                    scramJob.toString(),
                    "--kafka-config",
                    scramProps.toString()));
            results.add(Cli.run("run", "--config", plainJob.toString(), "--create-topics"));
            results.add(Cli.run("run", "--config", scramJob.toString())); // the job itself: source and sinks
            results.add(Cli.run(
                    "models",
                    "--bootstrap-servers",
                    bootstrap(),
                    "--topic",
                    "w-models",
                    "--kafka-config",
                    plainProps.toString()));
            results.add(Cli.run(
                    "metrics",
                    "--bootstrap-servers",
                    bootstrap(),
                    "--topic",
                    "w-metrics",
                    "--kafka-config",
                    scramProps.toString()));
            for (Cli.Result r : results) {
                assertThat(r.status()).as(r.all()).isEqualTo(1);
                assertThat(r.err())
                        .as(r.all())
                        .contains("Authentication failed")
                        .doesNotContain(WRONG);
            }
            assertThat(logs.events()).noneMatch(e -> e.contains(WRONG));
            assertThat(logs.printed()).doesNotContain(WRONG);
        }
    }

    /** The secret is in none of the texts, in no record of the topics and in no Flink metric. */
    static void assertNoSecret(String secret, List<String> texts, List<String> topics) {
        assertThat(texts).allSatisfy(t -> assertThat(t).doesNotContain(secret));
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        int records = 0;
        for (String topic : topics) {
            for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
                records++;
                assertThat(contains(r.value(), needle) || contains(r.key(), needle))
                        .as("%s-%d@%d holds the secret", topic, r.partition(), r.offset())
                        .isFalse();
            }
        }
        assertThat(records).isGreaterThan(EXAMPLES);
        int metrics = 0;
        for (Map.Entry<MetricGroup, Map<String, Metric>> g :
                METRICS.getMetricsByGroup().entrySet()) {
            assertThat(g.getKey().getAllVariables().toString()).doesNotContain(secret);
            for (Map.Entry<String, Metric> m : g.getValue().entrySet()) {
                metrics++;
                assertThat(g.getKey().getMetricIdentifier(m.getKey())).doesNotContain(secret);
                assertThat(valueOf(m.getValue())).doesNotContain(secret);
            }
        }
        assertThat(metrics).as("Flink metrics inspected").isGreaterThan(50);
    }

    static String valueOf(Metric m) {
        try {
            if (m instanceof Gauge<?> g) {
                return String.valueOf(g.getValue());
            }
            if (m instanceof Counter c) {
                return Long.toString(c.getCount());
            }
            return m.toString();
        } catch (RuntimeException e) {
            return "";
        }
    }

    static boolean contains(byte[] hay, byte[] needle) {
        if (hay == null) {
            return false;
        }
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Every committed record of a topic, read as the job's PLAIN user. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = client(PLAIN, "streamgrad", PLAIN_SECRET);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                assertThat(System.nanoTime()).as("reading %s to %s", topic, end).isLessThan(deadline);
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }
}

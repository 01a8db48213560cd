package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.KafkaTestSupport;
import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamgrad run} names the cause when Kafka is not as the job needs it: a missing topic before the job is
 * submitted, a broker that does not answer while it lasts, and a snapshot larger than the models topic takes.
 */
class RunFailureMessagesIT {
    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @Test
    void missingTopics_failAtOnceBeforeSubmitting_namingThemAndHowToCreateThem() throws Exception {
        Path job =
                jobYaml("missing", kafka.bootstrapServers(), "features: 4", "restart: {attempts: 3, delay_ms: 1000}");

        long start = System.nanoTime();
        MainTest.Result ran = MainTest.run("run", "--config", job.toString());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(ran.status()).as(ran.err()).isEqualTo(1);
        assertThat(ran.err())
                .contains("topics.examples=missing-examples")
                .contains("topics.models=missing-models")
                .contains("do not exist on kafka.bootstrap.servers=" + kafka.bootstrapServers())
                .contains("--create-topics")
                .contains("kafka-topics.sh --bootstrap-server " + kafka.bootstrapServers()
                        + " --create --topic missing-models --partitions 1 --replication-factor 1"
                        + " --config cleanup.policy=compact")
                .doesNotContain("restart attempt");
        assertThat(ran.out()).as("the job was not submitted").doesNotContain("running");
        assertThat(took).as("no restarts: fails before the job is submitted").isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void unreachableBroker_isReportedAtOnce_andEveryFewSeconds_untilKafkaWaitGivesUp() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String address = "127.0.0.1:" + closedPort;
        Path job = jobYaml("away", address, "features: 4", "restart: {attempts: 0}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.run(
                new String[] {"run", "--config", job.toString(), "--kafka-wait", "12"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                errStream));

        String noAnswer = "kafka.bootstrap.servers=" + address + ": no answer for ";
        KafkaTestSupport.await(
                "the first report", Duration.ofSeconds(8), () -> text(err).contains(noAnswer) ? true : null);
        KafkaTestSupport.await(
                "a repeated report", Duration.ofSeconds(10), () -> count(text(err), noAnswer) >= 2 ? true : null);
        int status = run.get(30, TimeUnit.SECONDS);

        assertThat(status).isEqualTo(1);
        assertThat(text(err))
                .contains("check that the brokers are up and reachable")
                .contains("Gave up after --kafka-wait 12 s; the job was not started");
        assertThat(count(text(err), noAnswer)).as(text(err)).isGreaterThanOrEqualTo(3);
        assertThat(text(out)).doesNotContain("running");
    }

    @Test
    void snapshotLargerThanTheModelsTopicTakes_failsTheJob_namingTopicLimitSizeAndSetting() throws Exception {
        Path job =
                jobYaml("large", kafka.bootstrapServers(), "features: 1000", "restart: {attempts: 1, delay_ms: 100}");
        JobConfig cfg = JobConfigParser.parse(job);
        List<NewTopic> specs = JobTopics.specs(cfg.topics(), 1, (short) 1).stream()
                .map(t -> t.name().equals(cfg.topics().models())
                        ? new NewTopic(t.name(), 1, (short) 1)
                                .configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "4096"))
                        : t)
                .toList();
        kafka.createTopics(specs.toArray(NewTopic[]::new));
        Path data = SyntheticData.writeLibSvm(SyntheticData.separable("m", 64, 5), dir.resolve("m.libsvm"));
        MainTest.Result produced = MainTest.run(
                "produce",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                cfg.topics().examples(),
                "--model",
                "m",
                "--data",
                data.toString(),
                "--config",
                job.toString());
        assertThat(produced.status()).as(produced.err()).isZero();

        MainTest.Result ran = MainTest.run("run", "--config", job.toString());

        assertThat(ran.status()).as(ran.out()).isEqualTo(1);
        Matcher size = Pattern.compile("with key 'm' is (\\d+) bytes").matcher(ran.err());
        assertThat(size.find()).as(ran.err()).isTrue();
        assertThat(Integer.parseInt(size.group(1))).isGreaterThan(4096);
        assertThat(ran.err())
                .contains("the record for topics.models=large-models")
                .contains("more than the topic's max.message.bytes=4096")
                .contains("--entity-name large-models --add-config max.message.bytes=" + size.group(1))
                .contains("restarts cannot help");
        assertThat(kafka.readCommitted(cfg.topics().models()))
                .as("nothing published past the limit")
                .isEmpty();
    }

    private Path jobYaml(String name, String bootstrap, String features, String restart) throws Exception {
        String model = """
                model: {type: logistic, %s}
                loss: binary_cross_entropy
                optimizer: {type: momentum, learning_rate: 0.05}
                batch_size: 16
                """.formatted(features);
        return Files.writeString(dir.resolve(name + ".yaml"), """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: %s-examples, models: %s-models, metrics: %s-metrics, dead_letters: %s-dead}
                group_id: %s
                start: earliest
                bounded: true
                checkpoint_interval_ms: 500
                %s
                snapshot: {every_steps: 1, every_seconds: 0}
                batch_timeout_ms: 0
                models:
                  m:
                %s""".formatted(
                        bootstrap, name, name, name, name, name, restart, model.indent(4)));
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}

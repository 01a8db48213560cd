package io.streamgrad.job;

import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real one-node Kafka broker ({@link EmbeddedKafka}) for the tests of one class: started before the first test,
 * closed (its data deleted) after the last. Register it as a static field:
 *
 * <pre>
 * &#64;RegisterExtension
 * static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * ...
 * JobTopics.create(KAFKA.admin(), cfg.topics(), 2, (short) 1);
 * </pre>
 *
 * The scaffolding every integration test had repeated (a temporary directory, start and close, the job's topics,
 * client settings, read_committed reads) lives here once.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private EmbeddedKafka kafka;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "streamgrad-kafka-");
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } finally {
            kafka = null;
            if (dir != null) {
                try (var paths = Files.walk(dir)) {
                    paths.sorted(java.util.Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** The broker; valid between the first and the last test of the class. */
    public EmbeddedKafka broker() {
        if (kafka == null) {
            throw new IllegalStateException("the broker runs only while the test class runs: register this "
                    + "extension with @RegisterExtension on a static field");
        }
        return kafka;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    public Admin admin() {
        return broker().admin();
    }

    /** Client properties with only {@code bootstrap.servers} set. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** Creates the job's topics ({@link JobTopics#specs}, replication 1) and waits until they take writes. */
    public void createJobTopics(JobConfig.Topics topics, int examplePartitions) throws Exception {
        JobTopics.create(admin(), topics, examplePartitions, (short) 1);
    }

    /** Creates topics (unless they exist) and waits until they take writes. */
    public void createTopics(NewTopic... topics) throws Exception {
        JobTopics.create(admin(), List.of(topics));
    }

    /** Every committed record of {@code topic} up to its current end, as a read_committed consumer sees them. */
    public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        return KafkaTestSupport.readCommitted(bootstrapServers(), topic);
    }
}

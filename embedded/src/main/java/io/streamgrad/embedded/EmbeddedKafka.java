package io.streamgrad.embedded;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real one-node Kafka broker (KRaft, broker and controller combined) inside this JVM, on a random loopback
 * port, for tests, {@code ./streamgrad demo} and the benchmarks. Built on Kafka's own {@link KafkaClusterTestKit}
 * (the only main-scope user of Kafka's test kit: the job jar never contains it); its logs live under the given
 * directory and are deleted on {@link #close()}. Topics: {@code io.streamgrad.job.admin.JobTopics} with
 * {@link #admin()}.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final Admin admin;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        this.admin = Admin.create(p);
    }

    /**
     * The settings a one-node broker needs (every internal topic with replication factor and min ISR 1, no
     * automatic topic creation, no rebalance delay): this broker's, and those of the tests that build their own
     * (a restartable or a SASL-secured one).
     */
    public static final Map<String, String> ONE_NODE_SETTINGS = oneNodeSettings();

    private static Map<String, String> oneNodeSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("offsets.topic.replication.factor", "1");
        m.put("offsets.topic.num.partitions", "1");
        m.put("transaction.state.log.replication.factor", "1");
        m.put("transaction.state.log.min.isr", "1");
        m.put("transaction.state.log.num.partitions", "1");
        m.put("share.coordinator.state.topic.replication.factor", "1");
        m.put("share.coordinator.state.topic.min.isr", "1");
        m.put("group.initial.rebalance.delay.ms", "0");
        m.put("auto.create.topics.enable", "false");
        m.put("num.partitions", "1");
        return Collections.unmodifiableMap(m);
    }

    /**
     * Formats and starts a broker whose data lives under {@code baseDir} (created if needed).
     */
    public static EmbeddedKafka start(Path baseDir) throws Exception {
        Files.createDirectories(baseDir);
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(baseDir)
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        ONE_NODE_SETTINGS.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder
                // Compaction of the models topic should be observable in a demo, not after a week.
                .setConfigProp("log.cleaner.backoff.ms", "1000")
                .setDeleteOnClose(true)
                .build();
        PrintStream stdout = System.out;
        try {
            // format() prints the bootstrap metadata to System.out; command output must stay clean.
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                cluster.format();
            } finally {
                System.setOut(stdout);
            }
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new EmbeddedKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        return admin;
    }

    @Override
    public void close() throws Exception {
        try {
            admin.close();
        } finally {
            cluster.close();
        }
    }
}

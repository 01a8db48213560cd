package io.streamgrad.job.reliability;

import io.streamgrad.embedded.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node KRaft cluster in this JVM (configured like {@link EmbeddedKafka}) whose broker can be stopped and
 * started again while its controller stays up: same node id, same log directory, same port (the test kit's
 * pre-bound socket factory binds the same port again), so clients reconnect to the address they know. This is
 * what Kafka's own {@code ClusterInstance#shutdownBroker/startBroker} does.
 */
final class RestartableKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final Admin admin;

    private RestartableKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        admin = Admin.create(p);
    }

    static RestartableKafka start(Path baseDir) throws Exception {
        Files.createDirectories(baseDir);
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(baseDir)
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        EmbeddedKafka.ONE_NODE_SETTINGS.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder
                // A restarted broker registers again once the controller has expired its previous session:
                // seconds instead of the default 9 s.
                .setConfigProp("broker.session.timeout.ms", "2000")
                .setConfigProp("broker.heartbeat.interval.ms", "500")
                .setDeleteOnClose(true)
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new RestartableKafka(cluster);
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    Admin admin() {
        return admin;
    }

    private BrokerServer broker() {
        return cluster.brokers().values().iterator().next();
    }

    /** Stops the broker (a controlled shutdown); clients see connections refused on its port. */
    void stopBroker() {
        broker().shutdown();
        broker().awaitShutdown();
    }

    /** Starts the stopped broker again on the same port and log directory, and waits until it serves. */
    void startBroker() throws Exception {
        broker().startup();
        cluster.waitForReadyBrokers();
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

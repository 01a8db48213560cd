package io.streamgrad.job.embedded;

import io.streamgrad.job.config.JobConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real one-node Kafka broker (KRaft, broker and controller combined) inside this JVM, on a random loopback
 * port, for tests and {@code ./streamgrad demo}. Built on Kafka's own {@link KafkaClusterTestKit}; its logs live
 * under the given directory and are deleted on {@link #close()}.
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
     * Formats and starts a broker whose data lives under {@code baseDir} (created if needed).
     */
    public static EmbeddedKafka start(Path baseDir) throws Exception {
        Files.createDirectories(baseDir);
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
                .setBaseDirectory(baseDir)
                .build();
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                // One node: every internal topic with replication factor and min ISR 1.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .setConfigProp("num.partitions", "1")
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

    /** Creates a topic (replication factor 1) unless it exists. */
    public void createTopic(String name, int partitions, Map<String, String> configs)
            throws InterruptedException, ExecutionException {
        createTopics(admin, List.of(new NewTopic(name, partitions, (short) 1).configs(configs)));
    }

    /**
     * Creates the job's topics: examples with {@code examplePartitions} partitions, the models topic compacted
     * (each model's newest snapshot is kept), metrics and dead letters.
     */
    public void createJobTopics(JobConfig.Topics topics, int examplePartitions)
            throws InterruptedException, ExecutionException {
        createTopics(admin, jobTopics(topics, examplePartitions, (short) 1));
    }

    /** The job's topics as {@link NewTopic}s, for any cluster ({@code ./streamgrad run} creates missing ones). */
    public static List<NewTopic> jobTopics(JobConfig.Topics topics, int examplePartitions, short replication) {
        List<NewTopic> list = new ArrayList<>();
        list.add(new NewTopic(topics.examples(), examplePartitions, replication));
        list.add(new NewTopic(topics.models(), 1, replication).configs(Map.of(
                "cleanup.policy", "compact",
                // Keep snapshots big enough for large models (10 MB; the broker default is 1 MB).
                "max.message.bytes", String.valueOf(10 << 20))));
        list.add(new NewTopic(topics.metrics(), 1, replication));
        list.add(new NewTopic(topics.deadLetters(), 1, replication));
        return list;
    }

    /** Creates the topics that do not exist yet, in one request (one controller round trip, not one per topic). */
    public static void createTopics(Admin admin, List<NewTopic> topics) throws InterruptedException, ExecutionException {
        Map<String, org.apache.kafka.common.KafkaFuture<Void>> results = admin.createTopics(topics).values();
        for (NewTopic t : topics) {
            try {
                results.get(t.name()).get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        awaitVisible(admin, topics.stream().map(NewTopic::name).toList());
    }

    /**
     * Creation returns once the controller has the topic; a broker answers for it only after the metadata reaches
     * it, and the metadata names a partition's leader before that broker has opened the partition. A producer
     * that writes in that gap gets its first batch refused (NOT_LEADER_OR_FOLLOWER) while a later batch in flight
     * is appended; an idempotent producer's retried first batch is then out of sequence and refused until it
     * expires ({@code delivery.timeout.ms}, two minutes by default): a lost batch. So wait (30 s at most) until
     * every partition has a leader and that leader answers a ListOffsets request for it, which it does only for a
     * partition it has opened, as for a Produce request.
     */
    private static void awaitVisible(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                boolean led = true;
                for (TopicDescription d : admin.describeTopics(names).allTopicNames().get().values()) {
                    for (TopicPartitionInfo p : d.partitions()) {
                        led &= p.leader() != null;
                        partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                    }
                }
                if (led) {
                    admin.listOffsets(partitions).all().get();
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + names + " have no partition leaders after 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
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

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Creates and lists the topics of the local cluster with kafka-clients' Admin (kafka-tools would drag in Connect,
 * Jetty and Jersey). Compiled by cluster.sh against the broker classpath.
 *
 * <pre>
 * Topics create BOOTSTRAP NAME:PARTITIONS[:compact] ...   create the missing topics (replication factor 1)
 * Topics list   BOOTSTRAP                                 one line per topic: name, partitions, cleanup.policy
 * </pre>
 *
 * Waits up to 60 s for the broker to answer, so it can run right after the broker process starts.
 */
public final class Topics {

    private static final Duration WAIT = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !Set.of("create", "list").contains(args[0])) {
            System.err.println("usage: Topics create BOOTSTRAP NAME:PARTITIONS[:compact] ... | Topics list BOOTSTRAP");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = awaitTopicNames(admin, args[1]);
            if (args[0].equals("create")) {
                create(admin, existing, List.of(args).subList(2, args.length));
            } else {
                list(admin, existing);
            }
        }
    }

    private static Set<String> awaitTopicNames(Admin admin, String bootstrap) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            try {
                return admin.listTopics().names().get();
            } catch (ExecutionException e) {
                if (Instant.now().isAfter(deadline)) {
                    System.err.println("Kafka broker at " + bootstrap + " did not answer within " + WAIT.toSeconds()
                            + " s (" + e.getCause() + "); see the broker log named by 'cluster.sh status'.");
                    System.exit(1);
                }
                Thread.sleep(250); // a polling interval while the broker starts, not a wait for an outcome
            }
        }
    }

    private static void create(Admin admin, Set<String> existing, List<String> specs) throws Exception {
        List<NewTopic> missing = new ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split(":");
            if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && !parts[2].equals("compact"))) {
                throw new IllegalArgumentException("topic spec '" + spec + "': expected NAME:PARTITIONS[:compact]"
                        + ", e.g. models:2:compact (STREAMGRAD_TOPICS)");
            }
            int partitions = Integer.parseInt(parts[1]);
            if (existing.contains(parts[0])) {
                continue;
            }
            NewTopic topic = new NewTopic(parts[0], partitions, (short) 1);
            if (parts.length == 3) {
                // Models are keyed by model id: compaction keeps the newest snapshot of each model forever.
                topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            missing.add(topic);
        }
        if (!missing.isEmpty()) {
            admin.createTopics(missing).all().get();
            awaitOpened(admin, missing.stream().map(NewTopic::name).toList());
        }
        for (NewTopic t : missing) {
            System.out.println("created topic " + t.name() + " partitions=" + t.numPartitions()
                    + (t.configs() == null ? "" : " " + t.configs()));
        }
    }

    /**
     * Creation returns once the controller has the topics; their partitions' leader opens them a moment later.
     * An idempotent producer writing in that gap can have its first batch refused while a later one is appended,
     * and then refused for good as out of sequence (a lost batch). A leader answers ListOffsets only for a
     * partition it has opened, so wait for that.
     */
    private static void awaitOpened(Admin admin, List<String> names) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                for (TopicDescription d : admin.describeTopics(names).allTopicNames().get().values()) {
                    for (TopicPartitionInfo p : d.partitions()) {
                        partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                    }
                }
                admin.listOffsets(partitions).all().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || Instant.now().isAfter(deadline)) {
                    throw e;
                }
                Thread.sleep(50); // a polling interval while the leader opens the partitions
            }
        }
    }

    private static void list(Admin admin, Set<String> names) throws Exception {
        Map<String, TopicDescription> descriptions = new TreeMap<>(admin.describeTopics(names).allTopicNames().get());
        List<ConfigResource> resources = new ArrayList<>();
        for (String name : descriptions.keySet()) {
            resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name));
        }
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        for (TopicDescription d : descriptions.values()) {
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, d.name()));
            String policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
            System.out.printf("%-24s partitions=%d cleanup.policy=%s%n", d.name(), d.partitions().size(), policy);
        }
    }
}

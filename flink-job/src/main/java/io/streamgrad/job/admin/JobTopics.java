package io.streamgrad.job.admin;

import io.streamgrad.job.config.JobConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The job's topic administration: which topics the job reads and writes, with the settings each needs, and their
 * creation on any cluster ({@code ./streamgrad run --create-topics}, the demo, the benchmarks, the tests).
 */
public final class JobTopics {
    private JobTopics() {}

    /**
     * What the updates topic keeps deltas for when the job creates it: 7 days, which covers the default
     * {@code deltas.full_every_seconds} (600) many times over; {@link #checkUpdatesTopic} checks any topic against the
     * configured period at start.
     */
    public static final long UPDATES_RETENTION_MS = 7L * 24 * 3600 * 1000;

    /**
     * The job's topics: examples with {@code examplePartitions} partitions, the models topic compacted (each
     * model's newest snapshot is kept), metrics and dead letters; with deltas enabled the updates topic, one
     * partition (a model's deltas in order), delete policy (every delta is needed, not only a model's newest) with
     * {@link #UPDATES_RETENTION_MS}.
     */
    public static List<NewTopic> specs(JobConfig.Topics topics, int examplePartitions, short replication) {
        List<NewTopic> list = new ArrayList<>();
        list.add(new NewTopic(topics.examples(), examplePartitions, replication));
        list.add(new NewTopic(topics.models(), 1, replication)
                .configs(Map.of(
                        "cleanup.policy",
                        "compact",
                        // Keep snapshots big enough for large models (10 MB; the broker default is 1 MB).
                        "max.message.bytes",
                        String.valueOf(10 << 20))));
        list.add(new NewTopic(topics.metrics(), 1, replication));
        list.add(new NewTopic(topics.deadLetters(), 1, replication));
        if (topics.updates() != null) {
            list.add(new NewTopic(topics.updates(), 1, replication)
                    .configs(Map.of(
                            "cleanup.policy",
                            "delete",
                            "retention.ms",
                            String.valueOf(UPDATES_RETENTION_MS),
                            "max.message.bytes",
                            String.valueOf(10 << 20))));
        }
        // output_format json/both: the JSON siblings (metrics.json, dead_letters.json: like their topics; models.json:
        // the snapshot metadata, compacted like the models topic, each model's newest version kept).
        for (String json : topics.jsonSiblings()) {
            NewTopic t = new NewTopic(json, 1, replication);
            list.add(json.equals(topics.modelsJson()) ? t.configs(Map.of("cleanup.policy", "compact")) : t);
        }
        return list;
    }

    /**
     * The job's topics ({@link #specs}) that do not exist on the cluster, in {@link #specs} order; one request, waiting
     * at most {@code timeout} for the answer.
     */
    public static List<String> missing(Admin admin, JobConfig.Topics topics, java.time.Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        java.util.Set<String> existing = admin.listTopics(
                        new org.apache.kafka.clients.admin.ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
                .names()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return specs(topics, 1, (short) 1).stream()
                .map(NewTopic::name)
                .filter(name -> !existing.contains(name))
                .distinct()
                .toList();
    }

    /**
     * Why the job cannot start without the {@code missing} topics, naming each with its job config key, and the two
     * ways to create them: {@code --create-topics} and the exact {@code kafka-topics.sh} command lines.
     */
    public static String missingMessage(JobConfig cfg, List<String> missing) {
        JobConfig.Topics t = cfg.topics();
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        keys.put(t.deadLetters(), "topics.dead_letters");
        keys.put(t.metrics(), "topics.metrics");
        keys.put(t.models(), "topics.models");
        keys.put(t.examples(), "topics.examples");
        if (t.updates() != null) {
            keys.put(t.updates(), "topics.updates");
        }
        if (t.modelsJson() != null) {
            keys.put(t.modelsJson(), "output_format (snapshot metadata)");
        }
        if (t.format() == JobConfig.OutputFormat.BOTH) {
            keys.put(t.metricsJson(), "output_format (JSON metrics)");
            keys.put(t.deadLettersJson(), "output_format (JSON dead letters)");
        }
        List<String> named = missing.stream()
                .map(name -> keys.getOrDefault(name, "topic") + "=" + name)
                .toList();
        StringBuilder sb = new StringBuilder()
                .append(missing.size() == 1 ? "the topic " : "the topics ")
                .append(String.join(", ", named))
                .append(missing.size() == 1 ? " does" : " do")
                .append(" not exist on kafka.bootstrap.servers=")
                .append(cfg.bootstrapServers())
                .append(
                        " (the job reads topics.examples and writes the models, metrics, dead-letter and, with deltas.enabled, updates topics)."
                                + " Create ")
                .append(missing.size() == 1 ? "it" : "them")
                .append(": ./streamgrad run --config <job.yaml> --create-topics (replication factor 1), or with"
                        + " Kafka's tool:");
        for (NewTopic spec : specs(t, 1, (short) 1)) {
            if (!missing.contains(spec.name())) {
                continue;
            }
            sb.append("\n  kafka-topics.sh --bootstrap-server ")
                    .append(cfg.bootstrapServers())
                    .append(" --create --topic ")
                    .append(spec.name())
                    .append(" --partitions ")
                    .append(spec.numPartitions())
                    .append(" --replication-factor ")
                    .append(spec.replicationFactor());
            if (spec.configs() != null) {
                new java.util.TreeMap<>(spec.configs())
                        .forEach((k, v) ->
                                sb.append(" --config ").append(k).append('=').append(v));
            }
        }
        return sb.toString();
    }

    /**
     * With deltas enabled, checks that the existing updates topic keeps every delta a reader needs (one request): its
     * {@code cleanup.policy} must be {@code delete} (compaction would keep only a model's newest delta), and its
     * {@code retention.ms} at least {@link io.streamgrad.job.config.JobConfig.Deltas#minRetentionMs()} (twice
     * {@code deltas.full_every_seconds}: the deltas after the newest full version are at most that old) or -1, and
     * {@code retention.bytes} -1 (a size limit could delete them earlier).
     *
     * @return the problems, each naming the topic, the setting, the config keys and the fix; empty when fine or when
     *     deltas are off
     */
    public static List<String> checkUpdatesTopic(Admin admin, JobConfig cfg, java.time.Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        String topic = cfg.topics().updates();
        List<String> problems = new ArrayList<>();
        if (topic == null || !cfg.deltas().enabled()) {
            return problems;
        }
        org.apache.kafka.common.config.ConfigResource r = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        org.apache.kafka.clients.admin.Config c = admin.describeConfigs(List.of(r))
                .all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .get(r);
        String policy = value(c, "cleanup.policy", "delete");
        long retention = Long.parseLong(value(c, "retention.ms", "604800000"));
        long bytes = Long.parseLong(value(c, "retention.bytes", "-1"));
        long min = cfg.deltas().minRetentionMs();
        String where = "topics.updates=" + topic + " on kafka.bootstrap.servers=" + cfg.bootstrapServers();
        if (policy.contains("compact")) {
            problems.add(where + " has cleanup.policy=" + policy + ": compaction keeps only the newest delta of each"
                    + " model, so readers could not rebuild the versions in between. Use cleanup.policy=delete"
                    + " (kafka-configs.sh --alter --entity-type topics --entity-name " + topic
                    + " --add-config cleanup.policy=delete) or point topics.updates at a new topic");
        }
        if (retention >= 0 && retention < min) {
            problems.add(where + " keeps records for retention.ms=" + retention + ", less than twice"
                    + " deltas.full_every_seconds (" + cfg.deltas().fullEverySeconds() + " s, so at least " + min
                    + " ms): deltas after the newest full version could be deleted before a reader applies them."
                    + " Raise the topic's retention.ms (kafka-configs.sh --alter --entity-type topics --entity-name "
                    + topic + " --add-config retention.ms=" + Math.max(min, UPDATES_RETENTION_MS)
                    + ") or lower deltas.full_every_seconds");
        }
        if (bytes >= 0) {
            problems.add(where + " has retention.bytes=" + bytes + ": a size limit can delete deltas a reader still"
                    + " needs. Set retention.bytes=-1 on the topic (kafka-configs.sh --alter --entity-type topics"
                    + " --entity-name " + topic + " --add-config retention.bytes=-1); deltas.full_every_seconds"
                    + " bounds what it keeps instead");
        }
        return problems;
    }

    private static String value(org.apache.kafka.clients.admin.Config c, String name, String dflt) {
        org.apache.kafka.clients.admin.ConfigEntry e = c.get(name);
        return e == null || e.value() == null ? dflt : e.value();
    }

    /** Creates the job's topics that do not exist yet (see {@link #specs}) and waits until they take writes. */
    public static void create(Admin admin, JobConfig.Topics topics, int examplePartitions, short replication)
            throws InterruptedException, ExecutionException {
        create(admin, specs(topics, examplePartitions, replication));
    }

    /**
     * Creates the topics that do not exist yet, in one request (one controller round trip, not one per topic),
     * and returns once every partition takes writes.
     */
    public static void create(Admin admin, List<NewTopic> topics) throws InterruptedException, ExecutionException {
        Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
        for (NewTopic t : topics) {
            try {
                results.get(t.name()).get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        awaitWritable(admin, topics.stream().map(NewTopic::name).toList());
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
    public static void awaitWritable(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                boolean led = true;
                for (TopicDescription d :
                        admin.describeTopics(names).allTopicNames().get().values()) {
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
}

package io.streamgrad.job.ops;

import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The series path's topics, with the settings each needs: the series topic ({@code seriesPartitions} partitions: a
 * series' points must keep their order, so producers key them by model/series), the scores topic, its JSON sibling
 * with {@code output_format: both}, and the alerts topic, compacted (keyed by fingerprint: each alert's newest
 * transition is kept). None without ops models.
 */
public final class OpsTopics {
    private OpsTopics() {}

    public static List<NewTopic> specs(JobConfig cfg, int seriesPartitions, short replication) {
        List<NewTopic> list = new ArrayList<>();
        OpsJob ops = cfg.ops();
        if (!ops.writesAlerts()) {
            return list;
        }
        if (!ops.enabled()) {
            list.add(new NewTopic(ops.alerts(), 1, replication).configs(Map.of("cleanup.policy", "compact")));
            return list;
        }
        list.add(new NewTopic(ops.series(), seriesPartitions, replication));
        list.add(new NewTopic(ops.scores(), 1, replication));
        if (OpsGraph.scoresJson(cfg) != null) {
            list.add(new NewTopic(OpsGraph.scoresJson(cfg), 1, replication));
        }
        list.add(new NewTopic(ops.alerts(), 1, replication).configs(Map.of("cleanup.policy", "compact")));
        return list;
    }

    /** The config key of each topic, for messages. */
    public static Map<String, String> keys(JobConfig cfg) {
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        if (cfg.ops().writesAlerts()) {
            keys.put(cfg.ops().alerts(), "topics.alerts");
        }
        if (cfg.ops().enabled()) {
            keys.put(cfg.ops().series(), "topics.series");
            keys.put(cfg.ops().scores(), "topics.scores");
            if (OpsGraph.scoresJson(cfg) != null) {
                keys.put(OpsGraph.scoresJson(cfg), "output_format (JSON scores)");
            }
        }
        return keys;
    }

    /** The series path's topics ({@link #specs}) that do not exist on the cluster; one request. */
    public static List<String> missing(Admin admin, JobConfig cfg, java.time.Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (!cfg.ops().writesAlerts()) {
            return List.of();
        }
        Set<String> existing = admin.listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
                .names()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return specs(cfg, 1, (short) 1).stream()
                .map(NewTopic::name)
                .filter(name -> !existing.contains(name))
                .toList();
    }

    /**
     * {@link JobTopics#missingMessage} for the job's own topics among {@code missing}, followed by the series path's,
     * each named with its key and the {@code kafka-topics.sh} line that creates it.
     */
    public static String missingMessage(JobConfig cfg, List<String> missing) {
        Map<String, String> keys = keys(cfg);
        List<String> jobs = missing.stream().filter(t -> !keys.containsKey(t)).toList();
        List<String> ours = missing.stream().filter(keys::containsKey).toList();
        StringBuilder sb = new StringBuilder();
        if (!jobs.isEmpty()) {
            sb.append(JobTopics.missingMessage(cfg, jobs));
        }
        if (!ours.isEmpty()) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append("the topics ")
                    .append(String.join(
                            ", ", ours.stream().map(t -> keys.get(t) + "=" + t).toList()))
                    .append(" do not exist on kafka.bootstrap.servers=")
                    .append(cfg.bootstrapServers())
                    .append(". Create them: ./streamgrad run --config <job.yaml> --create-topics, or with Kafka's"
                            + " tool:");
            for (NewTopic spec : specs(cfg, 1, (short) 1)) {
                if (ours.contains(spec.name())) {
                    sb.append("\n  kafka-topics.sh --bootstrap-server ")
                            .append(cfg.bootstrapServers())
                            .append(" --create --topic ")
                            .append(spec.name())
                            .append(" --partitions 1 --replication-factor 1");
                    if (spec.configs() != null) {
                        new java.util.TreeMap<>(spec.configs())
                                .forEach((k, v) -> sb.append(" --config ")
                                        .append(k)
                                        .append('=')
                                        .append(v));
                    }
                }
            }
        }
        return sb.toString();
    }
}

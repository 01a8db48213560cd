package io.streamgrad.job.recs;

import io.streamgrad.job.config.JobConfig;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The topic the recommendation part adds to the job's ({@code JobTopics} holds the others): the interactions topic,
 * when the job has mf models. One partition by default: a model's interactions in one order, which is what makes
 * the streaming model equal to an offline replay of the same file.
 */
public final class RecsTopics {
    private RecsTopics() {}

    /** The interactions topic to create ({@code partitions} partitions), or none without mf models. */
    public static List<NewTopic> specs(JobConfig cfg, int partitions, short replication) {
        if (cfg.recs().isEmpty()) {
            return List.of();
        }
        return List.of(new NewTopic(cfg.recs().interactionsTopic(), partitions, replication));
    }

    /** Of {@code existing} topic names, whether the interactions topic is missing (false without mf models). */
    public static boolean missing(JobConfig cfg, java.util.Set<String> existing) {
        return !cfg.recs().isEmpty() && !existing.contains(cfg.recs().interactionsTopic());
    }

    /** Why the job cannot start without the interactions topic, and how to create it. */
    public static String missingMessage(JobConfig cfg) {
        return "the topic topics.interactions=" + cfg.recs().interactionsTopic() + " does not exist on"
                + " kafka.bootstrap.servers=" + cfg.bootstrapServers() + " (the mf models "
                + String.join(", ", cfg.recs().modelIds()) + " train from it). Create it: ./streamgrad run --config"
                + " <job.yaml> --create-topics, or kafka-topics.sh --bootstrap-server " + cfg.bootstrapServers()
                + " --create --topic " + cfg.recs().interactionsTopic() + " --partitions 1";
    }
}

package io.streamgrad.job;

import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.sink.GuardedKafkaSink;
import io.streamgrad.job.sink.RecordSizeLimit;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Explains why a job failed for good (its restart attempts used up), in terms of the job's configuration. Flink
 * reports the last task failure several wrappers deep ("Job execution failed" / "Recovery is suppressed by
 * FixedDelayRestartBackoffTimeStrategy" / "Could not complete snapshot ..." / a Kafka client exception without
 * the broker's address); an operator needs the cause, where it points, and how to resume.
 */
public final class JobFailures {
    private JobFailures() {}

    /**
     * A message for a failure caused by Kafka being unreachable or too slow (any {@code org.apache.kafka} exception
     * in the cause chain, suppressed exceptions included), naming the bootstrap servers, the client error and how to
     * resume; empty when Kafka is not involved.
     */
    public static Optional<String> explainKafka(Throwable failure, JobConfig cfg) {
        Throwable lost = find(failure, t -> t instanceof GuardedKafkaSink.TransactionLostException);
        if (lost != null) {
            return Optional.of("the job stopped: " + lost.getMessage());
        }
        Throwable large = find(failure, t -> t instanceof RecordSizeLimit.RecordTooLargeForTopicException);
        if (large != null) {
            return Optional.of("the job stopped: " + large.getMessage() + ". Nothing of it was published (the"
                    + " transaction with the record was aborted); restarts cannot help, the same record is too large"
                    + " every time. After the change, start the job again: " + resumeAdvice(cfg));
        }
        Throwable missing = find(failure, t -> t instanceof UnknownTopicOrPartitionException);
        if (missing != null) {
            JobConfig.Topics t = cfg.topics();
            return Optional.of("a topic of the job does not exist on kafka.bootstrap.servers=" + cfg.bootstrapServers()
                    + " (" + missing.getClass().getSimpleName() + ": " + missing.getMessage() + "); the job reads"
                    + " topics.examples=" + t.examples() + " and writes topics.models=" + t.models()
                    + ", topics.metrics=" + t.metrics() + ", topics.dead_letters=" + t.deadLetters()
                    + ". Create the missing ones: ./streamgrad run --config <job.yaml> --create-topics, or"
                    + " kafka-topics.sh --bootstrap-server " + cfg.bootstrapServers()
                    + " --create --topic <name> (the models topic with cleanup.policy=compact)");
        }
        Throwable tooLarge = find(failure, t -> t instanceof RecordTooLargeException);
        if (tooLarge != null) {
            return Optional.of("a record was too large for Kafka: " + tooLarge.getMessage() + " The large records"
                    + " are model snapshots on topics.models=" + cfg.topics().models() + " (the whole model state in"
                    + " one record). Raise that topic's max.message.bytes (kafka-configs.sh --bootstrap-server "
                    + cfg.bootstrapServers() + " --alter --entity-type topics --entity-name "
                    + cfg.topics().models()
                    + " --add-config max.message.bytes=<bytes>) and, above 10 MiB, kafka.max.request.size in the job"
                    + " config; then start again: "
                    + (cfg.checkpointDir() == null
                            ? "without checkpoint_dir nothing was kept, the job starts from the committed offsets"
                            : "from the newest chk-<n> under " + cfg.checkpointDir()
                                    + "/<job id>/ if the job completed one (outputs of later checkpoints were never"
                                    + " committed), otherwise from the committed offsets")
                    + "; restarts cannot help, the same snapshot is too large every time");
        }
        Throwable kafka = find(failure, t -> t.getClass().getName().startsWith("org.apache.kafka."));
        if (kafka == null) {
            return Optional.empty();
        }
        String resume = cfg.checkpointDir() == null
                ? "set checkpoint_dir so the last checkpoint is kept, and resume from a savepoint meanwhile"
                : "start it again: it resumes from the newest checkpoint kept under "
                        + io.streamgrad.job.checkpoint.CheckpointStore.jobDirectory(cfg.checkpointDir(), cfg.jobName())
                        + "/<job id>/chk-<n> by itself (./streamgrad run or submit; flink run -s <that directory>)";
        return Optional.of("the job failed after " + cfg.restartAttempts() + " restart attempt(s) because Kafka at "
                + "kafka.bootstrap.servers=" + cfg.bootstrapServers() + " did not answer: "
                + kafka.getClass().getSimpleName() + ": " + kafka.getMessage()
                + ". Check that the brokers are up and reachable from every TaskManager (listeners, DNS, TLS/SASL"
                + " settings under kafka:), raise restart.attempts/delay_ms to ride out longer outages, then " + resume
                + "; nothing is lost or trained twice when resuming from it");
    }

    private static String resumeAdvice(JobConfig cfg) {
        return cfg.checkpointDir() == null
                ? "without checkpoint_dir nothing was kept, it starts from the committed offsets and the models"
                        + " continue from their newest snapshots on the models topic"
                : "it resumes from the newest complete checkpoint under "
                        + io.streamgrad.job.checkpoint.CheckpointStore.jobDirectory(cfg.checkpointDir(), cfg.jobName())
                        + " if the job completed one, otherwise from the committed offsets";
    }

    /** {@link #explainKafka} as an exception wrapping the failure, or the failure itself when Kafka is not involved. */
    public static Exception explained(Exception failure, JobConfig cfg) {
        return explainKafka(failure, cfg)
                .<Exception>map(m -> new IllegalStateException(m, failure))
                .orElse(failure);
    }

    private static Throwable find(Throwable root, java.util.function.Predicate<Throwable> match) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            if (match.test(t)) {
                return t;
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            Collections.addAll(todo, t.getSuppressed());
        }
        return null;
    }
}

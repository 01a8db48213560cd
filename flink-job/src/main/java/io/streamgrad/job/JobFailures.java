package io.streamgrad.job;

import io.streamgrad.job.config.JobConfig;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;

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

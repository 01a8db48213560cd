package io.streamgrad.job.ops;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * The series path of the job ({@link OpsGraph}): its ops models, the topic it reads points from, the two it writes
 * (per-point scores, alert transitions) and how long an idle series keeps its state. Keys: {@code topics.series},
 * {@code topics.scores}, {@code topics.alerts}, {@code series.idle_timeout_ms} in {@code JobOptions}; the models
 * are {@code models:} entries with {@code model: {type: forecast}} ({@link OpsModels}).
 */
public record OpsJob(OpsModels models, String series, String scores, String alerts, long idleTimeoutMs)
        implements Serializable {
    public OpsJob {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(series, "series");
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(alerts, "alerts");
        if (idleTimeoutMs <= 0) {
            throw new IllegalArgumentException("series.idle_timeout_ms must be > 0, got " + idleTimeoutMs);
        }
    }

    /** Whether the job has a series path at all (at least one ops model). */
    public boolean enabled() {
        return !models.isEmpty();
    }

    /** The three topics, input first. */
    public List<String> topics() {
        return List.of(series, scores, alerts);
    }
}

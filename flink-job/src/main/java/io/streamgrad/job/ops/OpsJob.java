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
public record OpsJob(OpsModels models, String series, String scores, String alerts, long idleTimeoutMs, Health health)
        implements Serializable {

    /**
     * {@code training_health:}: alerts on the trained models' health ({@link TrainingHealthFunction}).
     *
     * @param enabled            whether the job watches its trained models
     * @param stallSeconds       no batch for this long after training started: stalled
     * @param noVersionSeconds   no new version for this long: stale
     * @param keepFiringSeconds  an alert keeps firing this long after its condition last held
     */
    public record Health(boolean enabled, long stallSeconds, long noVersionSeconds, long keepFiringSeconds)
            implements Serializable {
        public static final Health OFF = new Health(false, 300, 3600, 600);
    }

    public OpsJob {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(series, "series");
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(alerts, "alerts");
        Objects.requireNonNull(health, "health");
        if (idleTimeoutMs <= 0) {
            throw new IllegalArgumentException("series.idle_timeout_ms must be > 0, got " + idleTimeoutMs);
        }
    }

    /** Whether the job has a series path at all (at least one ops model). */
    public boolean enabled() {
        return !models.isEmpty();
    }

    /** Whether the job writes the alerts topic (ops models or training health). */
    public boolean writesAlerts() {
        return enabled() || health.enabled();
    }

    /** The three topics, input first. */
    public List<String> topics() {
        return List.of(series, scores, alerts);
    }
}

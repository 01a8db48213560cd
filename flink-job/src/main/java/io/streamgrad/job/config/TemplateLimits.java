package io.streamgrad.job.config;

import java.io.Serializable;

/**
 * How many models {@code unknown_models: template} may create, when, and for how long (the {@code template_models:}
 * keys, each declared in {@link JobOptions}). Enforced by the mini-batcher; see docs/STREAMING.md, "Models created from
 * the template".
 *
 * @param maxModels     models created from the template that may be live at once, per job. Each of the
 *                      mini-batcher's {@code parallelism} subtasks admits at most {@link #perSubtask(int, int)
 *                      ceil(maxModels / parallelism)}, so the job total is at most that times the parallelism
 * @param maxPending    ids not yet admitted whose examples are being counted, per job (split the same way)
 * @param minExamples   examples of an unlisted id seen, within {@code idleTimeoutMs} of each other, before its model
 *                      is created; the ones before are dead-lettered
 * @param idleTimeoutMs processing time without an example after which a template model is removed (its last
 *                      snapshot published, its keyed state and timers cleared) and a pending id is forgotten
 * @param retiredVersionTtlMs how long the trainer keeps an expired model's last published version (state TTL, in
 *                      processing time): a returning id within it continues its version numbering above it
 */
public record TemplateLimits(
        int maxModels, int maxPending, int minExamples, long idleTimeoutMs, long retiredVersionTtlMs)
        implements Serializable {
    public TemplateLimits {
        if (maxModels < 1 || maxPending < 0 || minExamples < 1 || idleTimeoutMs < 1 || retiredVersionTtlMs < 1) {
            throw new IllegalArgumentException("template limits out of range: " + maxModels + ", " + maxPending + ", "
                    + minExamples + ", " + idleTimeoutMs + ", " + retiredVersionTtlMs);
        }
    }

    /** With the default {@code retired_version_ttl_ms}. */
    public TemplateLimits(int maxModels, int maxPending, int minExamples, long idleTimeoutMs) {
        this(
                maxModels,
                maxPending,
                minExamples,
                idleTimeoutMs,
                JobOptions.TEMPLATE_RETIRED_VERSION_TTL_MS.defaultValue());
    }

    /** The defaults of {@link JobOptions}. */
    public static TemplateLimits defaults() {
        return new TemplateLimits(
                JobOptions.TEMPLATE_MAX_MODELS.defaultValue(),
                JobOptions.TEMPLATE_MAX_PENDING.defaultValue(),
                JobOptions.TEMPLATE_MIN_EXAMPLES.defaultValue(),
                JobOptions.TEMPLATE_IDLE_TIMEOUT_MS.defaultValue(),
                JobOptions.TEMPLATE_RETIRED_VERSION_TTL_MS.defaultValue());
    }

    /** A job-wide limit split across {@code parallelism} subtasks: {@code ceil(limit / parallelism)}. */
    public static int perSubtask(int limit, int parallelism) {
        return (int) ((limit + (long) parallelism - 1) / parallelism);
    }
}

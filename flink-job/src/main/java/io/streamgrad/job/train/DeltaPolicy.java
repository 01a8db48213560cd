package io.streamgrad.job.train;

import io.streamgrad.job.config.JobConfig;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a model's published version is a delta or a full snapshot ({@code deltas:}), and the bookkeeping that makes
 * a delta exact, without Flink: the state is the model's {@link DeltaTracking}, the time is passed in.
 *
 * <p>Eligible models are those whose steps touch a subset of the parameters: {@code sparse_updates: true} with a
 * linear, logistic, softmax or fm model. Each accepted lazy step adds its changed coordinates
 * ({@link Trainer#changedIndices()}) to the dirty set: O(touched) per batch, the set compacted (sorted, repeats
 * dropped) when its buffer fills, so amortised O(touched log touched), never O(model size). A version is full when
 * it is the model's first since its tracking began (new, warm-started, tracking lost), after anything that may have
 * changed parameters outside the set (a rollback, a dense update, updates made while tracking was off), when the set
 * holds more than a quarter of the parameters (a delta of 8 bytes per row would no longer be much smaller than the
 * full snapshot), every {@code full_every_versions} versions and at most {@code full_every_seconds} after the last
 * full one; otherwise it is a delta based on the version before.
 *
 * <p>Serializable: it holds only the options and travels with the operator in the job graph.
 */
final class DeltaPolicy implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** Model kinds whose lazy updates touch only the rows of the features present in a batch. */
    static final Set<ModelKind> ELIGIBLE_KINDS =
            EnumSet.of(ModelKind.LINEAR, ModelKind.LOGISTIC, ModelKind.SOFTMAX, ModelKind.FM);

    private final JobConfig.Deltas options;

    DeltaPolicy(JobConfig.Deltas options) {
        this.options = options;
    }

    /** Whether the model's versions may be deltas at all (the policy ignores the others: they publish full). */
    boolean tracks(TrainerConfig c) {
        return options.enabled() && eligible(c);
    }

    static boolean eligible(TrainerConfig c) {
        return c.sparseUpdates() && ELIGIBLE_KINDS.contains(c.model().type());
    }

    /** Why a model publishes full versions only although deltas are enabled (for a log line), or null. */
    String whyFullOnly(TrainerConfig c) {
        if (!options.enabled() || eligible(c)) {
            return null;
        }
        return c.sparseUpdates()
                ? "its model type " + c.model().type().name().toLowerCase(java.util.Locale.ROOT)
                        + " updates all parameters in every step (a delta would be the whole model)"
                : "sparse_updates is false (every step updates all parameters)";
    }

    boolean fullCopies() {
        return options.fullCopies();
    }

    /**
     * Before a batch trains: if updates happened since the set was last brought up to date (the model trained while
     * its tracking was off or lost), the next version must be full.
     */
    void beforeBatch(DeltaTracking t, long step, long skippedBatches) {
        if (t.trackedStep != step || t.trackedSkipped != skippedBatches) {
            forceFull(t);
        }
    }

    /** After the batch trained: its changed coordinates join the dirty set. */
    void afterBatch(DeltaTracking t, Trainer trainer, long step, long skippedBatches, int numParams) {
        t.trackedStep = step;
        t.trackedSkipped = skippedBatches;
        if (t.fullNext) {
            return; // the next version is full anyway: nothing to track
        }
        if (trainer.changedAll()) {
            forceFull(t);
            return;
        }
        int c = trainer.changedCount();
        if (c == 0) {
            return;
        }
        if (t.dirtyCount + c > t.dirty.length) {
            compact(t);
            if (t.dirtyCount > numParams / 4) {
                forceFull(t);
                return;
            }
            if (t.dirtyCount + c > t.dirty.length) {
                int grown = Math.max(Math.max(1024, 2 * t.dirty.length), t.dirtyCount + c);
                t.dirty = Arrays.copyOf(t.dirty, grown);
            }
        }
        System.arraycopy(trainer.changedIndices(), 0, t.dirty, t.dirtyCount, c);
        t.dirtyCount += c;
    }

    /** Whether {@code version}, about to be published at {@code nowMs}, is a delta (else full). */
    boolean isDelta(DeltaTracking t, long version, long nowMs, boolean forceFull) {
        if (forceFull || t.fullNext || t.fullVersion == 0 || t.lastVersion != version - 1) {
            return false;
        }
        if (options.fullEveryVersions() > 0 && version - t.fullVersion >= options.fullEveryVersions()) {
            return false;
        }
        return nowMs - t.fullAtMs < options.fullEverySeconds() * 1000;
    }

    /** Records a published full version; the dirty set starts empty. */
    void publishedFull(DeltaTracking t, long version, long nowMs) {
        t.lastVersion = version;
        t.fullVersion = version;
        t.fullAtMs = nowMs;
        t.fullNext = false;
        t.dirtyCount = 0;
        if (t.dirty.length > 4096) {
            t.dirty = new int[0]; // a full version after a large delta period: give the buffer back
        }
    }

    /**
     * Records a published delta; the dirty set starts empty.
     *
     * @return the processing time at which a full version is due if the model stays idle (a timer to set), or 0 when a
     *     timer for it is already pending
     */
    long publishedDelta(DeltaTracking t, long version) {
        t.lastVersion = version;
        t.dirtyCount = 0;
        if (t.fullTimerAt != 0) {
            return 0;
        }
        t.fullTimerAt = fullDueAt(t);
        return t.fullTimerAt;
    }

    /** When a full version is due at the latest: {@code full_every_seconds} after the last one. */
    long fullDueAt(DeltaTracking t) {
        return t.fullAtMs + options.fullEverySeconds() * 1000;
    }

    /** Whether the newest published version is a delta (a reader needs the deltas after the last full version). */
    static boolean newestIsDelta(DeltaTracking t) {
        return t.lastVersion > t.fullVersion;
    }

    /** The dirty set, sorted and without repeats ({@link #compact}); for the delta and for tests. */
    static void compact(DeltaTracking t) {
        t.dirtyCount = ParameterDelta.sortUnique(t.dirty, t.dirtyCount);
    }

    private static void forceFull(DeltaTracking t) {
        t.fullNext = true;
        t.dirtyCount = 0;
        t.dirty = new int[0];
    }
}

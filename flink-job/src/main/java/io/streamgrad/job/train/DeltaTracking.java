package io.streamgrad.job.train;

/**
 * One model's checkpointed delta bookkeeping (keyed state {@code deltaTracking}, owned by {@link ModelStateStore}):
 * the parameter indices changed since its newest published version, and where its newest full version is. Because
 * it is checkpointed with the parameters, a job restored from a checkpoint publishes the same deltas again. Read and
 * updated by {@link DeltaPolicy}. A Flink POJO (no Kryo); new fields must keep a default that means "publish full".
 */
public class DeltaTracking {
    /** The newest published version (full or delta), 0 before the first: a delta must be based on it. */
    public long lastVersion;
    /** The newest full version published, 0 before the first. */
    public long fullVersion;
    /** Processing time (ms) of that full version. */
    public long fullAtMs;
    /**
     * The next version must be full: the dirty set does not describe every change since {@link #lastVersion} (a new,
     * warm-started or restored model without tracking, a rollback or a dense update, untracked updates, or more
     * changed rows than a delta is worth).
     */
    public boolean fullNext = true;
    /** {@code step} and {@code skippedBatches} when the dirty set was last brought up to date. */
    public long trackedStep;

    public long trackedSkipped;
    /**
     * The parameter indices changed since {@link #lastVersion}: the first {@link #dirtyCount} entries, in no order,
     * with repeats until {@link DeltaPolicy} compacts them.
     */
    public int[] dirty = new int[0];

    public int dirtyCount;
    /** The pending processing-time timer that publishes a full version of an idle model, 0 when none. */
    public long fullTimerAt;

    public DeltaTracking() {}
}

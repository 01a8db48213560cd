package io.streamgrad.job.train;

/**
 * One model's divergence-guard state, checkpointed in its own keyed {@code ValueState} (a Flink POJO, no Kryo):
 * the {@link io.streamgrad.learner.train.ModelState} guard fields the learner's rollback policy needs between
 * batches, and the bookkeeping of the alerts the trainer publishes.
 *
 * <p>Why a state of its own and not more fields in {@link TrainerProgress}: a savepoint taken before the guard
 * existed has no such state, so it restores as {@code null} and the defaults below apply (scale 1, no streak, no
 * rollback, no last-good copy) — with no reliance on POJO schema migration, which would restore {@link #lrScale}
 * as 0. The last-good parameters and optimizer state themselves are two {@code float[]} states of
 * {@link ModelStateStore} (they change only when a state is marked good).
 */
public class DivergenceGuard {
    /** The learning-rate scale in (0, 1]: 1 until a rollback backs it off. */
    public double lrScale = 1.0;
    /** Batches rejected in a row. */
    public int badStreak;
    /** Rollbacks so far. */
    public long rollbacks;
    /** Whether the last-good copy is held in the trainer's {@code lastGood*} states (policy on only). */
    public boolean hasLastGood;
    /** The step of the last-good copy (0 without one). */
    public long lastGoodStep;

    // alerts
    /** Rollbacks in the open metrics window. */
    public int windowRollbacks;
    /** What the last rollback in the open window did (the trainer's reason), or null. */
    public String windowRollback;
    /**
     * Whether the last published metrics window carried an alert. A rejection closes the open window at once
     * (a prompt alert) only when it did not, so a model that keeps rejecting publishes one alert per window, not
     * one per batch.
     */
    public boolean lastWindowAlerted;

    public DivergenceGuard() {}
}

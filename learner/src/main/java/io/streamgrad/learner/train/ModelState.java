package io.streamgrad.learner.train;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything a model needs to continue training exactly where it stopped: the parameters, the optimizer state
 * (moments, accumulators), the number of updates made (which is also the schedule position), the RNG position,
 * counters, and the divergence guard's state (learning-rate scale, consecutive rejected batches, rollbacks, and —
 * only when the rollback policy is on — a copy of the last state marked good). The caller owns it (the Flink job
 * keeps it in keyed state); {@link Trainer} mutates it in place. Serialised by
 * {@link io.streamgrad.learner.io.ModelStateCodec}.
 */
public final class ModelState {
    private final float[] params;
    private final float[] optimizerState;
    private long step;
    private long rngState;
    private long examplesSeen;
    private long skippedBatches;
    private double lrScale;
    private int badStreak;
    private long rollbacks;
    private float[] lastGoodParams;
    private float[] lastGoodOptimizerState;
    private long lastGoodStep;

    /** A state with the guard at its start: scale 1, no rejected batch in a row, no rollback, no last-good copy. */
    public ModelState(
            float[] params, float[] optimizerState, long step, long rngState, long examplesSeen, long skippedBatches) {
        this(params, optimizerState, step, rngState, examplesSeen, skippedBatches, 1.0, 0, 0, null, null, 0);
    }

    /**
     * A state with every field, as a checkpoint restores it.
     *
     * @param lrScale                the learning-rate scale in (0, 1] (multiplies the schedule's rate)
     * @param badStreak              consecutive rejected batches so far, >= 0
     * @param rollbacks              rollbacks made so far, >= 0
     * @param lastGoodParams         the parameters of the state last marked good, or null for none (then
     *                               {@code lastGoodOptimizerState} must be null too); held, not copied
     * @param lastGoodOptimizerState its optimizer state, or null
     * @param lastGoodStep           its step (ignored without a copy)
     * @throws IllegalArgumentException when a value is out of range or the copy's lengths differ from the state's
     */
    public ModelState(
            float[] params,
            float[] optimizerState,
            long step,
            long rngState,
            long examplesSeen,
            long skippedBatches,
            double lrScale,
            int badStreak,
            long rollbacks,
            float[] lastGoodParams,
            float[] lastGoodOptimizerState,
            long lastGoodStep) {
        this.params = Objects.requireNonNull(params, "params");
        this.optimizerState = Objects.requireNonNull(optimizerState, "optimizerState");
        if (!(lrScale > 0 && lrScale <= 1)) {
            throw new IllegalArgumentException("lrScale must be in (0, 1], got " + lrScale);
        }
        if (badStreak < 0 || rollbacks < 0) {
            throw new IllegalArgumentException(
                    "badStreak and rollbacks must be >= 0, got " + badStreak + " and " + rollbacks);
        }
        if ((lastGoodParams == null) != (lastGoodOptimizerState == null)) {
            throw new IllegalArgumentException(
                    "the last-good copy needs both parameters and optimizer state, or " + "neither");
        }
        if (lastGoodParams != null
                && (lastGoodParams.length != params.length || lastGoodOptimizerState.length != optimizerState.length)) {
            throw new IllegalArgumentException("the last-good copy has " + lastGoodParams.length + " parameters and "
                    + lastGoodOptimizerState.length + " optimizer floats, the state " + params.length + " and "
                    + optimizerState.length);
        }
        this.step = step;
        this.rngState = rngState;
        this.examplesSeen = examplesSeen;
        this.skippedBatches = skippedBatches;
        this.lrScale = lrScale;
        this.badStreak = badStreak;
        this.rollbacks = rollbacks;
        this.lastGoodParams = lastGoodParams;
        this.lastGoodOptimizerState = lastGoodOptimizerState;
        this.lastGoodStep = lastGoodParams == null ? 0 : lastGoodStep;
    }

    public float[] params() {
        return params;
    }

    public float[] optimizerState() {
        return optimizerState;
    }
    /** Updates made so far (also the schedule position); a rollback does not rewind it. */
    public long step() {
        return step;
    }

    public long rngState() {
        return rngState;
    }
    /** Examples in accepted batches (each trained once); a rollback does not rewind it. */
    public long examplesSeen() {
        return examplesSeen;
    }
    /** Batches rejected because their loss, gradient or update was not finite. */
    public long skippedBatches() {
        return skippedBatches;
    }
    /** The factor applied to the schedule's learning rate: 1 until a rollback backs it off. */
    public double lrScale() {
        return lrScale;
    }
    /** Batches rejected in a row since the last applied one (or the last rollback). */
    public int badStreak() {
        return badStreak;
    }
    /** Rollbacks to the last-good copy made so far. */
    public long rollbacks() {
        return rollbacks;
    }
    /** Whether a last-good copy is held (only with the rollback policy on, once something was marked good). */
    public boolean hasLastGood() {
        return lastGoodParams != null;
    }
    /** The parameters of the state last marked good, or null; {@link Trainer#markGood} overwrites it in place. */
    public float[] lastGoodParams() {
        return lastGoodParams;
    }
    /** The optimizer state of the state last marked good, or null. */
    public float[] lastGoodOptimizerState() {
        return lastGoodOptimizerState;
    }
    /** The step of the state last marked good (0 without a copy). */
    public long lastGoodStep() {
        return lastGoodStep;
    }

    void advance(int examples) {
        step++;
        examplesSeen += examples;
        badStreak = 0;
    }

    void skip() {
        skippedBatches++;
        badStreak++;
    }

    void setRngState(long rngState) {
        this.rngState = rngState;
    }

    /** Copies the parameters and optimizer state into the last-good copy (reusing its arrays). */
    void markGood() {
        if (lastGoodParams == null) {
            lastGoodParams = new float[params.length];
            lastGoodOptimizerState = new float[optimizerState.length];
        }
        System.arraycopy(params, 0, lastGoodParams, 0, params.length);
        System.arraycopy(optimizerState, 0, lastGoodOptimizerState, 0, optimizerState.length);
        lastGoodStep = step;
    }

    void dropLastGood() {
        lastGoodParams = null;
        lastGoodOptimizerState = null;
        lastGoodStep = 0;
    }

    /**
     * Restores the parameters and optimizer state from the last-good copy (when there is one), sets the new scale,
     * counts the rollback and clears the streak. Step, examples and the RNG position go on: they count what
     * happened, and the schedule continues from the current step.
     *
     * @return whether parameters were restored (false without a copy: only the scale changed)
     */
    boolean rollBack(double newLrScale) {
        boolean restored = lastGoodParams != null;
        if (restored) {
            System.arraycopy(lastGoodParams, 0, params, 0, params.length);
            System.arraycopy(lastGoodOptimizerState, 0, optimizerState, 0, optimizerState.length);
        }
        lrScale = newLrScale;
        badStreak = 0;
        rollbacks++;
        return restored;
    }

    /** A deep copy. */
    public ModelState copy() {
        return new ModelState(
                params.clone(),
                optimizerState.clone(),
                step,
                rngState,
                examplesSeen,
                skippedBatches,
                lrScale,
                badStreak,
                rollbacks,
                lastGoodParams == null ? null : lastGoodParams.clone(),
                lastGoodOptimizerState == null ? null : lastGoodOptimizerState.clone(),
                lastGoodStep);
    }

    /**
     * This state without its last-good copy, sharing the parameter and optimizer arrays (not copied): what a
     * published snapshot carries. A consumer that resumes training from it marks it good itself.
     */
    public ModelState withoutLastGood() {
        return new ModelState(
                params,
                optimizerState,
                step,
                rngState,
                examplesSeen,
                skippedBatches,
                lrScale,
                badStreak,
                rollbacks,
                null,
                null,
                0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelState s
                && step == s.step
                && rngState == s.rngState
                && examplesSeen == s.examplesSeen
                && skippedBatches == s.skippedBatches
                && Double.doubleToLongBits(lrScale) == Double.doubleToLongBits(s.lrScale)
                && badStreak == s.badStreak
                && rollbacks == s.rollbacks
                && lastGoodStep == s.lastGoodStep
                && Arrays.equals(params, s.params)
                && Arrays.equals(optimizerState, s.optimizerState)
                && Arrays.equals(lastGoodParams, s.lastGoodParams)
                && Arrays.equals(lastGoodOptimizerState, s.lastGoodOptimizerState);
    }

    @Override
    public int hashCode() {
        return Objects.hash(step, rngState, examplesSeen, Arrays.hashCode(params));
    }

    @Override
    public String toString() {
        return "ModelState{params=" + params.length + ", optimizerState=" + optimizerState.length + ", step=" + step
                + ", examplesSeen=" + examplesSeen + ", skippedBatches=" + skippedBatches + ", lrScale=" + lrScale
                + ", badStreak=" + badStreak + ", rollbacks=" + rollbacks
                + (lastGoodParams == null ? "" : ", lastGoodStep=" + lastGoodStep) + '}';
    }
}

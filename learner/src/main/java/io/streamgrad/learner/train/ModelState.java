package io.streamgrad.learner.train;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything a model needs to continue training exactly where it stopped: the parameters, the optimizer state
 * (moments, accumulators), the number of updates made (which is also the schedule position), the RNG position,
 * and counters. The caller owns it (the Flink job keeps it in keyed state); {@link Trainer} mutates it in place.
 * Serialised by {@link io.streamgrad.learner.io.ModelStateCodec}.
 */
public final class ModelState {
    private final float[] params;
    private final float[] optimizerState;
    private long step;
    private long rngState;
    private long examplesSeen;
    private long skippedBatches;

    public ModelState(float[] params, float[] optimizerState, long step, long rngState, long examplesSeen,
                      long skippedBatches) {
        this.params = Objects.requireNonNull(params, "params");
        this.optimizerState = Objects.requireNonNull(optimizerState, "optimizerState");
        this.step = step;
        this.rngState = rngState;
        this.examplesSeen = examplesSeen;
        this.skippedBatches = skippedBatches;
    }

    public float[] params() { return params; }
    public float[] optimizerState() { return optimizerState; }
    /** Updates made so far (also the schedule position). */
    public long step() { return step; }
    public long rngState() { return rngState; }
    /** Examples in accepted batches (each trained once). */
    public long examplesSeen() { return examplesSeen; }
    /** Batches rejected because their loss, gradient or update was not finite. */
    public long skippedBatches() { return skippedBatches; }

    void advance(int examples) {
        step++;
        examplesSeen += examples;
    }

    void skip() {
        skippedBatches++;
    }

    void setRngState(long rngState) {
        this.rngState = rngState;
    }

    /** A deep copy. */
    public ModelState copy() {
        return new ModelState(params.clone(), optimizerState.clone(), step, rngState, examplesSeen, skippedBatches);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelState s && step == s.step && rngState == s.rngState
                && examplesSeen == s.examplesSeen && skippedBatches == s.skippedBatches
                && Arrays.equals(params, s.params) && Arrays.equals(optimizerState, s.optimizerState);
    }

    @Override
    public int hashCode() {
        return Objects.hash(step, rngState, examplesSeen, Arrays.hashCode(params));
    }

    @Override
    public String toString() {
        return "ModelState{params=" + params.length + ", optimizerState=" + optimizerState.length + ", step=" + step
                + ", examplesSeen=" + examplesSeen + ", skippedBatches=" + skippedBatches + '}';
    }
}

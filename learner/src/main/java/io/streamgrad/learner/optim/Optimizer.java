package io.streamgrad.learner.optim;

/**
 * An SGD-family update rule: an immutable, validated config. The state it needs (moments, accumulators) lives in
 * a {@code float[]} the caller owns and checkpoints, {@link #stateSize(int)} floats long, laid out as
 * consecutive blocks of {@code n} (for example Adam: {@code m[0..n) v[n..2n)}).
 *
 * <p>The step number {@code t} is 1-based (the number of updates including this one); {@code lr} is the
 * learning rate the schedule gives for this step.
 */
public interface Optimizer {
    /** The config name (sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, ftrl). */
    String name();

    /** Floats of state for {@code numParams} parameters. */
    int stateSize(int numParams);

    /** Fills a fresh state (zeros for most rules; Adagrad's initial accumulator, for instance). */
    void initState(float[] state, int numParams);

    /**
     * The dense update: the published rule applied to every coordinate {@code 0..params.length}.
     */
    void step(float[] params, float[] grads, float[] state, long t, double lr);

    /**
     * The lazy update: the same rule applied only to the listed coordinates ({@code idx[0..count)}, distinct),
     * with the compact gradient {@code grads[k]} of coordinate {@code idx[k]}; the others, their state included,
     * stay as they are. Differs from {@link #step} wherever a rule changes a coordinate whose gradient is zero
     * (momentum carrying on, Adam's moments decaying, weight decay). Per coordinate the arithmetic is
     * {@link #step}'s, bit for bit.
     */
    void stepSparse(float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count);

    /**
     * {@link #stepSparse}, applied only if every parameter and state value it writes is finite, checked before
     * anything is written (as {@link #stepIfFinite} for the dense step): on {@link #APPLIED} the arrays hold
     * exactly what {@link #stepSparse} would have left; otherwise they are unchanged. Optional: the default
     * returns {@link #UNSUPPORTED}.
     */
    default int stepSparseIfFinite(
            float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count) {
        return UNSUPPORTED;
    }

    /** {@link #stepIfFinite}: the update was applied. */
    int APPLIED = 0;
    /** {@link #stepIfFinite}: a parameter would have become non-finite; nothing was changed. */
    int PARAMS_NOT_FINITE = 1;
    /** {@link #stepIfFinite}: an optimizer-state value would have become non-finite; nothing was changed. */
    int STATE_NOT_FINITE = 2;
    /** {@link #stepIfFinite}: this optimizer has no checked step; nothing was changed (use {@link #step}). */
    int UNSUPPORTED = -1;

    /**
     * The dense {@link #step}, applied only if every parameter and state value it writes is finite, which is
     * checked before anything is written: a rejected update needs no copy to undo. On {@link #APPLIED} the
     * arrays hold exactly what {@link #step} would have left (bit for bit); otherwise they are unchanged and the
     * code says what would have become non-finite (parameters are reported first). Optional: the default
     * returns {@link #UNSUPPORTED}, and the caller then runs {@link #step} with its own copy and check.
     */
    default int stepIfFinite(float[] params, float[] grads, float[] state, long t, double lr) {
        return UNSUPPORTED;
    }
}

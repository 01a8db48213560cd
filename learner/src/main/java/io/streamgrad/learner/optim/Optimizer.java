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
     * The lazy update: the same rule applied only to the listed coordinates ({@code idx[0..count)}); the others,
     * their state included, stay as they are. Differs from {@link #step} wherever a rule changes a coordinate
     * whose gradient is zero (momentum carrying on, Adam's moments decaying, weight decay).
     */
    void stepSparse(float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count);
}

package io.streamgrad.learner.model;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.util.Rng;

/**
 * A differentiable model over a flat parameter vector the caller owns.
 *
 * <p>A {@code Model} instance is the architecture plus scratch buffers (activations kept between
 * {@link #forward} and {@link #backward}); it holds no parameters and is not thread-safe. One training step is
 * {@code forward -> loss.lossAndGradient -> backward -> optimizer.step}.
 */
public interface Model {
    ModelSpec spec();

    /** Length of the flat parameter vector. */
    int numParams();

    /** Width of one raw output row (1 for regression/binary, k for k classes). */
    int numOutputs();

    /** Writes initial parameters: biases zero, weights as {@code spec().init()} says, drawing from {@code rng}. */
    void initParams(float[] params, Rng rng);

    /**
     * Raw outputs (pre-link: the regression value, the logit, or the k class logits) of every example, row-major
     * {@code batch.size() x numOutputs()} into {@code rawOut}. Keeps what {@link #backward} needs.
     */
    void forward(float[] params, Batch batch, float[] rawOut);

    /**
     * Adds the gradient of the loss with respect to the parameters into {@code grad}, given
     * {@code dRaw} = dLoss/dRawOutput (row-major, as from the last {@link #forward} on the same batch and params).
     * {@code grad} must hold zeros wherever this call writes. When {@code touched} is non-null, every parameter
     * index whose gradient this call may have made non-zero is added to it (sparse updates); when null, the
     * whole vector is considered touched.
     */
    void backward(float[] params, Batch batch, float[] dRaw, float[] grad, TouchedSet touched);

    /**
     * The whole gradient, written into {@code grad} (every element overwritten): the same values as zeroing
     * {@code grad} and calling {@link #backward} with no touched set. A model that can write it directly (the MLP:
     * its weight-gradient products then overwrite instead of accumulate, and the zeroed vector is not copied in)
     * overrides this.
     */
    default void gradient(float[] params, Batch batch, float[] dRaw, float[] grad) {
        java.util.Arrays.fill(grad, 0f);
        backward(params, batch, dRaw, grad, null);
    }

    /**
     * The gradient of a lazy update in compact form, added into {@code out} (coordinate and value, see
     * {@link SparseGradient}): the same coordinates, in the same order, with the same values bit for bit as
     * {@link #backward} with a touched set gives. Optional: returns false without touching {@code out} where this
     * model or this batch has no compact path (the caller then uses {@link #backward} with a gradient vector and a
     * {@link TouchedSet}). Linear models over sparse batches have one: summing into a batch-sized table instead of
     * a model-sized vector saves a cache miss per non-zero on hashed inputs.
     */
    default boolean backwardSparse(float[] params, Batch batch, float[] dRaw, SparseGradient out) {
        return false;
    }

    /**
     * Whether parameter {@code i} is a bias (intercept). L1/L2 regularisation skips biases; decoupled weight
     * decay does not.
     */
    boolean isBias(int i);
}

package io.streamgrad.learner.loss;

/**
 * A loss on raw model outputs. The loss of a mini-batch is the mean over its examples of
 * {@code weight_i * loss_i} (Keras' "sum over batch size" convention: weights scale, the divisor stays n).
 *
 * <p>Classification losses take logits and apply their link inside, in a numerically stable form
 * (log-sum-exp), so {@code binary_cross_entropy} owns the sigmoid and {@code categorical_cross_entropy} the
 * softmax; {@link #link} turns raw outputs into predictions (value, probability, class probabilities).
 */
public interface Loss {
    /** The config name: mse | huber | binary_cross_entropy | categorical_cross_entropy. */
    String name();

    /**
     * Mean weighted loss of the batch; writes dLoss/dRaw (already divided by n, weights applied) into
     * {@code dRaw}. {@code raw} and {@code dRaw} are row-major {@code n x k}.
     */
    double lossAndGradient(float[] raw, float[] labels, float[] weights, int n, int k, float[] dRaw);

    /** The (unweighted) loss of example {@code i} alone, for metrics. */
    double exampleLoss(float[] raw, float[] labels, int i, int k);

    /** Predictions from raw outputs: identity (regression), sigmoid (binary), softmax (multi-class). */
    void link(float[] raw, int n, int k, float[] out);
}

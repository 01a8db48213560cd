package io.streamgrad.learner.optim;

/**
 * Adagrad (Duchi, Hazan &amp; Singer 2011, diagonal form), with the denominator term outside the square root as
 * in PyTorch:
 * <pre>
 *   G = G + g^2
 *   w = w - lr * g / (sqrt(G) + eps)
 * </pre>
 * State: {@code G[0..n)}, starting at {@code initialAccumulator} (TensorFlow's default 0.1; 0 gives PyTorch's
 * start). Computed in float32 with {@code lr} and {@code eps} rounded to float once per step, as
 * {@code w = w - g / (sqrt(G) + eps) * lr}; the dense loop is vectorised by C2. ({@code G} only grows, so it
 * needs no flush of subnormals.)
 *
 * <p>Lazy vs dense: none in effect. A zero gradient adds nothing to {@code G} and moves {@code w} by 0, so
 * {@link #stepSparse} over the coordinates with a non-zero gradient gives exactly the dense result; the lazy
 * form only skips the work.
 */
public final class Adagrad extends AbstractOptimizer {
    private final double learningRate;
    private final double initialAccumulator;
    private final double epsilon;

    /**
     * @param learningRate       the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param initialAccumulator {@code optimizer.initial_accumulator}, finite, {@code >= 0}
     * @param epsilon            {@code optimizer.epsilon}, finite, {@code > 0}
     */
    public Adagrad(double learningRate, double initialAccumulator, double epsilon) {
        super(OptimizerKind.ADAGRAD);
        this.learningRate = option(OptimizerOptions.LEARNING_RATE, learningRate);
        this.initialAccumulator = option(OptimizerOptions.INITIAL_ACCUMULATOR, initialAccumulator);
        this.epsilon = option(OptimizerOptions.EPSILON, epsilon);
    }

    public double learningRate() {
        return learningRate;
    }

    public double initialAccumulator() {
        return initialAccumulator;
    }

    public double epsilon() {
        return epsilon;
    }

    /** The accumulator starts at {@code initialAccumulator}. */
    @Override
    protected float initValue() {
        return (float) initialAccumulator;
    }

    @Override
    protected void update(float[] params, float[] grads, float[] state, int n, long t, double lr) {
        apply(params, grads, state, lr, null, n);
    }

    @Override
    protected void updateSparse(
            float[] params, float[] grads, float[] state, int n, long t, double lr, int[] idx, int count) {
        apply(params, grads, state, lr, idx, count);
    }

    /** Both paths evaluate the same float expression per coordinate. */
    private void apply(float[] w, float[] g, float[] acc, double lr, int[] idx, int count) {
        float eps = (float) epsilon;
        float rate = (float) lr;
        if (idx == null) {
            dense(w, g, acc, count, eps, rate);
            return;
        }
        for (int k = 0; k < count; k++) {
            int i = idx[k];
            float gi = g[k]; // the compact gradient of idx[k]
            float G = acc[i] + gi * gi;
            acc[i] = G;
            w[i] = w[i] - gi / ((float) Math.sqrt(G) + eps) * rate;
        }
    }

    /** Three arrays, one index, nothing else in the body: C2 vectorises it. */
    private static void dense(float[] w, float[] g, float[] acc, int n, float eps, float rate) {
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float G = acc[i] + gi * gi;
            acc[i] = G;
            w[i] = w[i] - gi / ((float) Math.sqrt(G) + eps) * rate;
        }
    }
}

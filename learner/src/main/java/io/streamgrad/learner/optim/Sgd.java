package io.streamgrad.learner.optim;

/**
 * Plain stochastic gradient descent (Robbins &amp; Monro 1951): {@code w -= lr * g}. No state.
 *
 * <p>Lazy vs dense: none. A zero gradient leaves {@code w} unchanged, so {@link #stepSparse} over the
 * coordinates with a non-zero gradient gives exactly the dense result.
 */
public final class Sgd extends AbstractOptimizer {
    private final double learningRate;

    /** @param learningRate the base rate ({@code optimizer.learning_rate}), finite, {@code > 0} */
    public Sgd(double learningRate) {
        super(OptimizerKind.SGD);
        this.learningRate = option(OptimizerOptions.LEARNING_RATE, learningRate);
    }

    public double learningRate() {
        return learningRate;
    }

    @Override
    protected void update(float[] params, float[] grads, float[] state, int n, long t, double lr) {
        for (int i = 0; i < n; i++) {
            params[i] = (float) (params[i] - lr * grads[i]);
        }
    }

    @Override
    protected void updateSparse(
            float[] params, float[] grads, float[] state, int n, long t, double lr, int[] idx, int count) {
        for (int k = 0; k < count; k++) {
            int i = idx[k];
            params[i] = (float) (params[i] - lr * grads[k]);
        }
    }

    /** New weights into a compact buffer, written back only if all are finite (SGD has no state to check). */
    @Override
    public int stepSparseIfFinite(
            float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count) {
        checkShapes(params, grads, state, t, idx, count);
        float[] next = Scratch.floats(count);
        float mark = 0f;
        for (int k = 0; k < count; k++) {
            float w = (float) (params[idx[k]] - lr * grads[k]);
            next[k] = w;
            mark += w * 0f; // 0 while finite, NaN from the first infinity or NaN on
        }
        if (mark != 0f) {
            return PARAMS_NOT_FINITE;
        }
        for (int k = 0; k < count; k++) {
            params[idx[k]] = next[k];
        }
        return APPLIED;
    }
}

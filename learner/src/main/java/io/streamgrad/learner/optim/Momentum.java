package io.streamgrad.learner.optim;

/**
 * Heavy-ball momentum (Polyak 1964), in the form PyTorch's {@code SGD(momentum=mu)} uses (no dampening):
 * <pre>
 *   v = mu * v + g
 *   w = w - lr * v
 * </pre>
 * State: {@code v[0..n)}, starting at 0. Computed in float32 with {@code mu} and {@code lr} rounded to float once
 * per step, and {@code v} flushed ({@link Subnormals}: a velocity decaying by {@code mu} would otherwise sink into
 * the subnormal range and stay there, which x86 CPUs run through a slow microcode assist); the dense loop is
 * vectorised by C2.
 *
 * <p>Lazy vs dense: the dense step keeps moving a coordinate whose gradient is zero (its velocity decays by
 * {@code mu} and still moves {@code w}); {@link #stepSparse} freezes such a coordinate and its velocity until it
 * next appears in a batch, when it resumes from the velocity it had then.
 */
public final class Momentum extends AbstractOptimizer {
    private final double learningRate;
    private final double momentum;

    /**
     * @param learningRate the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param momentum     {@code optimizer.momentum}, mu in {@code [0, 1)}
     */
    public Momentum(double learningRate, double momentum) {
        super(OptimizerKind.MOMENTUM);
        this.learningRate = option(OptimizerOptions.LEARNING_RATE, learningRate);
        this.momentum = option(OptimizerOptions.MOMENTUM, momentum);
    }

    public double learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
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
    private void apply(float[] w, float[] g, float[] v, double lr, int[] idx, int count) {
        float mu = (float) momentum;
        float rate = (float) lr;
        if (idx == null) {
            dense(w, g, v, count, mu, rate);
            return;
        }
        for (int k = 0; k < count; k++) {
            int i = idx[k];
            float vi = Subnormals.flush(mu * v[i] + g[k]); // g[k]: the compact gradient of idx[k]
            v[i] = vi;
            w[i] = w[i] - rate * vi;
        }
    }

    /** Three arrays, one index, nothing else in the body: C2 vectorises it. */
    private static void dense(float[] w, float[] g, float[] v, int n, float mu, float rate) {
        for (int i = 0; i < n; i++) {
            float vi = Subnormals.flush(mu * v[i] + g[i]);
            v[i] = vi;
            w[i] = w[i] - rate * vi;
        }
    }
}

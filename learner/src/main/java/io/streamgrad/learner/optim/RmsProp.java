package io.streamgrad.learner.optim;

/**
 * RMSprop (Hinton, Srivastava &amp; Swersky, Neural Networks for Machine Learning, lecture 6e, 2012), in
 * PyTorch's form with {@code eps} outside the square root (no momentum, not centred):
 * <pre>
 *   s = rho * s + (1 - rho) * g^2
 *   w = w - lr * g / (sqrt(s) + eps)
 * </pre>
 * State: {@code s[0..n)}, starting at 0. Computed in float32 with {@code rho}, {@code lr} and {@code eps} rounded
 * to float once per step, as {@code w = w - g / (sqrt(s) + eps) * lr}, and {@code s} flushed ({@link Subnormals}:
 * an {@code s} decaying by {@code rho} would otherwise sink into the subnormal range and stay there, which x86
 * CPUs run through a slow microcode assist); the dense loop is vectorised by C2.
 *
 * <p>Lazy vs dense: the dense step decays {@code s} of a coordinate whose gradient is zero (its {@code w}
 * stays, since the numerator is 0); {@link #stepSparse} leaves that {@code s} undecayed, so when the
 * coordinate reappears its step is smaller than the dense rule's would be.
 */
public final class RmsProp extends AbstractOptimizer {
    private final double learningRate;
    private final double rho;
    private final double epsilon;

    /**
     * @param learningRate the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param rho          {@code optimizer.rho}, in {@code [0, 1)}
     * @param epsilon      {@code optimizer.epsilon}, finite, {@code > 0}
     */
    public RmsProp(double learningRate, double rho, double epsilon) {
        super(OptimizerKind.RMSPROP);
        this.learningRate = option(OptimizerOptions.LEARNING_RATE, learningRate);
        this.rho = option(OptimizerOptions.RHO, rho);
        this.epsilon = option(OptimizerOptions.EPSILON, epsilon);
    }

    public double learningRate() {
        return learningRate;
    }

    public double rho() {
        return rho;
    }

    public double epsilon() {
        return epsilon;
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
    private void apply(float[] w, float[] g, float[] sq, double lr, int[] idx, int count) {
        float r = (float) rho;
        float oneMinusR = (float) (1.0 - rho);
        float eps = (float) epsilon;
        float rate = (float) lr;
        if (idx == null) {
            dense(w, g, sq, count, r, oneMinusR, eps, rate);
            return;
        }
        for (int k = 0; k < count; k++) {
            int i = idx[k];
            float gi = g[k]; // the compact gradient of idx[k]
            float s = Subnormals.flush(r * sq[i] + oneMinusR * gi * gi);
            sq[i] = s;
            w[i] = w[i] - gi / ((float) Math.sqrt(s) + eps) * rate;
        }
    }

    /** Three arrays, one index, nothing else in the body: C2 vectorises it. */
    private static void dense(
            float[] w, float[] g, float[] sq, int n, float r, float oneMinusR, float eps, float rate) {
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float s = Subnormals.flush(r * sq[i] + oneMinusR * gi * gi);
            sq[i] = s;
            w[i] = w[i] - gi / ((float) Math.sqrt(s) + eps) * rate;
        }
    }
}

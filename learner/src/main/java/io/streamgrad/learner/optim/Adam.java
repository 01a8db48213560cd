package io.streamgrad.learner.optim;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1), with {@code t} the 1-based step number:
 * <pre>
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   mHat = m / (1 - beta1^t)
 *   vHat = v / (1 - beta2^t)
 *   w = w - lr * mHat / (sqrt(vHat) + eps)
 * </pre>
 * State: {@code m[0..n)} then {@code v[n..2n)}, both starting at 0. Computed in float32 (as PyTorch's Adam on
 * float tensors), with the per-step constants in double; the exact expression is in {@code AdamKernel}. Moments
 * below 4.8e-35 in magnitude are flushed to zero (they would otherwise sink into the subnormal range, which costs
 * x86 CPUs a microcode assist per instruction; {@code AdamKernel} shows the effect on the parameters is nil).
 *
 * <p>Lazy vs dense: the dense step decays {@code m} and {@code v} of a coordinate whose gradient is zero and
 * keeps moving its {@code w} (by {@code lr*mHat/(sqrt(vHat)+eps)} with the decayed moments). {@link #stepSparse}
 * leaves such a coordinate and both its moments untouched, while the bias correction still uses the global
 * {@code t} (as TensorFlow's {@code LazyAdam} does), not a per-coordinate count.
 */
public final class Adam extends AbstractOptimizer {
    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    /**
     * @param learningRate the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param beta1        {@code optimizer.beta1}, in {@code [0, 1)}
     * @param beta2        {@code optimizer.beta2}, in {@code [0, 1)}
     * @param epsilon      {@code optimizer.epsilon}, finite, {@code > 0}
     */
    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        super(OptimizerKind.ADAM);
        this.learningRate = option(OptimizerOptions.LEARNING_RATE, learningRate);
        this.beta1 = option(OptimizerOptions.BETA1, beta1);
        this.beta2 = option(OptimizerOptions.BETA2, beta2);
        this.epsilon = option(OptimizerOptions.EPSILON, epsilon);
    }

    public double learningRate() {
        return learningRate;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    protected void update(float[] params, float[] grads, float[] state, int n, long t, double lr) {
        AdamKernel.apply(params, grads, state, n, t, lr, beta1, beta2, epsilon, 1.0, null, n);
    }

    @Override
    public int stepIfFinite(float[] params, float[] grads, float[] state, long t, double lr) {
        int n = checkShapes(params, grads, state, t);
        return AdamKernel.applyIfFinite(params, grads, state, n, t, lr, beta1, beta2, epsilon, 1.0);
    }

    @Override
    protected void updateSparse(
            float[] params, float[] grads, float[] state, int n, long t, double lr, int[] idx, int count) {
        AdamKernel.apply(params, grads, state, n, t, lr, beta1, beta2, epsilon, 1.0, idx, count);
    }
}

package io.streamgrad.learner.optim;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019), in PyTorch's default form where the
 * decay is scaled by the scheduled learning rate:
 * <pre>
 *   w = w * (1 - lr * weightDecay)
 *   then the {@link Adam} update of w with m, v, mHat, vHat as there
 * </pre>
 * The decay applies to EVERY parameter, biases included (PyTorch's default when all parameters are in one group);
 * exclude nothing silently. State: {@code m[0..n)} then {@code v[n..2n)}, both starting at 0.
 *
 * <p>Because of the decay, a zero gradient still shrinks {@code w} on every dense step (unless
 * {@code weightDecay == 0}, where AdamW is Adam).
 *
 * <p>Lazy vs dense: the dense step decays every weight and both moments of every coordinate, listed or not, and
 * moves {@code w} with the decayed moments. {@link #stepSparse} decays and updates only the listed coordinates
 * (a weight absent from the batch is not shrunk that step), with the global {@code t} in the bias correction as
 * TensorFlow's {@code LazyAdam} does.
 */
public final class AdamW extends AbstractOptimizer {
    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;

    /**
     * @param learningRate the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param beta1        {@code optimizer.beta1}, in {@code [0, 1)}
     * @param beta2        {@code optimizer.beta2}, in {@code [0, 1)}
     * @param epsilon      {@code optimizer.epsilon}, finite, {@code > 0}
     * @param weightDecay  {@code optimizer.weight_decay}, finite, in {@code [0, 1/learningRate)} so that the
     *                     factor {@code 1 - lr*wd} stays positive at the base rate
     */
    public AdamW(double learningRate, double beta1, double beta2, double epsilon, double weightDecay) {
        super(OptimizerKind.ADAMW);
        this.learningRate = option(OptimizerOptions.LEARNING_RATE, learningRate);
        this.beta1 = option(OptimizerOptions.BETA1, beta1);
        this.beta2 = option(OptimizerOptions.BETA2, beta2);
        this.epsilon = option(OptimizerOptions.EPSILON, epsilon);
        this.weightDecay = option(OptimizerOptions.WEIGHT_DECAY, weightDecay);
        if (learningRate * weightDecay >= 1) {
            throw new IllegalArgumentException(OptimizerOptions.WEIGHT_DECAY.path() + " must be < 1/"
                    + OptimizerOptions.LEARNING_RATE.path() + " = "
                    + (1 / learningRate) + " (the factor 1 - lr*weight_decay would flip or zero every weight), got "
                    + weightDecay);
        }
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

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    protected void update(float[] params, float[] grads, float[] state, int n, long t, double lr) {
        AdamKernel.apply(params, grads, state, n, t, lr, beta1, beta2, epsilon, 1.0 - lr * weightDecay, null, n);
    }

    @Override
    public int stepIfFinite(float[] params, float[] grads, float[] state, long t, double lr) {
        int n = checkShapes(params, grads, state, t);
        return AdamKernel.applyIfFinite(params, grads, state, n, t, lr, beta1, beta2, epsilon, 1.0 - lr * weightDecay);
    }

    @Override
    protected void updateSparse(
            float[] params, float[] grads, float[] state, int n, long t, double lr, int[] idx, int count) {
        AdamKernel.apply(params, grads, state, n, t, lr, beta1, beta2, epsilon, 1.0 - lr * weightDecay, idx, count);
    }
}

package io.streamgrad.learner.optim;

/**
 * RMSprop (Hinton, Srivastava &amp; Swersky, Neural Networks for Machine Learning, lecture 6e, 2012), in
 * PyTorch's form with {@code eps} outside the square root (no momentum, not centred):
 * <pre>
 *   s = rho * s + (1 - rho) * g^2
 *   w = w - lr * g / (sqrt(s) + eps)
 * </pre>
 * State: {@code s[0..n)}, starting at 0.
 *
 * <p>Lazy vs dense: the dense step decays {@code s} of a coordinate whose gradient is zero (its {@code w}
 * stays, since the numerator is 0); {@link #stepSparse} leaves that {@code s} undecayed, so when the
 * coordinate reappears its step is smaller than the dense rule's would be.
 */
public final class RmsProp implements Optimizer {
    private final double learningRate;
    private final double rho;
    private final double epsilon;

    /**
     * @param learningRate the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param rho          {@code optimizer.rho}, in {@code [0, 1)}
     * @param epsilon      {@code optimizer.epsilon}, finite, {@code > 0}
     */
    public RmsProp(double learningRate, double rho, double epsilon) {
        this.learningRate = Checks.positive(Checks.LEARNING_RATE, learningRate);
        this.rho = Checks.unitInterval(Checks.RHO, rho);
        this.epsilon = Checks.positive(Checks.EPSILON, epsilon);
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
    public String name() {
        return "rmsprop";
    }

    @Override
    public int stateSize(int numParams) {
        return Checks.blocks(name(), 1, numParams);
    }

    @Override
    public void initState(float[] state, int numParams) {
        Checks.fill(this, state, numParams, 0f);
    }

    @Override
    public void step(float[] params, float[] grads, float[] state, long t, double lr) {
        int n = Checks.shapes(this, params, grads, state, t);
        apply(params, grads, state, lr, null, n);
    }

    @Override
    public void stepSparse(float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count) {
        Checks.shapes(this, params, grads, state, t, idx, count);
        apply(params, grads, state, lr, idx, count);
    }

    /** One loop for both paths (idx == null: every coordinate), so lazy and dense share the arithmetic. */
    private void apply(float[] w, float[] g, float[] sq, double lr, int[] idx, int count) {
        double r = rho;
        double oneMinusR = 1.0 - rho;
        double eps = epsilon;
        for (int k = 0; k < count; k++) {
            int i = idx == null ? k : idx[k];
            double gi = g[k]; // dense: k == i; sparse: the compact gradient of idx[k]
            double s = r * sq[i] + oneMinusR * gi * gi;
            sq[i] = (float) s;
            w[i] = (float) (w[i] - lr * gi / (Math.sqrt(s) + eps));
        }
    }

    @Override
    public String toString() {
        return "RmsProp{learningRate=" + learningRate + ", rho=" + rho + ", epsilon=" + epsilon + '}';
    }
}

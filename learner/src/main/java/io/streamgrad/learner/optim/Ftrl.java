package io.streamgrad.learner.optim;

/**
 * FTRL-Proximal with per-coordinate learning rates (McMahan et al. 2013, "Ad Click Prediction: a View from the
 * Trenches", Algorithm 1), with {@code alpha} the scheduled learning rate, {@code beta = optimizer.ftrl_beta},
 * {@code lambda1 = regularization.l1}, {@code lambda2 = regularization.l2}. For each coordinate:
 * <pre>
 *   sigma = (sqrt(n + g^2) - sqrt(n)) / alpha
 *   z     = z + g - sigma * w
 *   n     = n + g^2
 *   w     = 0                                                          if |z| &lt;= lambda1
 *         = -(z - sign(z) * lambda1) / ((beta + sqrt(n)) / alpha + lambda2)   otherwise
 * </pre>
 * State: {@code z[0..n)} then {@code n[n..2n)}, both starting at 0. Each coordinate is computed in double;
 * the new {@code n} is rounded to its stored float before its square root is taken, so {@code w} is a pure
 * function of the stored {@code (z, n)} and the sigmas telescope over the stored values. The L1/L2 penalties are the optimizer's own
 * (the trainer does not add them to the gradient for ftrl); L1 gives exact zeros.
 *
 * <p><b>The weights are a function of (z, n)</b> (and alpha): every update overwrites {@code w} with the
 * closed form above, so parameters that were not produced by this rule are not kept. In particular, initial
 * parameters are ignored: on fresh state the first dense step sets every coordinate whose gradient is zero to
 * 0, as Algorithm 1's {@code w_1 = 0}. Start FTRL models from zero parameters. The {@code sigma * w} term uses
 * the {@code w} the gradient was computed at (the model's current parameters), which is Algorithm 1's
 * {@code w_t,i}.
 *
 * <p>Algorithm 1 assumes a fixed alpha; with a decaying schedule the closed form is evaluated with the current
 * alpha, so a dense step also rescales the weights of coordinates whose gradient is zero.
 *
 * <p>Lazy vs dense: the dense step recomputes {@code w} of a zero-gradient coordinate from its unchanged
 * {@code (z, n)}, which equals, bit for bit, the value left by its last update as long as alpha has not changed
 * since (and the weight was not clipped or initialised otherwise): {@code w} is computed from the stored float
 * {@code z} and {@code n}. {@link #stepSparse} does not touch it at all. Algorithm 1
 * itself is the lazy form: it only visits the features present in the example.
 */
public final class Ftrl implements Optimizer {
    private final double alpha;
    private final double beta;
    private final double l1;
    private final double l2;

    /**
     * @param alpha the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param beta  {@code optimizer.ftrl_beta}, finite, {@code >= 0} (1 is the paper's suggestion)
     * @param l1    {@code regularization.l1} (lambda1), finite, {@code >= 0}
     * @param l2    {@code regularization.l2} (lambda2), finite, {@code >= 0}
     */
    public Ftrl(double alpha, double beta, double l1, double l2) {
        this.alpha = Checks.positive(Checks.LEARNING_RATE, alpha);
        this.beta = Checks.nonNegative(Checks.FTRL_BETA, beta);
        this.l1 = Checks.nonNegative(Checks.L1, l1);
        this.l2 = Checks.nonNegative(Checks.L2, l2);
    }

    public double alpha() {
        return alpha;
    }

    public double beta() {
        return beta;
    }

    public double l1() {
        return l1;
    }

    public double l2() {
        return l2;
    }

    @Override
    public String name() {
        return "ftrl";
    }

    @Override
    public int stateSize(int numParams) {
        return Checks.blocks(name(), 2, numParams);
    }

    @Override
    public void initState(float[] state, int numParams) {
        Checks.fill(this, state, numParams, 0f);
    }

    @Override
    public void step(float[] params, float[] grads, float[] state, long t, double lr) {
        int n = Checks.shapes(this, params, grads, state, t);
        apply(params, grads, state, n, lr, null, n);
    }

    @Override
    public void stepSparse(float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count) {
        int n = Checks.shapes(this, params, grads, state, t, idx, count);
        apply(params, grads, state, n, lr, idx, count);
    }

    /** One loop for both paths (idx == null: every coordinate), so lazy and dense share the arithmetic. */
    private void apply(float[] w, float[] g, float[] s, int n, double a, int[] idx, int count) {
        double invAlpha = 1.0 / a;
        double lambda1 = l1;
        double lambda2 = l2;
        double b = beta;
        for (int k = 0; k < count; k++) {
            int i = idx == null ? k : idx[k];
            double gi = g[i];
            double nOld = s[n + i];
            // n is rounded to its stored float before the square roots: sigma then telescopes over the stored
            // values (the sum of sigma*alpha is exactly sqrt of the stored n), the w below is a pure function of
            // the stored (z, n), and one sqrt serves both (two per coordinate instead of three).
            float nf = (float) (nOld + gi * gi);
            double sqrtN = Math.sqrt(nf);
            double sigma = (sqrtN - Math.sqrt(nOld)) * invAlpha;
            float zf = (float) (s[i] + gi - sigma * w[i]);
            s[i] = zf;
            s[n + i] = nf;
            double z = zf;
            // |z| <= lambda1 also covers n == 0 (then z == 0): no division by beta/alpha when beta == 0.
            w[i] = Math.abs(z) <= lambda1 ? 0f
                    : (float) (-(z - Math.copySign(lambda1, z)) / ((b + sqrtN) * invAlpha + lambda2));
        }
    }

    @Override
    public String toString() {
        return "Ftrl{alpha=" + alpha + ", beta=" + beta + ", l1=" + l1 + ", l2=" + l2 + '}';
    }
}

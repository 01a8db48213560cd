package io.streamgrad.learner.optim;

import io.streamgrad.learner.config.TrainingOptions;

/**
 * FTRL-Proximal with per-coordinate learning rates (McMahan et al. 2013, "Ad Click Prediction: a View from the
 * Trenches", Algorithm 1), with {@code alpha} the scheduled learning rate, {@code beta = optimizer.beta},
 * {@code lambda1 = regularization.l1}, {@code lambda2 = regularization.l2}. For each coordinate:
 * <pre>
 *   sigma = (sqrt(n + g^2) - sqrt(n)) / alpha
 *   z     = z + g - sigma * w
 *   n     = n + g^2
 *   w     = 0                                                          if |z| &lt;= lambda1
 *         = -(z - sign(z) * lambda1) / ((beta + sqrt(n)) / alpha + lambda2)   otherwise
 * </pre>
 * State: {@code z[0..n)} then {@code n[n..2n)}, both starting at 0. Each coordinate is computed in float32,
 * the precision every value is stored in (with {@code alpha}, {@code beta} and the penalties rounded to float
 * once per step); the square roots are of the stored {@code n}, so {@code w} is a pure function of the stored
 * {@code (z, n)} and the sigmas telescope over the stored roots. (Until 23 Nov 2026 the arithmetic was double,
 * rounded to float on store: the double conversions, square roots and division were most of a lazy step,
 * docs/BENCHMARKS.md#ftrl-in-float32; results differ from that version by float rounding.) The L1/L2
 * penalties are the optimizer's own (the trainer does not add them to the gradient for ftrl); L1 gives exact
 * zeros.
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
public final class Ftrl extends AbstractOptimizer {
    private final double alpha;
    private final double beta;
    private final double l1;
    private final double l2;

    /**
     * @param alpha the base rate ({@code optimizer.learning_rate}), finite, {@code > 0}
     * @param beta  {@code optimizer.beta}, finite, {@code >= 0} (1 is the paper's suggestion)
     * @param l1    {@code regularization.l1} (lambda1), finite, {@code >= 0}
     * @param l2    {@code regularization.l2} (lambda2), finite, {@code >= 0}
     */
    public Ftrl(double alpha, double beta, double l1, double l2) {
        super(OptimizerKind.FTRL);
        this.alpha = option("alpha", OptimizerOptions.LEARNING_RATE, alpha);
        this.beta = option(OptimizerOptions.BETA, beta);
        this.l1 = option(TrainingOptions.L1, l1);
        this.l2 = option(TrainingOptions.L2, l2);
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
    protected void update(float[] params, float[] grads, float[] state, int n, long t, double lr) {
        kernel(state, 0, state, n, params, 0, grads, 0, n, lr);
    }

    @Override
    protected void updateSparse(
            float[] params, float[] grads, float[] state, int n, long t, double lr, int[] idx, int count) {
        sparse(params, grads, state, n, lr, idx, count, false);
    }

    /**
     * The lazy step, chunk by chunk of {@link #CHUNK} coordinates: gather their {@code z, n, w} into a compact
     * buffer (a tight loop of independent loads, so their cache misses overlap), keep a copy of the old values,
     * update them with {@link #kernel} and write them back. If any new value is not finite, every written
     * coordinate is then restored from the copy, so the arrays end unchanged. The copy replaces the rollback copy
     * a caller would otherwise make, and no finiteness pass is needed.
     */
    @Override
    public int stepSparseIfFinite(
            float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count) {
        int n = checkShapes(params, grads, state, t, idx, count);
        return sparse(params, grads, state, n, lr, idx, count, true);
    }

    /**
     * Coordinates per chunk of the lazy step: the 3 x 128 cache lines a chunk gathers stay in L1 until written
     * back (at 256 they overflowed a 48 KiB L1 and the write-back missed; docs/BENCHMARKS.md#ftrl-in-float32).
     */
    private static final int CHUNK = 128;

    /** The lazy step over shapes already checked ({@code n = w.length}). */
    private int sparse(float[] w, float[] g, float[] s, int n, double lr, int[] idx, int count, boolean checked) {
        int chunk = Math.max(1, Math.min(CHUNK, count));
        int old = 3 * chunk; // where a checked step keeps the values it overwrites, chunk after chunk
        float[] buf = Scratch.floats(old + (checked ? 3 * count : 0));
        int bad = 0;
        for (int from = 0; from < count; from += chunk) {
            int c = Math.min(chunk, count - from);
            for (int k = 0; k < c; k++) {
                int i = idx[from + k];
                buf[k] = s[i];
                buf[chunk + k] = s[n + i];
                buf[2 * chunk + k] = w[i];
            }
            if (checked) {
                System.arraycopy(buf, 0, buf, old + 3 * from, c);
                System.arraycopy(buf, chunk, buf, old + 3 * from + c, c);
                System.arraycopy(buf, 2 * chunk, buf, old + 3 * from + 2 * c, c);
            }
            bad |= kernel(buf, 0, buf, chunk, buf, 2 * chunk, g, from, c, lr);
            // Written back while the lines the gather loaded are still in L1: with the whole step gathered first,
            // the write-back's stores missed the cache (a batch of 256 CTR examples touches ~7,700 coordinates).
            for (int k = 0; k < c; k++) {
                int i = idx[from + k];
                s[i] = buf[k];
                s[n + i] = buf[chunk + k];
                w[i] = buf[2 * chunk + k];
            }
        }
        if (checked && bad != 0) {
            for (int from = 0; from < count; from += chunk) {
                int c = Math.min(chunk, count - from);
                int o = old + 3 * from;
                for (int k = 0; k < c; k++) {
                    int i = idx[from + k];
                    s[i] = buf[o + k];
                    s[n + i] = buf[o + c + k];
                    w[i] = buf[o + 2 * c + k];
                }
            }
            return (bad & PARAMS_BAD) != 0 ? PARAMS_NOT_FINITE : STATE_NOT_FINITE;
        }
        return APPLIED;
    }

    private static final int PARAMS_BAD = 1;
    private static final int STATE_BAD = 2;

    /**
     * The update of {@code count} coordinates, in place: coordinate {@code k}'s {@code z} at {@code z[zOff + k]},
     * its {@code n} at {@code nn[nOff + k]}, its weight at {@code w[wOff + k]}, its gradient {@code g[gOff + k]}.
     * The dense step runs it on the state and parameters themselves, the lazy one on its gathered copy: one loop,
     * so both paths do the same arithmetic. Returns {@link #PARAMS_BAD} / {@link #STATE_BAD} bits for non-finite
     * results.
     */
    private int kernel(
            float[] z, int zOff, float[] nn, int nOff, float[] w, int wOff, float[] g, int gOff, int count, double a) {
        float invAlpha = (float) (1.0 / a);
        float lambda1 = (float) l1;
        float lambda2 = (float) l2;
        float b = (float) beta;
        int bad = 0;
        for (int k = 0; k < count; k++) {
            float gi = g[gOff + k];
            float nOld = nn[nOff + k];
            float nf = nOld + gi * gi;
            // Both roots of stored floats, each correctly rounded: sigma is the difference of the roots the
            // weights use, so the sigmas telescope (their sum times alpha is the root of the stored n), and one
            // root serves sigma and w.
            float sqrtN = (float) Math.sqrt(nf);
            float sigma = (sqrtN - (float) Math.sqrt(nOld)) * invAlpha;
            float zf = z[zOff + k] + gi - sigma * w[wOff + k];
            z[zOff + k] = zf;
            nn[nOff + k] = nf;
            // |z| <= lambda1 also covers n == 0 (then z == 0): no division by beta/alpha when beta == 0.
            float wf = Math.abs(zf) <= lambda1
                    ? 0f
                    : -(zf - Math.copySign(lambda1, zf)) / ((b + sqrtN) * invAlpha + lambda2);
            w[wOff + k] = wf;
            bad |= (Float.isFinite(wf) ? 0 : PARAMS_BAD) | (Float.isFinite(zf) && Float.isFinite(nf) ? 0 : STATE_BAD);
        }
        return bad;
    }
}

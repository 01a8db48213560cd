package io.streamgrad.learner.optim;

/**
 * The Adam arithmetic shared by {@link Adam} and {@link AdamW} (which only adds the decay factor in front).
 * State layout: {@code m[0..n) v[n..2n)}.
 *
 * <p>Arithmetic: float32, as PyTorch's and DL4J's Adam on float tensors, per coordinate exactly
 * <pre>
 *   m = flush(b1 * m + (1 - b1) * g)
 *   v = flush(b2 * v + ((1 - b2) * g) * g)
 *   w = w * decay - (m * c1) / (sqrt(v * c2) + eps) * lr      c1 = 1 / (1 - b1^t), c2 = 1 / (1 - b2^t)
 *   flush(x) = (x + 2^-90) - 2^-90
 * </pre>
 *
 * <p>{@code flush} is {@link Subnormals#flush}: it keeps the moments out of the subnormal range, where a
 * coordinate with zero gradients would otherwise leave them for good and x86 CPUs run every instruction that
 * touches them through a slow microcode assist; its javadoc says what it changes (nothing the weights show).
 *
 * <p>The per-step constants are computed in double and rounded to float once per call. The dense and the lazy
 * path evaluate the same float expression, so a coordinate both update gets the same bits (Java never contracts
 * to FMA).
 *
 * <p>Speed: the dense loop runs over four distinct arrays with one index ({@code w, g, m, v}), the form C2
 * compiles to AVX vector instructions ({@code vsqrtps}, {@code vdivps}); with {@code m} and {@code v} read from
 * one array at {@code i} and {@code n + i} it cannot prove the stores and loads independent and stays scalar
 * (docs/BENCHMARKS.md#dense-kernels). So {@code v} is staged through a per-thread scratch array by two
 * {@code System.arraycopy} calls, which keeps the checkpointed layout unchanged.
 */
final class AdamKernel {
    /** Per-thread staging buffer for {@code v}; grows to the largest model the thread steps. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    /** Per-thread marks of the checked step's read-only pass: new {@code w + v} per coordinate. */
    private static final ThreadLocal<float[]> PROBE = ThreadLocal.withInitial(() -> new float[0]);

    private AdamKernel() {}

    /**
     * Applies one step to every coordinate ({@code idx == null}, {@code count == n}) or to {@code idx[0..count)}.
     *
     * @param decay the factor {@code w} is multiplied by before the Adam update ({@code 1 - lr*wd} for AdamW,
     *              exactly 1.0 for Adam, which leaves {@code w} bit-identical)
     */
    static void apply(
            float[] w,
            float[] g,
            float[] s,
            int n,
            long t,
            double lr,
            double beta1,
            double beta2,
            double eps,
            double decay,
            int[] idx,
            int count) {
        Step k = new Step(t, lr, beta1, beta2, eps, decay);
        if (idx == null) {
            float[] v = stageV(s, n);
            dense(w, g, s, v, n, k.b1, k.b2, k.ob1, k.ob2, k.c1, k.c2, k.rate, k.eps, k.decay);
            System.arraycopy(v, 0, s, n, n);
            return;
        }
        for (int j = 0; j < count; j++) {
            int i = idx[j];
            float gi = g[j]; // the compact gradient of idx[j]
            float m = Subnormals.flush(k.b1 * s[i] + k.ob1 * gi);
            float vi = Subnormals.flush(k.b2 * s[n + i] + k.ob2 * gi * gi);
            s[i] = m;
            s[n + i] = vi;
            w[i] = w[i] * k.decay - (m * k.c1) / ((float) Math.sqrt(vi * k.c2) + k.eps) * k.rate;
        }
    }

    /**
     * The dense step if every value it writes is finite ({@link Optimizer#stepIfFinite}): a read-only pass
     * computes the new {@code w}, {@code m}, {@code v} with the same expressions as {@link #dense} and stores
     * {@code w + v} per coordinate; if their sum is finite, so is every new value and the writing pass runs. Two
     * streaming passes instead of a copy of everything, the update, and a check of everything. A non-finite sum
     * is rare (a non-finite value, or finite ones whose sum overflows); an exact scalar pass then decides.
     */
    static int applyIfFinite(
            float[] w,
            float[] g,
            float[] s,
            int n,
            long t,
            double lr,
            double beta1,
            double beta2,
            double eps,
            double decay) {
        Step k = new Step(t, lr, beta1, beta2, eps, decay);
        float[] v = stageV(s, n);
        float[] marks = scratch(PROBE, n);
        probe(w, g, s, v, marks, n, k.b1, k.b2, k.ob1, k.ob2, k.c1, k.c2, k.rate, k.eps, k.decay);
        if (!Float.isFinite(sumOfMarks(marks, n))) {
            int code = whichNotFinite(w, g, s, n, k);
            if (code != Optimizer.APPLIED) {
                return code;
            }
        }
        dense(w, g, s, v, n, k.b1, k.b2, k.ob1, k.ob2, k.c1, k.c2, k.rate, k.eps, k.decay);
        System.arraycopy(v, 0, s, n, n);
        return Optimizer.APPLIED;
    }

    /** Copies {@code v = s[n..2n)} into this thread's scratch array and returns it. */
    private static float[] stageV(float[] s, int n) {
        float[] v = scratch(SCRATCH, n);
        System.arraycopy(s, n, v, 0, n);
        return v;
    }

    private static float[] scratch(ThreadLocal<float[]> holder, int n) {
        float[] a = holder.get();
        if (a.length < n) {
            a = new float[n];
            holder.set(a);
        }
        return a;
    }

    /** The per-step constants, each rounded to float once. */
    private static final class Step {
        final float c1;
        final float c2;
        final float b1;
        final float b2;
        final float ob1;
        final float ob2;
        final float rate;
        final float eps;
        final float decay;

        Step(long t, double lr, double beta1, double beta2, double eps, double decay) {
            // 1/(1 - beta^t); the lazy form uses the global t as well (TensorFlow's LazyAdam does the same).
            this.c1 = (float) (1.0 / (1.0 - Math.pow(beta1, t)));
            this.c2 = (float) (1.0 / (1.0 - Math.pow(beta2, t)));
            this.b1 = (float) beta1;
            this.b2 = (float) beta2;
            this.ob1 = (float) (1.0 - beta1);
            this.ob2 = (float) (1.0 - beta2);
            this.rate = (float) lr;
            this.eps = (float) eps;
            this.decay = (float) decay;
        }
    }

    /**
     * The dense loop, in place: four distinct arrays, one index, nothing else in the body (so C2 vectorises it;
     * with two more arrays or two more operations it no longer unrolls, and runs scalar).
     */
    private static void dense(
            float[] w,
            float[] g,
            float[] m,
            float[] v,
            int n,
            float b1,
            float b2,
            float ob1,
            float ob2,
            float c1,
            float c2,
            float rate,
            float e,
            float dec) {
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = Subnormals.flush(b1 * m[i] + ob1 * gi);
            float vi = Subnormals.flush(b2 * v[i] + ob2 * gi * gi);
            m[i] = mi;
            v[i] = vi;
            w[i] = w[i] * dec - (mi * c1) / ((float) Math.sqrt(vi * c2) + e) * rate;
        }
    }

    /**
     * {@link #dense} with its stores replaced by one mark per coordinate, {@code w + v} of the new values: finite
     * when both are (or NaN/infinite when either is not, or when a finite sum overflows). The new {@code m} needs
     * no mark: a non-finite {@code m} makes {@code w} non-finite ({@code den} is positive or NaN). One addition is
     * all the mark may cost: with the three multiplications of {@code w*0 + m*0 + v*0} the body grows past C2's
     * loop-unrolling limit and the loop runs scalar (docs/BENCHMARKS.md#dense-kernels).
     */
    private static void probe(
            float[] w,
            float[] g,
            float[] m,
            float[] v,
            float[] marks,
            int n,
            float b1,
            float b2,
            float ob1,
            float ob2,
            float c1,
            float c2,
            float rate,
            float e,
            float dec) {
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = Subnormals.flush(b1 * m[i] + ob1 * gi);
            float vi = Subnormals.flush(b2 * v[i] + ob2 * gi * gi);
            float wi = w[i] * dec - (mi * c1) / ((float) Math.sqrt(vi * c2) + e) * rate;
            marks[i] = wi + vi;
        }
    }

    /**
     * The sum of the marks (non-finite if any mark is), in sixteen independent chains: JDK 17's C2 does not
     * vectorise a float sum, so its speed is how many additions are in flight at once; sixteen chains measured
     * faster than four (docs/BENCHMARKS.md#dense-kernels). The order of the additions does not matter here, only
     * whether the total is finite.
     */
    private static float sumOfMarks(float[] marks, int n) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        float a8 = 0f, a9 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f, a14 = 0f, a15 = 0f;
        int i = 0;
        for (; i + 15 < n; i += 16) {
            a0 += marks[i];
            a1 += marks[i + 1];
            a2 += marks[i + 2];
            a3 += marks[i + 3];
            a4 += marks[i + 4];
            a5 += marks[i + 5];
            a6 += marks[i + 6];
            a7 += marks[i + 7];
            a8 += marks[i + 8];
            a9 += marks[i + 9];
            a10 += marks[i + 10];
            a11 += marks[i + 11];
            a12 += marks[i + 12];
            a13 += marks[i + 13];
            a14 += marks[i + 14];
            a15 += marks[i + 15];
        }
        for (; i < n; i++) {
            a0 += marks[i];
        }
        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))
                + (((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15)));
    }

    /**
     * After a non-finite sum of marks (rare): which kind of value would become non-finite, parameters first, or
     * {@link Optimizer#APPLIED} when none would (finite marks whose sum overflowed).
     */
    private static int whichNotFinite(float[] w, float[] g, float[] s, int n, Step k) {
        boolean stateBad = false;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = Subnormals.flush(k.b1 * s[i] + k.ob1 * gi);
            float vi = Subnormals.flush(k.b2 * s[n + i] + k.ob2 * gi * gi);
            float wi = w[i] * k.decay - (mi * k.c1) / ((float) Math.sqrt(vi * k.c2) + k.eps) * k.rate;
            if (!Float.isFinite(wi)) {
                return Optimizer.PARAMS_NOT_FINITE;
            }
            stateBad |= !Float.isFinite(mi) || !Float.isFinite(vi);
        }
        return stateBad ? Optimizer.STATE_NOT_FINITE : Optimizer.APPLIED;
    }
}

package io.streamgrad.learner.optim;

/**
 * The Adam arithmetic shared by {@link Adam} and {@link AdamW} (which only adds the decay factor in front).
 * State layout: {@code m[0..n) v[n..2n)}.
 */
final class AdamKernel {
    private AdamKernel() {
    }

    /**
     * Applies one step to every coordinate ({@code idx == null}, {@code count == n}) or to {@code idx[0..count)}.
     *
     * @param decay the factor {@code w} is multiplied by before the Adam update ({@code 1 - lr*wd} for AdamW,
     *              exactly 1.0 for Adam, which leaves {@code w} bit-identical)
     */
    static void apply(float[] w, float[] g, float[] s, int n, long t, double lr, double beta1, double beta2,
                      double eps, double decay, int[] idx, int count) {
        // Per-step constants once per call: 1/(1 - beta^t). The lazy form uses the global t as well
        // (TensorFlow's LazyAdam does the same).
        double c1 = 1.0 / (1.0 - Math.pow(beta1, t));
        double c2 = 1.0 / (1.0 - Math.pow(beta2, t));
        double oneMinusB1 = 1.0 - beta1;
        double oneMinusB2 = 1.0 - beta2;
        for (int k = 0; k < count; k++) {
            int i = idx == null ? k : idx[k];
            double gi = g[i];
            double m = beta1 * s[i] + oneMinusB1 * gi;
            double v = beta2 * s[n + i] + oneMinusB2 * gi * gi;
            s[i] = (float) m;
            s[n + i] = (float) v;
            double mHat = m * c1;
            double vHat = v * c2;
            w[i] = (float) (w[i] * decay - lr * mHat / (Math.sqrt(vHat) + eps));
        }
    }
}

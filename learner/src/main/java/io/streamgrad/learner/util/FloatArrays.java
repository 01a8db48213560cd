package io.streamgrad.learner.util;

/**
 * Whole-array passes over {@code float[]} written so that they run at memory speed: independent accumulators or
 * branch-free reductions, the forms C2 pipelines or vectorises. Used on the trainer's dense path, where each pass
 * reads hundreds of thousands of floats per step.
 */
public final class FloatArrays {
    private FloatArrays() {}

    /**
     * The sum of squares with eight float partial sums per block of 1024, each block's total added in double:
     * eight independent chains instead of one serial double chain, which was the bottleneck
     * (docs/BENCHMARKS.md#dense-kernels). Relative error about 1e-6 (float rounding over at most 128 terms per partial sum);
     * the norm is reported and compared with {@code clipping.global_norm}, both to that precision.
     */
    public static double sumOfSquares(float[] g) {
        double total = 0;
        int n = g.length;
        for (int from = 0; from < n; from += 1024) {
            int end = Math.min(n, from + 1024);
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            float s4 = 0;
            float s5 = 0;
            float s6 = 0;
            float s7 = 0;
            int i = from;
            for (; i + 7 < end; i += 8) {
                s0 += g[i] * g[i];
                s1 += g[i + 1] * g[i + 1];
                s2 += g[i + 2] * g[i + 2];
                s3 += g[i + 3] * g[i + 3];
                s4 += g[i + 4] * g[i + 4];
                s5 += g[i + 5] * g[i + 5];
                s6 += g[i + 6] * g[i + 6];
                s7 += g[i + 7] * g[i + 7];
            }
            for (; i < end; i++) {
                s0 += g[i] * g[i];
            }
            total += (double) (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
        }
        return total;
    }

    /** The sum of squares with one double accumulator: exact for any finite floats (no overflow below 1e308). */
    public static double exactSumOfSquares(float[] a) {
        double s = 0;
        for (float g : a) {
            s += (double) g * g;
        }
        return s;
    }

    /**
     * Whether every element of {@code a} is finite, as a branch-free max of absolute values (NaN if any element
     * is NaN, infinite if any is infinite), which C2 vectorises; an early-exit {@code Float.isFinite} loop does
     * not (docs/BENCHMARKS.md#dense-kernels).
     */
    public static boolean allFinite(float[] a) {
        float max = 0f;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return Float.isFinite(max);
    }
}

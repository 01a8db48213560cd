package io.streamgrad.monitor.forecast;

/**
 * The absolute residuals of the last {@code capacity} points a series learned from (a ring of floats owned by the
 * series state), and the two things computed from them: the split-conformal interval half-width and the anomaly
 * score.
 *
 * <p><b>Interval</b> (split conformal, Vovk et al. 2005; Angelopoulos & Bates 2021, section 1): with the {@code n}
 * window residuals sorted, {@code q = R_(k)} with {@code k = ceil((n + 1) * coverage)}; when {@code k > n} the
 * largest residual is used. Under exchangeability of the recent residuals {@code y} falls in
 * {@code forecast +- q} with probability at least {@code coverage}.
 *
 * <p><b>Score</b>: one minus the conformal p-value of the new residual {@code r} against the window,
 * <pre>
 *   p = (1 + #{i : R_i >= |r|}) / (n + 1)                                  when some R_i >= |r|
 *   p = 1 / (n + 1) * exp(-(|r| - R_max) / mean(R))                      beyond the largest residual
 *   score = 1 - p, in [0, 1)
 * </pre>
 * The rank form gives a calibrated tail probability ({@code P(score >= 1 - a) <= a} for exchangeable
 * residuals); beyond the window's largest residual an exponential tail with the window's mean scale keeps the
 * score growing with the surprise instead of saturating at {@code n / (n + 1)}. No fixed threshold on the
 * residual: the same score means the same rarity on every series.
 */
public final class ResidualWindow {
    private ResidualWindow() {}

    /** Adds {@code |r|} to the ring ({@code values}, with {@code count} filled and next slot {@code next}). */
    static void add(float[] values, int[] countAndNext, double absResidual) {
        int capacity = values.length;
        values[countAndNext[1]] = (float) absResidual;
        countAndNext[1] = (countAndNext[1] + 1) % capacity;
        countAndNext[0] = Math.min(capacity, countAndNext[0] + 1);
    }

    /** The interval half-width; NaN when the window is empty. */
    public static double halfWidth(float[] values, int count, double coverage, float[] scratch) {
        if (count == 0) {
            return Double.NaN;
        }
        System.arraycopy(values, 0, scratch, 0, count);
        int k = (int) Math.ceil((count + 1) * coverage);
        return select(scratch, count, Math.min(k, count) - 1);
    }

    /** The {@code k}-th smallest (0-based) of {@code a[0..n)}, reordering it (Hoare's quickselect, middle pivot). */
    static float select(float[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    /** The score of a residual {@code absResidual} against the window; 0 when the window is empty. */
    public static double score(float[] values, int count, double absResidual) {
        if (count == 0) {
            return 0;
        }
        int atLeast = 0;
        double max = 0;
        double sum = 0;
        for (int i = 0; i < count; i++) {
            float v = values[i];
            if (v >= absResidual) {
                atLeast++;
            }
            max = Math.max(max, v);
            sum += v;
        }
        double p;
        if (atLeast > 0) {
            p = (1.0 + atLeast) / (count + 1.0);
        } else {
            double scale = sum / count;
            p = scale > 0 ? Math.exp(-(absResidual - max) / scale) / (count + 1.0) : 0;
        }
        return 1 - p;
    }
}

package io.streamgrad.monitor.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * ADWIN2, the adaptive sliding window of Bifet and Gavaldà ("Learning from time-changing data with adaptive
 * windowing", SDM 2007): the window {@code W} of recent values is kept as an exponential histogram (at most
 * {@code maxBuckets} buckets of each size {@code 1, 2, 4, ...}, each holding its count, sum and sum of squared
 * deviations), and whenever two sub-windows {@code W0 . W1} split at a bucket boundary have means further apart than
 * <pre>
 *   eps_cut = sqrt((2/m) * var_W * ln(2/delta')) + (2/(3m)) * ln(2/delta'),
 *   1/m = 1/n0 + 1/n1,   delta' = delta / ln(n),   var_W the (population) variance of W, n = |W|
 * </pre>
 * (the paper's section 4, the Bernstein-type bound used by ADWIN2), the oldest bucket is dropped, and the test is
 * repeated until no split differs. As in the authors' MOA code the test runs every {@code clock} insertions and
 * only on splits where both parts hold at least {@code minSubWindow} values.
 *
 * <p>Immutable config; the {@link State} (the buckets, O(maxBuckets * log n) numbers) is the caller's.
 */
public record Adwin(double delta, int maxBuckets, int clock, int minSubWindow) {

    public Adwin {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("adwin.delta: " + delta + " must be in (0, 1)");
        }
        if (maxBuckets < 2) {
            throw new IllegalArgumentException("adwin.max_buckets: " + maxBuckets + " must be >= 2");
        }
        if (clock < 1) {
            throw new IllegalArgumentException("adwin.clock: " + clock + " must be >= 1");
        }
        if (minSubWindow < 1) {
            throw new IllegalArgumentException("adwin.min_sub_window: " + minSubWindow + " must be >= 1");
        }
    }

    /** The paper's delta 0.002 with MOA's practical constants (5 buckets per size, a check every 32 points). */
    public static Adwin defaults() {
        return new Adwin(0.002, 5, 32, 5);
    }

    /**
     * The window as buckets, oldest first: bucket {@code i} holds {@code count[i]} values with sum {@code sum[i]}
     * and sum of squared deviations from their mean {@code m2[i]}; counts are powers of two, non-increasing.
     */
    public static final class State {
        static final int VERSION = 1;
        int size;
        long[] count = new long[8];
        double[] sum = new double[8];
        double[] m2 = new double[8];
        long width;
        double total;
        double variance; // sum of squared deviations of the whole window
        long time;

        public long width() {
            return width;
        }

        public double mean() {
            return width == 0 ? 0 : total / width;
        }

        /** Population variance of the window. */
        public double variance() {
            return width == 0 ? 0 : variance / width;
        }

        public int buckets() {
            return size;
        }

        void append(long c, double s, double v) {
            if (size == count.length) {
                count = Arrays.copyOf(count, size * 2);
                sum = Arrays.copyOf(sum, size * 2);
                m2 = Arrays.copyOf(m2, size * 2);
            }
            count[size] = c;
            sum[size] = s;
            m2[size] = v;
            size++;
        }

        void remove(int i) {
            System.arraycopy(count, i + 1, count, i, size - i - 1);
            System.arraycopy(sum, i + 1, sum, i, size - i - 1);
            System.arraycopy(m2, i + 1, m2, i, size - i - 1);
            size--;
        }

        public void write(DataOutput out) throws IOException {
            out.writeByte(VERSION);
            out.writeLong(width);
            out.writeDouble(total);
            out.writeDouble(variance);
            out.writeLong(time);
            out.writeInt(size);
            for (int i = 0; i < size; i++) {
                out.writeLong(count[i]);
                out.writeDouble(sum[i]);
                out.writeDouble(m2[i]);
            }
        }

        public static State read(DataInput in) throws IOException {
            int v = in.readUnsignedByte();
            if (v != VERSION) {
                throw new IOException(
                        "ADWIN state version " + v + " is not supported (this build reads " + VERSION + ")");
            }
            State s = new State();
            s.width = in.readLong();
            s.total = in.readDouble();
            s.variance = in.readDouble();
            s.time = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 4096) {
                throw new IOException("ADWIN state: " + n + " buckets is not a valid window");
            }
            for (int i = 0; i < n; i++) {
                s.append(in.readLong(), in.readDouble(), in.readDouble());
            }
            return s;
        }
    }

    public State newState() {
        return new State();
    }

    /** Adds one value; true when the window shrank (a change was detected). */
    public boolean update(State s, double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("ADWIN input must be finite, got " + x);
        }
        // Window statistics (the paper's incremental variance): adding x to W of width w and mean mu adds
        // w/(w+1) * (x - mu)^2 to the sum of squared deviations.
        if (s.width > 0) {
            double mu = s.total / s.width;
            s.variance += (double) s.width / (s.width + 1) * (x - mu) * (x - mu);
        }
        s.width++;
        s.total += x;
        s.append(1, x, 0);
        compress(s);
        s.time++;
        if (s.time % clock != 0) {
            return false;
        }
        boolean changed = false;
        boolean again = true;
        while (again && s.width > 2L * minSubWindow) {
            again = false;
            long n0 = 0;
            double s0 = 0;
            double lnTerm = Math.log(2 * Math.log(s.width) / delta);
            double varW = s.variance / s.width;
            for (int i = 0; i < s.size - 1; i++) {
                n0 += s.count[i];
                s0 += s.sum[i];
                long n1 = s.width - n0;
                if (n0 < minSubWindow || n1 < minSubWindow) {
                    continue;
                }
                double s1 = s.total - s0;
                double invM = 1.0 / n0 + 1.0 / n1;
                double eps = Math.sqrt(2 * invM * varW * lnTerm) + 2.0 / 3.0 * invM * lnTerm;
                if (Math.abs(s0 / n0 - s1 / n1) > eps) {
                    dropOldest(s);
                    changed = true;
                    again = true;
                    break;
                }
            }
        }
        return changed;
    }

    /** Merges the two oldest buckets of any size that has more than {@code maxBuckets}, smallest size first. */
    private void compress(State s) {
        long c = 1;
        while (true) {
            int first = -1;
            int n = 0;
            for (int i = s.size - 1; i >= 0 && s.count[i] <= c; i--) {
                if (s.count[i] == c) {
                    first = i;
                    n++;
                }
            }
            if (n <= maxBuckets) {
                return;
            }
            // first and first + 1: the two oldest buckets of size c (adjacent: sizes are non-increasing)
            long n1 = s.count[first];
            long n2 = s.count[first + 1];
            double u1 = s.sum[first] / n1;
            double u2 = s.sum[first + 1] / n2;
            s.count[first] = n1 + n2;
            s.m2[first] = s.m2[first] + s.m2[first + 1] + (double) n1 * n2 * (u1 - u2) * (u1 - u2) / (n1 + n2);
            s.sum[first] = s.sum[first] + s.sum[first + 1];
            s.remove(first + 1);
            c *= 2;
        }
    }

    private static void dropOldest(State s) {
        long n1 = s.count[0];
        double u1 = s.sum[0] / n1;
        s.width -= n1;
        s.total -= s.sum[0];
        double rest = s.total / s.width;
        s.variance -= s.m2[0] + (double) n1 * s.width * (u1 - rest) * (u1 - rest) / (n1 + s.width);
        s.variance = Math.max(0, s.variance);
        s.remove(0);
    }
}

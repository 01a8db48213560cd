package io.streamgrad.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A warmed-up throughput measurement for {@link BenchMain}: run the operation for a warm-up period (JIT, native
 * caches, DL4J workspaces settle), then for {@code windows} windows of fixed length, counting whole operations in
 * each, and report the median and the spread of the per-window rates.
 *
 * <p>JMH ({@link StreamgradBenchmarks}) is the rigorous tool; this harness exists because JMH's forks and
 * iterations take too long on a 2-core shared machine to print one table in a few minutes, and its error bars
 * there are dominated by the neighbours anyway. The median of several windows is robust to a neighbour's burst.
 *
 * <p>Each window is timed twice: by the wall clock, and by the CPU time of the whole process (all its threads:
 * the benchmark thread, native pools, GC and JIT). For work that runs on one thread (plain Java; ND4J with one
 * native thread, where OpenBLAS and libnd4j run inline), the CPU-time rate is what one core delivers even while
 * other processes take turns on it — on a shared machine the wall-clock rate measures the neighbours as much as
 * the code. Counting the whole process keeps the garbage collector's work (DL4J allocates per step) in the bill.
 *
 * <p>{@link #interleaved} measures several operations window by window in turn (A B C A B C ...), so that a ratio
 * between two of them ({@link Rate#ratioTo}) is taken over windows that saw the same neighbours.
 */
public final class Stopwatch {
    /** How long to warm up and measure. */
    public record Plan(double warmupSeconds, double windowSeconds, int windows) {
        public Plan {
            if (warmupSeconds < 0 || windowSeconds <= 0 || windows < 1) {
                throw new IllegalArgumentException("bad plan " + warmupSeconds + "/" + windowSeconds + "/" + windows);
            }
        }

        public static Plan quick() {
            return new Plan(0.4, 0.25, 3);
        }

        public static Plan full() {
            return new Plan(3.0, 1.0, 5);
        }
    }

    /**
     * Operations per second in each window, in the order the windows ran; {@link #times} scales them to examples
     * or flops.
     *
     * @param perSecond    wall-clock rates of the windows
     * @param perCpuSecond rates per second of the process's CPU time
     * @param otherCpu     CPU time of the process's other threads (GC, JIT, native pools) during the windows, as
     *                     a fraction of the whole process's
     */
    public record Rate(double[] perSecond, double[] perCpuSecond, double otherCpu) {
        public double median() {
            return median(perSecond);
        }

        public double min() {
            return Arrays.stream(perSecond).min().orElse(Double.NaN);
        }

        public double max() {
            return Arrays.stream(perSecond).max().orElse(Double.NaN);
        }

        public double cpuMedian() {
            return median(perCpuSecond);
        }

        /** The median by the chosen clock: CPU time of the process, or the wall clock. */
        public double median(boolean cpu) {
            return cpu ? cpuMedian() : median();
        }

        /**
         * The median over windows of {@code this[w] / other[w]}: the ratio of two interleaved measurements, window
         * by window, by the chosen clock.
         */
        public double ratioTo(Rate other, boolean cpu) {
            double[] a = cpu ? perCpuSecond : perSecond;
            double[] b = cpu ? other.perCpuSecond : other.perSecond;
            int n = Math.min(a.length, b.length);
            double[] r = new double[n];
            for (int i = 0; i < n; i++) {
                r[i] = a[i] / b[i];
            }
            return median(r);
        }

        /** This rate's windows followed by {@code other}'s (to pool the windows of one operation). */
        public Rate concat(Rate other) {
            double[] wall = Arrays.copyOf(perSecond, perSecond.length + other.perSecond.length);
            System.arraycopy(other.perSecond, 0, wall, perSecond.length, other.perSecond.length);
            double[] cpu = Arrays.copyOf(perCpuSecond, perCpuSecond.length + other.perCpuSecond.length);
            System.arraycopy(other.perCpuSecond, 0, cpu, perCpuSecond.length, other.perCpuSecond.length);
            return new Rate(wall, cpu, Math.max(otherCpu, other.otherCpu));
        }

        public Rate times(double unitsPerOp) {
            return new Rate(scale(perSecond, unitsPerOp), scale(perCpuSecond, unitsPerOp), otherCpu);
        }

        private static double[] scale(double[] a, double f) {
            double[] r = a.clone();
            for (int i = 0; i < r.length; i++) {
                r[i] *= f;
            }
            return r;
        }

        private static double median(double[] values) {
            double[] s = values.clone();
            Arrays.sort(s);
            int n = s.length;
            return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }
    }

    /** Something to time; returns a value so the JIT cannot drop the work. */
    @FunctionalInterface
    public interface Op {
        double run();
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private Stopwatch() {}

    /** Operations per second of {@code op}. */
    public static Rate measure(Plan plan, Op op) {
        return interleaved(plan, List.of(op)).get(0);
    }

    /**
     * Operations per second of each of {@code ops}: each is warmed up in turn, then window {@code w} of every
     * operation runs before window {@code w + 1} of any.
     */
    public static List<Rate> interleaved(Plan plan, List<Op> ops) {
        double sink = 0;
        for (Op op : ops) {
            long warmEnd = System.nanoTime() + (long) (plan.warmupSeconds() * 1e9);
            do {
                sink += op.run();
            } while (System.nanoTime() < warmEnd);
        }
        int k = ops.size();
        double[][] rates = new double[k][plan.windows()];
        double[][] cpuRates = new double[k][plan.windows()];
        long[] threadCpu = new long[k];
        long[] processCpu = new long[k];
        long window = (long) (plan.windowSeconds() * 1e9);
        for (int w = 0; w < plan.windows(); w++) {
            for (int i = 0; i < k; i++) {
                Op op = ops.get(i);
                long threadStart = THREADS.getCurrentThreadCpuTime();
                long procStart = OS.getProcessCpuTime();
                long start = System.nanoTime();
                long count = 0;
                long now;
                do {
                    sink += op.run();
                    count++;
                    now = System.nanoTime();
                } while (now - start < window);
                long proc = OS.getProcessCpuTime() - procStart;
                processCpu[i] += proc;
                threadCpu[i] += THREADS.getCurrentThreadCpuTime() - threadStart;
                rates[i][w] = count / ((now - start) / 1e9);
                cpuRates[i][w] = count / (Math.max(proc, 1) / 1e9);
            }
        }
        Blackhole.consume(sink);
        List<Rate> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            double other = (processCpu[i] - threadCpu[i]) / (double) Math.max(processCpu[i], 1);
            out.add(new Rate(rates[i], cpuRates[i], other));
        }
        return out;
    }

    /** Keeps a result observable so the work that made it is not eliminated. */
    static final class Blackhole {
        static volatile double last;

        static void consume(double v) {
            last = v;
        }
    }
}

package io.streamgrad.bench;

import java.util.Arrays;

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
     * Operations per second in each window, sorted; {@link #times} scales them to examples or flops.
     *
     * @param perSecond    sorted wall-clock rates of the windows
     * @param perCpuSecond sorted rates per second of the process's CPU time
     * @param otherCpu     CPU time of the process's other threads (GC, JIT, native pools) during the windows, as
     *                     a fraction of the whole process's
     */
    public record Rate(double[] perSecond, double[] perCpuSecond, double otherCpu) {
        public double median() {
            int n = perSecond.length;
            return n % 2 == 1 ? perSecond[n / 2] : (perSecond[n / 2 - 1] + perSecond[n / 2]) / 2;
        }

        public double min() {
            return perSecond[0];
        }

        public double max() {
            return perSecond[perSecond.length - 1];
        }

        public double cpuMedian() {
            int n = perCpuSecond.length;
            return n % 2 == 1 ? perCpuSecond[n / 2] : (perCpuSecond[n / 2 - 1] + perCpuSecond[n / 2]) / 2;
        }

        /** The median by the chosen clock: CPU time of the calling thread, or the wall clock. */
        public double median(boolean cpu) {
            return cpu ? cpuMedian() : median();
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
    }

    /** Something to time; returns a value so the JIT cannot drop the work. */
    @FunctionalInterface
    public interface Op {
        double run();
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private Stopwatch() {
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** CPU time of the whole process in ns. */
    private static long processCpu() {
        return OS.getProcessCpuTime();
    }

    /** Operations per second of {@code op}. */
    public static Rate measure(Plan plan, Op op) {
        double sink = 0;
        long warmEnd = System.nanoTime() + (long) (plan.warmupSeconds() * 1e9);
        do {
            sink += op.run();
        } while (System.nanoTime() < warmEnd);

        double[] rates = new double[plan.windows()];
        double[] cpuRates = new double[plan.windows()];
        long window = (long) (plan.windowSeconds() * 1e9);
        long threadCpuTotal = 0;
        long processCpuStart = processCpu();
        for (int w = 0; w < plan.windows(); w++) {
            long cpuStart = THREADS.getCurrentThreadCpuTime();
            long procStart = processCpu();
            long start = System.nanoTime();
            long ops = 0;
            long now;
            do {
                sink += op.run();
                ops++;
                now = System.nanoTime();
            } while (now - start < window);
            long proc = processCpu() - procStart;
            threadCpuTotal += THREADS.getCurrentThreadCpuTime() - cpuStart;
            rates[w] = ops / ((now - start) / 1e9);
            cpuRates[w] = ops / (Math.max(proc, 1) / 1e9);
        }
        Blackhole.consume(sink);
        Arrays.sort(rates);
        Arrays.sort(cpuRates);
        long processCpuTotal = processCpu() - processCpuStart;
        double other = (processCpuTotal - threadCpuTotal) / (double) Math.max(processCpuTotal, 1);
        return new Rate(rates, cpuRates, other);
    }

    /** Keeps a result observable so the work that made it is not eliminated. */
    static final class Blackhole {
        static volatile double last;

        static void consume(double v) {
            last = v;
        }
    }
}

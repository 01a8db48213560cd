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
     * Operations per second in each window, sorted; {@code unitsPerOp} (examples, flops) scales them.
     *
     * @param perSecond sorted rates of the windows
     */
    public record Rate(double[] perSecond) {
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

        public Rate times(double unitsPerOp) {
            double[] r = perSecond.clone();
            for (int i = 0; i < r.length; i++) {
                r[i] *= unitsPerOp;
            }
            return new Rate(r);
        }
    }

    /** Something to time; returns a value so the JIT cannot drop the work. */
    @FunctionalInterface
    public interface Op {
        double run();
    }

    private Stopwatch() {
    }

    /** Operations per second of {@code op}. */
    public static Rate measure(Plan plan, Op op) {
        double sink = 0;
        long warmEnd = System.nanoTime() + (long) (plan.warmupSeconds() * 1e9);
        do {
            sink += op.run();
        } while (System.nanoTime() < warmEnd);

        double[] rates = new double[plan.windows()];
        long window = (long) (plan.windowSeconds() * 1e9);
        for (int w = 0; w < plan.windows(); w++) {
            long start = System.nanoTime();
            long ops = 0;
            long now;
            do {
                sink += op.run();
                ops++;
                now = System.nanoTime();
            } while (now - start < window);
            rates[w] = ops / ((now - start) / 1e9);
        }
        Blackhole.consume(sink);
        Arrays.sort(rates);
        return new Rate(rates);
    }

    /** Keeps a result observable so the work that made it is not eliminated. */
    static final class Blackhole {
        static volatile double last;

        static void consume(double v) {
            last = v;
        }
    }
}

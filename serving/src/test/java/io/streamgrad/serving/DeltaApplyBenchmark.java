package io.streamgrad.serving;

import io.streamgrad.learner.io.ParameterDelta;
import java.util.Arrays;
import java.util.Random;

/**
 * Prints what making the next version costs on a 2^20-parameter model (a hashed logistic model's size): applying
 * a k-row delta copy-on-write ({@link BlockedParams#apply}) against building the version whole, as from a full
 * snapshot ({@link BlockedParams#of} of the decoded vector), and against a flat copy plus the delta. Rows are drawn
 * uniformly, as hashed features fall. A plain main (not a JMH benchmark: {@code BlockedParams} is package-private);
 * each figure is the median of 41 timed runs after 200 warm-up runs. Run it as docs/BENCHMARKS.md says.
 */
final class DeltaApplyBenchmark {
    private static final int N = 1 << 20;

    private DeltaApplyBenchmark() {}

    public static void main(String[] args) {
        Random r = new Random(1);
        float[] params = new float[N];
        for (int i = 0; i < N; i++) {
            params[i] = (float) r.nextGaussian();
        }
        BlockedParams base = BlockedParams.of(params);
        double full = median(() -> BlockedParams.of(params));
        double flat = median(() -> params.clone());
        System.out.printf("2^20 parameters, blocks of %d floats (%d blocks)%n", BlockedParams.BLOCK, base.blockCount());
        System.out.printf("full rebuild (blocked, from the decoded vector): %8.1f us%n", full / 1e3);
        System.out.printf("flat copy of the vector:                         %8.1f us%n", flat / 1e3);
        System.out.printf(
                "%8s %14s %14s %16s %12s%n", "k rows", "delta apply us", "vs full", "blocks copied", "KiB copied");
        for (int k : new int[] {10, 100, 1_000, 10_000, 100_000}) {
            float[] next = params.clone();
            for (int i = 0; i < k; i++) {
                next[r.nextInt(N)] += 0.5f;
            }
            ParameterDelta delta = ParameterDelta.between(params, next);
            BlockedParams applied = base.apply(delta);
            if (!Arrays.equals(applied.toArray(), next)) {
                throw new AssertionError("the delta did not give the next version");
            }
            int copied = applied.isWhole() ? base.blockCount() : 0; // one array: the whole vector copied
            for (int b = 0; b < base.blockCount() && !applied.isWhole(); b++) {
                copied += applied.block(b) == base.block(b) ? 0 : 1;
            }
            double t = median(() -> base.apply(delta));
            System.out.printf(
                    "%8d %14.1f %13.1fx %16d %12d%n",
                    delta.count(),
                    t / 1e3,
                    full / t,
                    copied,
                    (copied * (long) BlockedParams.BLOCK * 4 + base.blockCount() * 8L) / 1024);
        }
    }

    private static Object sink;

    private static double median(java.util.function.Supplier<Object> work) {
        for (int i = 0; i < 200; i++) {
            sink = work.get();
        }
        long[] t = new long[41];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            sink = work.get();
            t[i] = System.nanoTime() - start;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}

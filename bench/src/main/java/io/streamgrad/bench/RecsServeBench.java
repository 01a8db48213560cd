package io.streamgrad.bench;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.serving.recs.RecsModel;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Prints the serving figures of recommendation models with wall-clock and thread-CPU percentiles side by side (on a
 * shared machine the wall clock carries the time other processes held the core; the CPU time is the work itself),
 * and the load average before and after each phase:
 *
 * <ul>
 *   <li>top-K: {@code recommend(user, 10)} over 10^5 items, k = 32 (2,000 users in turn);</li>
 *   <li>delta apply: a chain of deltas of 1,000 and 10,000 rows (a tenth new ids, as many tombstones) on a table of
 *       10^6 items, each applied to the version before, as the follower does; with the GC time in the phase.</li>
 * </ul>
 *
 * Run after {@code ./mvnw -B -q -o -pl bench -am package -DskipTests}: {@code java -Xmx6g -XX:+UseParallelGC -cp
 * 'bench/target/classes:serving/target/classes:schemas/target/classes:learner/target/classes:app/target/classes:bench/target/lib/*'
 * io.streamgrad.bench.RecsServeBench}.
 */
public final class RecsServeBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private RecsServeBench() {}

    public static void main(String[] args) throws IOException {
        int dim = 32;
        Random rnd = new Random(7);
        List<RecsVersion> small = RecsBenchmarks.full(rnd, 2_000, 100_000, dim);
        RecsModel model = RecsModel.full(small, Collections.nCopies(small.size(), "bench"));
        small = null;
        System.out.printf(Locale.ROOT, "top-K: %s, k results 10; load average %s%n", model, load());
        for (int i = 0; i < 500; i++) {
            model.recommend("u" + (i % 2_000), 10, Set.of());
        }
        int n = 2_000;
        System.gc();
        long[] wall = new long[n];
        long[] cpu = new long[n];
        for (int i = 0; i < n; i++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            model.recommend("u" + i, 10, Set.of());
            wall[i] = System.nanoTime() - w0;
            cpu[i] = THREADS.getCurrentThreadCpuTime() - c0;
        }
        print("top-K 10^5 items", wall, cpu);
        System.out.printf(Locale.ROOT, "load average after: %s%n", load());
        model = null;

        List<RecsVersion> big = RecsBenchmarks.full(rnd, 0, 1_000_000, dim);
        RecsModel base = RecsModel.full(big, Collections.nCopies(big.size(), "bench"));
        big = null;
        System.out.printf(Locale.ROOT, "delta apply on %s; load average %s%n", base, load());
        for (int changed : new int[] {1_000, 10_000}) {
            int versions = changed == 1_000 ? 60 : 20;
            List<List<RecsVersion>> deltas = new ArrayList<>();
            for (int v = 0; v < versions + 10; v++) {
                deltas.add(delta(rnd, v + 2, changed, dim, 1_000_000));
            }
            RecsModel m = base;
            System.gc(); // the setup's garbage (records of 10^6 rows) is not the phase's
            long[] w = new long[versions];
            long[] c = new long[versions];
            long gc0 = gcMillis();
            for (int v = 0; v < versions + 10; v++) {
                long c0 = THREADS.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                m = m.withDelta(deltas.get(v), List.of("bench"));
                if (v >= 10) {
                    w[v - 10] = System.nanoTime() - w0;
                    c[v - 10] = THREADS.getCurrentThreadCpuTime() - c0;
                }
            }
            long gc = gcMillis() - gc0;
            print("delta " + changed + " rows", w, c);
            System.out.printf(
                    Locale.ROOT,
                    "  GC in the phase: %d ms over %d versions; rows now %d%n",
                    gc,
                    versions + 10,
                    m.itemRows());
        }
        System.out.printf(Locale.ROOT, "load average after: %s%n", load());
    }

    private static List<RecsVersion> delta(Random rnd, long version, int changed, int dim, int rows) {
        List<String> ids = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (int i = 0; i < changed; i++) {
            ids.add(i % 10 == 0 ? "v" + version + "-" + i : RecsBenchmarks.item(rnd.nextInt(rows)));
            if (i % 10 == 0) {
                removed.add(RecsBenchmarks.item(rnd.nextInt(rows)));
            }
        }
        RecsTableRows t = RecsBenchmarks.table("items", ids, removed, rnd, dim);
        return List.of(RecsBenchmarks.version(version, RecsVersionKind.DELTA, 0, version - 1, "", List.of(t)));
    }

    private static void print(String what, long[] wall, long[] cpu) {
        long[] w = wall.clone();
        long[] c = cpu.clone();
        Arrays.sort(w);
        Arrays.sort(c);
        System.out.printf(
                Locale.ROOT,
                "  %s: n=%d  wall p50 %.2f ms p99 %.2f ms max %.2f ms | cpu p50 %.2f ms p99 %.2f ms%n",
                what,
                w.length,
                pct(w, 0.50),
                pct(w, 0.99),
                w[w.length - 1] / 1e6,
                pct(c, 0.50),
                pct(c, 0.99));
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static long gcMillis() {
        long t = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            t += Math.max(0, b.getCollectionTime());
        }
        return t;
    }

    private static String load() throws IOException {
        Path p = Path.of("/proc/loadavg");
        return Files.exists(p) ? Files.readString(p).trim() : "n/a";
    }
}

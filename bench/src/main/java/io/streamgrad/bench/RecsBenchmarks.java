package io.streamgrad.bench;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.serving.recs.RecsModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Serving recommendation models ({@link RecsModel}): the latency of one exact top-K answer over the item table
 * (SampleTime: JMH prints p50, p99, p99.9), and of making the next version from a delta of {@code changed} rows on
 * a table of {@code rows} rows (copy-on-write of the touched blocks and index paths). Inputs are random vectors built
 * in {@code @Setup} as the records the job publishes. Run, after {@code ./mvnw -B -q -o -pl bench -am package
 * -DskipTests}:
 *
 * <pre>
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main RecsBenchmarks -f 1 -wi 3 -i 5
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx6g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RecsBenchmarks {
    private static final int PART_ROWS = 100_000;

    /** One table of {@code items} items and 1,000 users, k = {@code dim}. */
    @State(Scope.Benchmark)
    public static class TopKState {
        @Param({"100000"})
        int items;

        @Param({"32"})
        int dim;

        @Param({"10"})
        int k;

        RecsModel model;
        String[] users;
        int next;

        @Setup
        public void setup() {
            Random rnd = new Random(7);
            model = RecsModel.full(full(rnd, 1_000, items, dim), Collections.nCopies(1 + items / PART_ROWS, "bench"));
            users = new String[1_000];
            for (int u = 0; u < users.length; u++) {
                users[u] = "u" + u;
            }
        }
    }

    /** A table of {@code rows} items and a delta of {@code changed} rows (a tenth of them new ids, as many removed). */
    @State(Scope.Benchmark)
    public static class DeltaState {
        @Param({"1000000"})
        int rows;

        @Param({"1000", "10000"})
        int changed;

        @Param({"32"})
        int dim;

        RecsModel base;
        List<RecsVersion> delta;
        List<String> wheres;

        @Setup
        public void setup() {
            Random rnd = new Random(11);
            List<RecsVersion> full = full(rnd, 0, rows, dim);
            base = RecsModel.full(full, Collections.nCopies(full.size(), "bench"));
            List<String> ids = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (int i = 0; i < changed; i++) {
                ids.add(i % 10 == 0 ? "new" + i : item(rnd.nextInt(rows)));
                if (i % 10 == 0) {
                    removed.add(item(rnd.nextInt(rows)));
                }
            }
            delta = List.of(
                    version(2, RecsVersionKind.DELTA, 0, 1, "", List.of(table("items", ids, removed, rnd, dim))));
            wheres = List.of("bench");
        }
    }

    @Benchmark
    public Object topK(TopKState s) {
        String user = s.users[s.next++ % s.users.length];
        return s.model.recommend(user, s.k, Set.of());
    }

    @Benchmark
    public Object deltaApply(DeltaState s) {
        return s.base.withDelta(s.delta, s.wheres);
    }

    static String item(int i) {
        return "i" + i;
    }

    /** A FULL version 1 with {@code users} users and {@code items} items in parts of 10^5 rows. */
    static List<RecsVersion> full(Random rnd, int users, int items, int dim) {
        String yaml = "model: {type: mf, dim: " + dim + "}\nloss: bpr\n";
        List<RecsTableRows> tables = new ArrayList<>();
        List<String> u = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            u.add("u" + i);
        }
        if (!u.isEmpty()) {
            tables.add(table("users", u, List.of(), rnd, dim));
        }
        List<RecsVersion> out = new ArrayList<>();
        for (int from = 0; from < items; from += PART_ROWS) {
            List<String> ids = new ArrayList<>();
            for (int i = from; i < Math.min(items, from + PART_ROWS); i++) {
                ids.add(item(i));
            }
            tables.add(table("items", ids, List.of(), rnd, dim));
            out.add(version(1, RecsVersionKind.FULL, out.size(), 0, out.isEmpty() ? yaml : "", tables));
            tables = new ArrayList<>();
        }
        List<RecsVersion> fixed = new ArrayList<>();
        for (RecsVersion r : out) {
            fixed.add(RecsVersion.newBuilder(r).setParts(out.size()).build());
        }
        return fixed;
    }

    static RecsTableRows table(String name, List<String> ids, List<String> removed, Random rnd, int dim) {
        ByteBuffer values = ByteBuffer.allocate(ids.size() * (dim + 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer counts = ByteBuffer.allocate(ids.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < ids.size(); i++) {
            for (int f = 0; f <= dim; f++) {
                values.putFloat((float) (rnd.nextGaussian() * 0.3));
            }
            counts.putLong(1 + rnd.nextInt(1000));
        }
        values.flip();
        counts.flip();
        return RecsTableRows.newBuilder()
                .setName(name)
                .setIds(ids)
                .setValues(values)
                .setCounts(counts)
                .setRemoved(removed)
                .build();
    }

    static RecsVersion version(long v, RecsVersionKind kind, int part, long base, String yaml, List<RecsTableRows> t) {
        return RecsVersion.newBuilder()
                .setModelId("bench")
                .setVersion(v)
                .setKind(kind)
                .setBaseVersion(base)
                .setFullVersion(1)
                .setPart(part)
                .setParts(1)
                .setStep(v)
                .setExamplesSeen(v)
                .setCreatedAt(Instant.EPOCH)
                .setConfigYaml(yaml)
                .setGlobalBias(0.1f)
                .setTables(t)
                .setMetrics(Map.of())
                .setSourceOffsets(Map.of())
                .build();
    }
}

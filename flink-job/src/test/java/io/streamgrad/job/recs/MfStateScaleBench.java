package io.streamgrad.job.recs;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.learner.recs.HashRowStore;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfGlobal;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfSpec;
import io.streamgrad.learner.recs.Row;
import io.streamgrad.learner.recs.RowCodec;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.math3.distribution.ZipfDistribution;
import org.apache.commons.math3.random.Well19937c;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.checkpoint.CheckpointType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.CheckpointStorageAccess;
import org.apache.flink.runtime.state.CheckpointStorageLocation;
import org.apache.flink.runtime.state.CheckpointStorageLocationReference;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFinalizer;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFutures;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;

/**
 * Training throughput and checkpoints of the job's mf trainer ({@link MfTrainerOperator} over {@link MfTrainer}, in
 * Flink's operator harness) on RocksDB against the size of its tables. Fills both tables with {@code --rows} rows
 * (written straight into the trainer's map states, as training would leave them), settles the LSM tree (a flush and
 * full compaction of both tables through {@link RocksDBKeyedStateBackend#compactState}, unless {@code --settle
 * false}), optionally reads every row once ({@code --warm-cache true}: RocksDB's block caches then hold what fits, as
 * in a long-running job, rather than nothing, as after a restore), optionally takes checkpoint 1, trains {@code
 * --batches} batches (after {@code --warmup-batches}, by default a fifth as many; a long warm-up fills the row cache
 * and the block cache with the workload's own hot rows, as in a job that has run for a while) whose user and item
 * ids are drawn uniformly or Zipf-distributed (seeded; ranks scattered over the ids), then optionally takes
 * checkpoint 2.
 *
 * <p>{@code --offline true} is the reference without a state backend: the offline trainer over heap tables filled
 * with the same rows, on the same batches (what the tables' size costs when every row is already a Java object).
 *
 * <p>{@code --row-cache N} is the job's {@code recs.cached_rows} (default the job's; 0: every row read and written
 * through the state, the uncached path).
 *
 * <p>Checkpoints go as in a task: the operator's {@code prepareSnapshotPreBarrier} (the row cache's dirty rows
 * written to the state; timed), its {@code snapshotState} (the synchronous part, timed) and
 * {@link OperatorSnapshotFinalizer} (the asynchronous part: the upload, run here on the calling thread, timed),
 * into a {@link FileSystemCheckpointStorage} under {@code --dir}: the sizes are those of the keyed state handles
 * ({@code getStateSize}: the whole state the checkpoint refers to; {@code getCheckpointedSize}: what this
 * checkpoint uploaded) and the bytes on disk. RocksDB counts its block-cache misses and bytes read per measured
 * batch ({@link Statistics}, set by this bench's options factory). {@code --digest true} hashes both tables at the
 * end (after the last checkpoint), to compare runs.
 *
 * <p>Not a test: run with the test classpath, {@code java ... io.streamgrad.job.recs.MfStateScaleBench --rows
 * 10000000 --batches 1000 --ids zipf --checkpoints incremental}; {@code --flink key=value} passes Flink's own
 * RocksDB keys ({@code state.backend.rocksdb.*}) to the backend. Deletes its directory at the end.
 */
public final class MfStateScaleBench {
    static final String YAML = """
            model: {type: mf, dim: 16}
            loss: logistic
            negatives: {count: 4, pool: 1000}
            optimizer: {type: adagrad, learning_rate: 0.05}
            batch_size: 64
            seed: 3
            """;

    /** The bench's defaults for RocksDB (Flink keys): bloom filters and a fixed 256 MB block cache per table. */
    static final Map<String, String> DEFAULT_FLINK = Map.of(
            "state.backend.rocksdb.use-bloom-filter", "true",
            "state.backend.rocksdb.memory.managed", "false",
            "state.backend.rocksdb.block.cache-size", "256mb");

    enum Ids {
        UNIFORM,
        ZIPF
    }

    enum Checkpoints {
        NONE,
        FULL,
        INCREMENTAL
    }

    record Args(
            int rows,
            int batches,
            Ids ids,
            double zipfExponent,
            boolean settle,
            Checkpoints checkpoints,
            Path dir,
            Map<String, String> flink,
            long seed,
            int rowCache,
            boolean warmCache,
            boolean digest,
            int warmupBatches,
            boolean offline) {

        static final String USAGE = "usage: MfStateScaleBench [--rows N] [--batches N] [--ids uniform|zipf]"
                + " [--zipf-exponent S] [--settle true|false] [--checkpoints none|full|incremental] [--dir DIR]"
                + " [--seed N] [--row-cache ROWS] [--warm-cache true|false] [--digest true|false]"
                + " [--warmup-batches N] [--offline true|false]"
                + " [--flink key=value]...";

        static Args parse(String... a) {
            int rows = 10_000;
            int batches = 1_000;
            Ids ids = Ids.UNIFORM;
            double zipf = 1.0;
            boolean settle = true;
            Checkpoints checkpoints = Checkpoints.NONE;
            Path dir = Path.of(System.getProperty("java.io.tmpdir"));
            long seed = 1;
            int rowCache = RecsModels.DEFAULT_CACHED_ROWS;
            boolean warmCache = false;
            boolean digest = false;
            int warmupBatches = -1;
            boolean offline = false;
            Map<String, String> flink = new LinkedHashMap<>(DEFAULT_FLINK);
            for (int i = 0; i < a.length; i++) {
                String key = a[i];
                if (i + 1 >= a.length) {
                    throw new IllegalArgumentException(key + " needs a value; " + USAGE);
                }
                String v = a[++i];
                try {
                    switch (key) {
                        case "--rows" -> rows = positive(key, Integer.parseInt(v));
                        case "--batches" -> batches = positive(key, Integer.parseInt(v));
                        case "--ids" -> ids = Ids.valueOf(v.toUpperCase(Locale.ROOT));
                        case "--zipf-exponent" -> zipf = Double.parseDouble(v);
                        case "--settle" -> settle = bool(key, v);
                        case "--checkpoints" -> checkpoints = Checkpoints.valueOf(v.toUpperCase(Locale.ROOT));
                        case "--dir" -> dir = Path.of(v);
                        case "--seed" -> seed = Long.parseLong(v);
                        case "--row-cache" -> rowCache = nonNegative(key, Integer.parseInt(v));
                        case "--warm-cache" -> warmCache = bool(key, v);
                        case "--digest" -> digest = bool(key, v);
                        case "--warmup-batches" -> warmupBatches = positive(key, Integer.parseInt(v));
                        case "--offline" -> offline = bool(key, v);
                        case "--flink" -> {
                            int eq = v.indexOf('=');
                            if (eq <= 0) {
                                throw new IllegalArgumentException("--flink wants key=value, got '" + v + "'");
                            }
                            flink.put(v.substring(0, eq), v.substring(eq + 1));
                        }
                        default -> throw new IllegalArgumentException("unknown argument " + key + "; " + USAGE);
                    }
                } catch (IllegalArgumentException e) {
                    if (e.getMessage() != null && e.getMessage().contains(USAGE)) {
                        throw e;
                    }
                    throw new IllegalArgumentException(
                            "bad value '" + v + "' for " + key + " (" + e.getMessage() + "); " + USAGE, e);
                }
            }
            if (!(zipf > 0)) {
                throw new IllegalArgumentException("--zipf-exponent must be > 0, got " + zipf + "; " + USAGE);
            }
            return new Args(
                    rows,
                    batches,
                    ids,
                    zipf,
                    settle,
                    checkpoints,
                    dir,
                    Map.copyOf(flink),
                    seed,
                    rowCache,
                    warmCache,
                    digest,
                    warmupBatches > 0 ? warmupBatches : Math.max(1, batches / 5),
                    offline);
        }

        /** The trainer's path, as the RESULT line names it. */
        String path() {
            return offline ? "offline" : rowCache == 0 ? "uncached" : "row-cache=" + rowCache;
        }

        private static int nonNegative(String key, int v) {
            if (v < 0) {
                throw new IllegalArgumentException(key + " must be >= 0");
            }
            return v;
        }

        private static int positive(String key, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(key + " must be > 0");
            }
            return v;
        }

        private static boolean bool(String key, String v) {
            return switch (v) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(key + " is true or false");
            };
        }
    }

    /**
     * One checkpoint: its durations and sizes. {@code flushMs} is the operator's {@code prepareSnapshotPreBarrier}
     * (the row cache's dirty rows written to the keyed state, on the task thread before the barrier) and
     * {@code flushedKeys} the RocksDB keys it wrote; {@code syncMs} is the synchronous {@code snapshotState} after it.
     */
    record Checkpoint(
            long id,
            double flushMs,
            long flushedKeys,
            double syncMs,
            double asyncMs,
            long stateSize,
            long checkpointedSize,
            long diskBytes) {}

    /**
     * The warm-up read of both tables ({@code --warm-cache true}): rows read, how long it took, the block-cache
     * misses it caused and the block caches' usage after it (bytes, summed over the column families).
     */
    record Warm(long rows, double seconds, long blockCacheMisses, long blockCacheUsage) {}

    /** What a run measured. */
    record Result(
            double fillSeconds,
            double settleSeconds,
            double msPerBatch,
            double p50Ms,
            double p99Ms,
            double interactionsPerSecond,
            Map<String, Double> perBatch,
            List<Checkpoint> checkpoints,
            int rowBytes,
            Warm warm,
            long blockCacheUsageBefore,
            long blockCacheUsageAfter,
            int cachedRowsAfter,
            long digest) {}

    private MfStateScaleBench() {}

    public static void main(String[] argv) throws Exception {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        double loadBefore = load();
        Result r = run(args, System.out);
        double loadAfter = load();
        System.out.printf(
                Locale.ROOT,
                "RESULT rows=%d ids=%s%s path=%s warm-cache=%s block-cache=%s settle=%s batches=%d after %d: %.2f ms/batch (p50 %.2f, p99 %.2f) = %,.0f"
                        + " interactions/s; fill %.0f s, settle %.0f s; per batch %s; load %.2f -> %.2f on %d"
                        + " cores; row %d bytes; block cache in use %,d -> %,d B; %,d rows in the row cache at the"
                        + " end%n",
                args.rows(),
                args.ids().name().toLowerCase(Locale.ROOT),
                args.ids() == Ids.ZIPF ? "(" + args.zipfExponent() + ")" : "",
                args.path(),
                args.warmCache(),
                args.flink().get("state.backend.rocksdb.block.cache-size"),
                args.settle(),
                args.batches(),
                args.warmupBatches(),
                r.msPerBatch(),
                r.p50Ms(),
                r.p99Ms(),
                r.interactionsPerSecond(),
                r.fillSeconds(),
                r.settleSeconds(),
                format(r.perBatch()),
                loadBefore,
                loadAfter,
                Runtime.getRuntime().availableProcessors(),
                r.rowBytes(),
                r.blockCacheUsageBefore(),
                r.blockCacheUsageAfter(),
                r.cachedRowsAfter());
        if (r.warm() != null) {
            System.out.printf(
                    Locale.ROOT,
                    "WARM read %,d rows in %.1f s: %,d block-cache misses; block cache in use %,d B%n",
                    r.warm().rows(),
                    r.warm().seconds(),
                    r.warm().blockCacheMisses(),
                    r.warm().blockCacheUsage());
        }
        for (Checkpoint c : r.checkpoints()) {
            System.out.printf(
                    Locale.ROOT,
                    "CHECKPOINT %s %d: flush %.0f ms (%,d keys written), sync %.0f ms, async %.0f ms; state size %,d"
                            + " B, checkpointed %,d B, on disk %,d B%n",
                    args.checkpoints().name().toLowerCase(Locale.ROOT),
                    c.id(),
                    c.flushMs(),
                    c.flushedKeys(),
                    c.syncMs(),
                    c.asyncMs(),
                    c.stateSize(),
                    c.checkpointedSize(),
                    c.diskBytes());
        }
    }

    static Result run(Args args, java.io.PrintStream log) throws Exception {
        if (args.offline()) {
            return runOffline(args, log);
        }
        MfSpec spec = MfConfig.parse(YAML);
        // the job's operator; recs.cached_rows = 0 is the job's uncached path (every row read and written in the state)
        RecsModels models = new RecsModels("interactions", Map.of("m", YAML), 0, 10_000, args.rowCache());
        MfTrainerOperator trainer =
                new MfTrainerOperator(new MfTrainer(models, 0, 1_000_000, new MfVersions.Policy(0, 0, 0, 1, 1)));
        Path work = Files.createTempDirectory(args.dir(), "mf-state-bench-");
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics>(
                trainer, r -> r.modelId, Types.STRING, 128, 1, 0)) {
            Configuration conf = new Configuration();
            args.flink().forEach(conf::setString);
            conf.setString(
                    "execution.checkpointing.incremental",
                    String.valueOf(args.checkpoints() == Checkpoints.INCREMENTAL));
            conf.setString(
                    "state.backend.rocksdb.localdir", work.resolve("rocksdb").toString());
            EmbeddedRocksDBStateBackend backend =
                    new EmbeddedRocksDBStateBackend().configure(conf, MfStateScaleBench.class.getClassLoader());
            backend.setRocksDBOptions(new CountingOptions(backend.getRocksDBOptions()));
            h.setStateBackend(backend);
            h.open();
            AbstractStreamOperator<?> operator = h.getOperator();
            @SuppressWarnings("unchecked")
            RocksDBKeyedStateBackend<String> keyed =
                    (RocksDBKeyedStateBackend<String>) (Object) operator.getKeyedStateBackend();
            keyed.setCurrentKey("m");

            // the rows a trained model would hold: one training step on a fresh model gives their layout
            MfModel seed = new MfModel(spec);
            seed.train(List.of(Interaction.implicit("u", "i", 0)));
            Row userRow = seed.users().lookup("u").copy();
            Row itemRow = seed.items().lookup("i").copy();
            Random fill = new Random(args.seed() + 17);
            long t0 = System.nanoTime();
            List<MapStateDescriptor<String, byte[]>> tables = new ArrayList<>();
            List<MapState<String, byte[]>> tableStates = new ArrayList<>();
            for (String table : new String[] {"mfUsers", "mfItems"}) {
                var d = new MapStateDescriptor<>(
                        table, Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
                tables.add(d);
                MapState<String, byte[]> s =
                        keyed.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, d);
                tableStates.add(s);
                Row row = table.equals("mfUsers") ? userRow : itemRow;
                String prefix = table.equals("mfUsers") ? "u" : "i";
                Map<String, byte[]> chunk = new HashMap<>();
                for (int n = 0; n < args.rows(); n++) {
                    // distinct values, as trained rows have (identical rows would compress to nothing)
                    randomize(row.params(), fill, 0.2f, 0f);
                    randomize(row.slot1(), fill, 0.5f, 0.1f);
                    chunk.put(prefix + n, RowCodec.encode(row));
                    if (chunk.size() == 50_000 || n == args.rows() - 1) {
                        s.putAll(chunk); // one RocksDB write batch
                        chunk.clear();
                    }
                }
            }
            double fillSeconds = (System.nanoTime() - t0) / 1e9;
            log.printf(
                    Locale.ROOT, "filled %,d rows per table in %.1f s (load %.2f)%n", args.rows(), fillSeconds, load());
            long t1 = System.nanoTime();
            if (args.settle()) {
                for (var d : tables) {
                    keyed.compactState(d); // flushes the memtable, then compacts the table's whole range
                }
            }
            double settleSeconds = (System.nanoTime() - t1) / 1e9;
            log.printf(Locale.ROOT, "settled in %.1f s (load %.2f)%n", settleSeconds, load());
            Statistics stats = CountingOptions.STATISTICS;
            RocksDB db = db(keyed);
            Warm warm = null;
            if (args.warmCache()) {
                // a long-running job's block cache has seen the tables: every row read once, with RocksDB's default
                // fill_cache, so the caches keep what fits
                long misses0 = stats.getTickerCount(TickerType.BLOCK_CACHE_DATA_MISS);
                long t2 = System.nanoTime();
                long n = 0;
                long bytes = 0;
                for (MapState<String, byte[]> s : tableStates) {
                    for (Map.Entry<String, byte[]> e : s.entries()) {
                        n++;
                        bytes += e.getValue().length;
                    }
                }
                warm = new Warm(
                        n,
                        (System.nanoTime() - t2) / 1e9,
                        stats.getTickerCount(TickerType.BLOCK_CACHE_DATA_MISS) - misses0,
                        blockCacheUsage(db));
                log.printf(
                        Locale.ROOT, "warmed the block cache: %s, %,d value bytes (load %.2f)%n", warm, bytes, load());
            }

            List<Checkpoint> checkpoints = new ArrayList<>();
            CheckpointStorageAccess storage = args.checkpoints() == Checkpoints.NONE
                    ? null
                    : new FileSystemCheckpointStorage(
                                    work.resolve("checkpoints").toUri())
                            .createCheckpointStorage(new JobID());
            if (storage != null) {
                storage.initializeBaseLocationsForCheckpoint();
                checkpoints.add(checkpoint(h, operator, storage, 1, work.resolve("checkpoints")));
                log.println("checkpoint 1: " + checkpoints.get(0));
            }

            IdSampler ids = IdSampler.of(args.ids(), args.rows(), args.zipfExponent(), args.seed());
            long usageBefore = 0;
            int warmUp = args.warmupBatches();
            long offset = 0;
            long[] batchNanos = new long[args.batches()];
            Map<TickerType, Long> before = null;
            long start = 0;
            long threadCpu0 = 0;
            long processCpu0 = 0;
            for (int bt = 0; bt < warmUp + args.batches(); bt++) {
                if (bt == warmUp) {
                    usageBefore = blockCacheUsage(db);
                    before = tickers(stats);
                    threadCpu0 = THREADS.getCurrentThreadCpuTime();
                    processCpu0 = processCpuNanos();
                    start = System.nanoTime();
                }
                long b0 = System.nanoTime();
                for (int i = 0; i < spec.batchSize(); i++) {
                    h.processElement(new StreamRecord<>(new InteractionRecord(
                            "m", "u" + ids.next(), "i" + ids.next(), Double.NaN, offset, "interactions", 0, offset++)));
                }
                if (bt >= warmUp) {
                    batchNanos[bt - warmUp] = System.nanoTime() - b0;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double threadCpuMs = (THREADS.getCurrentThreadCpuTime() - threadCpu0) / 1e6 / args.batches();
            double processCpuMs = (processCpuNanos() - processCpu0) / 1e6 / args.batches();
            Map<TickerType, Long> after = tickers(stats);
            long usageAfter = blockCacheUsage(db);
            int cachedRows = trainer.cachedRows("m");
            Map<String, Double> perBatch = new LinkedHashMap<>();
            perBatch.put("thread_cpu_ms", threadCpuMs);
            perBatch.put("process_cpu_ms", processCpuMs);
            for (TickerType t : TICKERS) {
                perBatch.put(
                        t.name().toLowerCase(Locale.ROOT), (after.get(t) - before.get(t)) / (double) args.batches());
            }
            Arrays.sort(batchNanos);
            if (storage != null) {
                checkpoints.add(checkpoint(h, operator, storage, 2, work.resolve("checkpoints")));
                log.println("checkpoint 2: " + checkpoints.get(1));
            }
            long digest = args.digest() ? digest(keyed, tableStates) : 0;
            return new Result(
                    fillSeconds,
                    settleSeconds,
                    seconds * 1000 / args.batches(),
                    medianMs(batchNanos),
                    p99Ms(batchNanos),
                    args.batches() * spec.batchSize() / seconds,
                    perBatch,
                    checkpoints,
                    RowCodec.encode(userRow).length,
                    warm,
                    usageBefore,
                    usageAfter,
                    cachedRows,
                    digest);
        } finally {
            deleteTree(work);
        }
    }

    /**
     * The reference without any state backend ({@code --offline true}): the offline trainer, {@link MfModel} over two
     * {@link HashRowStore}s filled with the same rows as the state, trained on the same batches (the same ids, the
     * same {@link InteractionRecord#interaction()}s) in one thread. What the size of the tables costs when every row
     * is a Java object in the heap: the part of the 10^7 / 10^4 ratio no state layout can remove.
     */
    private static Result runOffline(Args args, java.io.PrintStream log) {
        MfSpec spec = MfConfig.parse(YAML);
        MfModel seed = new MfModel(spec);
        seed.train(List.of(Interaction.implicit("u", "i", 0)));
        Random fill = new Random(args.seed() + 17);
        long t0 = System.nanoTime();
        HashRowStore users = new HashRowStore();
        HashRowStore items = new HashRowStore();
        for (HashRowStore store : List.of(users, items)) {
            Row row = (store == users ? seed.users().lookup("u") : seed.items().lookup("i")).copy();
            String prefix = store == users ? "u" : "i";
            for (int n = 0; n < args.rows(); n++) {
                randomize(row.params(), fill, 0.2f, 0f);
                randomize(row.slot1(), fill, 0.5f, 0.1f);
                store.put(prefix + n, row.copy());
            }
        }
        double fillSeconds = (System.nanoTime() - t0) / 1e9;
        log.printf(
                Locale.ROOT,
                "filled %,d rows per table in the heap in %.1f s (load %.2f)%n",
                args.rows(),
                fillSeconds,
                load());
        MfModel model = new MfModel(spec, new MfGlobal(spec), users, items);
        IdSampler ids = IdSampler.of(args.ids(), args.rows(), args.zipfExponent(), args.seed());
        int warmUp = args.warmupBatches();
        long offset = 0;
        long[] batchNanos = new long[args.batches()];
        long start = 0;
        long threadCpu0 = 0;
        long processCpu0 = 0;
        List<Interaction> batch = new ArrayList<>(spec.batchSize());
        for (int bt = 0; bt < warmUp + args.batches(); bt++) {
            if (bt == warmUp) {
                threadCpu0 = THREADS.getCurrentThreadCpuTime();
                processCpu0 = processCpuNanos();
                start = System.nanoTime();
            }
            long b0 = System.nanoTime();
            batch.clear();
            for (int i = 0; i < spec.batchSize(); i++) {
                batch.add(new InteractionRecord(
                                "m",
                                "u" + ids.next(),
                                "i" + ids.next(),
                                Double.NaN,
                                offset,
                                "interactions",
                                0,
                                offset++)
                        .interaction());
            }
            model.train(batch);
            if (bt >= warmUp) {
                batchNanos[bt - warmUp] = System.nanoTime() - b0;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> perBatch = new LinkedHashMap<>();
        perBatch.put("thread_cpu_ms", (THREADS.getCurrentThreadCpuTime() - threadCpu0) / 1e6 / args.batches());
        perBatch.put("process_cpu_ms", (processCpuNanos() - processCpu0) / 1e6 / args.batches());
        Arrays.sort(batchNanos);
        return new Result(
                fillSeconds,
                0,
                seconds * 1000 / args.batches(),
                medianMs(batchNanos),
                p99Ms(batchNanos),
                args.batches() * spec.batchSize() / seconds,
                perBatch,
                List.of(),
                RowCodec.encode(seed.users().lookup("u")).length,
                null,
                0,
                0,
                users.size() + items.size(),
                0);
    }

    /** The middle one of the sorted batch durations, in ms. */
    private static double medianMs(long[] sortedNanos) {
        return sortedNanos[sortedNanos.length / 2] / 1e6;
    }

    /** The 99th percentile (nearest rank) of the sorted batch durations, in ms. */
    private static double p99Ms(long[] sortedNanos) {
        return sortedNanos[(int) Math.min(sortedNanos.length - 1, Math.ceil(sortedNanos.length * 0.99) - 1)] / 1e6;
    }

    /** A checkpoint as a task takes it: the operator's synchronous part, then its asynchronous part, timed. */
    private static Checkpoint checkpoint(
            KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics> h,
            AbstractStreamOperator<?> operator,
            CheckpointStorageAccess storage,
            long id,
            Path checkpointDir)
            throws Exception {
        CheckpointStorageLocation location = storage.initializeLocationForCheckpoint(id);
        CheckpointOptions options =
                new CheckpointOptions(CheckpointType.CHECKPOINT, CheckpointStorageLocationReference.getDefault());
        // a task calls prepareSnapshotPreBarrier before snapshotState (the harness's own snapshot methods do not):
        // MfTrainerOperator writes the row cache's dirty rows to the keyed state there
        long written0 = CountingOptions.STATISTICS.getTickerCount(TickerType.NUMBER_KEYS_WRITTEN);
        long f0 = System.nanoTime();
        operator.prepareSnapshotPreBarrier(id);
        long t0 = System.nanoTime();
        long flushedKeys = CountingOptions.STATISTICS.getTickerCount(TickerType.NUMBER_KEYS_WRITTEN) - written0;
        OperatorSnapshotFutures futures = operator.snapshotState(id, System.currentTimeMillis(), options, location);
        long t1 = System.nanoTime();
        OperatorSnapshotFinalizer done = OperatorSnapshotFinalizer.create(futures);
        long t2 = System.nanoTime();
        OperatorSubtaskState state = done.getJobManagerOwnedState();
        h.notifyOfCompletedCheckpoint(id); // incremental: the next checkpoint may refer to this one's files
        return new Checkpoint(
                id,
                (t0 - f0) / 1e6,
                flushedKeys,
                (t1 - t0) / 1e6,
                (t2 - t1) / 1e6,
                state.getStateSize(),
                state.getCheckpointedSize(),
                bytesUnder(checkpointDir));
    }

    /** The backend's RocksDB instance (a protected field: the bench reads a property of it). */
    private static RocksDB db(RocksDBKeyedStateBackend<?> keyed) throws ReflectiveOperationException {
        java.lang.reflect.Field f = RocksDBKeyedStateBackend.class.getDeclaredField("db");
        f.setAccessible(true);
        return (RocksDB) f.get(keyed);
    }

    /**
     * Bytes in the block caches, summed over the column families (Flink gives each state its own cache of
     * {@code state.backend.rocksdb.block.cache-size} when RocksDB's memory is not managed).
     */
    private static long blockCacheUsage(RocksDB db) throws RocksDBException {
        return db.getAggregatedLongProperty("rocksdb.block-cache-usage");
    }

    /**
     * A digest of every row of both tables as the keyed state holds them now (an order-free sum of each entry's
     * 64-bit FNV-1a hash): equal digests of two runs mean equal tables.
     */
    private static long digest(RocksDBKeyedStateBackend<String> keyed, List<MapState<String, byte[]>> tables)
            throws Exception {
        keyed.setCurrentKey("m");
        long sum = 0;
        for (int t = 0; t < tables.size(); t++) {
            for (Map.Entry<String, byte[]> e : tables.get(t).entries()) {
                long h = 0xcbf29ce484222325L ^ t;
                for (byte b : e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    h = (h ^ (b & 0xff)) * 0x100000001b3L;
                }
                h = (h ^ 0xff) * 0x100000001b3L; // between key and value
                for (byte b : e.getValue()) {
                    h = (h ^ (b & 0xff)) * 0x100000001b3L;
                }
                sum += h;
            }
        }
        return sum == 0 ? 1 : sum;
    }

    static final List<TickerType> TICKERS = List.of(
            TickerType.NUMBER_KEYS_READ,
            TickerType.NUMBER_KEYS_WRITTEN,
            TickerType.MEMTABLE_HIT,
            TickerType.BLOCK_CACHE_DATA_HIT,
            TickerType.BLOCK_CACHE_DATA_MISS,
            TickerType.BLOCK_CACHE_INDEX_MISS,
            TickerType.BLOCK_CACHE_FILTER_MISS,
            TickerType.BLOCK_CACHE_DATA_BYTES_INSERT,
            TickerType.BLOOM_FILTER_USEFUL,
            TickerType.GET_HIT_L0,
            TickerType.GET_HIT_L1,
            TickerType.GET_HIT_L2_AND_UP,
            TickerType.COMPACT_READ_BYTES);

    private static Map<TickerType, Long> tickers(Statistics s) {
        Map<TickerType, Long> m = new LinkedHashMap<>();
        for (TickerType t : TICKERS) {
            m.put(t, s.getTickerCount(t));
        }
        return m;
    }

    /**
     * The configured options, plus RocksDB {@link Statistics} for the bench's counters (one RocksDB instance per
     * JVM here, so one static object).
     */
    static final class CountingOptions implements RocksDBOptionsFactory {
        private static final long serialVersionUID = 1L;
        static final Statistics STATISTICS = new Statistics();
        private final RocksDBOptionsFactory inner;

        CountingOptions(RocksDBOptionsFactory inner) {
            this.inner = inner;
        }

        @Override
        public DBOptions createDBOptions(DBOptions current, Collection<AutoCloseable> handlesToClose) {
            DBOptions o = inner == null ? current : inner.createDBOptions(current, handlesToClose);
            return o.setStatistics(STATISTICS);
        }

        @Override
        public ColumnFamilyOptions createColumnOptions(
                ColumnFamilyOptions current, Collection<AutoCloseable> handlesToClose) {
            return inner == null ? current : inner.createColumnOptions(current, handlesToClose);
        }
    }

    /** Row numbers in [0, rows): uniform, or Zipf by rank with the ranks scattered over the ids (seeded). */
    interface IdSampler {
        int next();

        static IdSampler of(Ids ids, int rows, double exponent, long seed) {
            if (ids == Ids.UNIFORM) {
                Random rnd = new Random(seed);
                return () -> rnd.nextInt(rows);
            }
            ZipfDistribution zipf = new ZipfDistribution(new Well19937c(seed), rows, exponent);
            long step = scatterStep(rows);
            long shift = Math.floorMod(seed * 0x9E3779B97F4A7C15L, (long) rows);
            // rank k (1 = most frequent) -> (k * step + shift) mod rows: a bijection, so hot ids are spread over
            // the key space as hashed or random real ids would be, not packed in a few SST blocks
            return () -> (int) Math.floorMod((zipf.sample() - 1L) * step + shift, (long) rows);
        }

        /** A step coprime to {@code rows}, near rows * 0.618. */
        static long scatterStep(int rows) {
            long s = Math.max(1, (long) (rows * 0.6180339887));
            while (gcd(s, rows) != 1) {
                s++;
            }
            return s;
        }

        private static long gcd(long a, long b) {
            return b == 0 ? a : gcd(b, a % b);
        }
    }

    /** Fills {@code a} with values in [offset, offset + width) (the row's live arrays: the bench's own copy). */
    private static void randomize(float[] a, Random rnd, float width, float offset) {
        for (int i = 0; i < a.length; i++) {
            a[i] = offset + width * rnd.nextFloat();
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String format(Map<String, Double> perBatch) {
        StringBuilder sb = new StringBuilder("{");
        perBatch.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "")
                .append(k)
                .append('=')
                .append(String.format(Locale.ROOT, "%.2f", v)));
        return sb.append('}').toString();
    }

    static long bytesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

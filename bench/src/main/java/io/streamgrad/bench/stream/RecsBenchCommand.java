package io.streamgrad.bench.stream;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.cli.Args;
import io.streamgrad.cli.JobGraphs;
import io.streamgrad.cli.KafkaClients;
import io.streamgrad.cli.UsageException;
import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.embedded.LocalFlink;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.config.JobOptions;
import io.streamgrad.job.recs.RecsTopics;
import io.streamgrad.job.recs.RecsVersionRecords;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionGenerator;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import io.streamgrad.learner.recs.Prequential;
import io.streamgrad.learner.recs.RankingMetrics;
import io.streamgrad.learner.recs.Row;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import io.streamgrad.serving.ModelFollower;
import io.streamgrad.serving.recs.RecsModel;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code streamgrad bench-recs}: the recommendation path measured end to end in one JVM — an in-process Kafka broker,
 * the job with one {@code mf} model (k = 32, deltas on) on a Flink MiniCluster, {@code RecsVersion} records (FULL and
 * DELTA versions) on the updates topic through the exactly-once sink, and a {@link ModelFollower} serving them —
 * beside the offline trainer ({@link MfModel#train}) on the same batches.
 *
 * <p>The interactions come from the seeded {@link InteractionGenerator} (implicit feedback; many users, fewer items,
 * so that the user and item tables reach ~10^6 rows), produced as Avro {@code Interaction} records keyed by model id
 * to one partition, so the job trains the offline trainer's batches. Versions are due every
 * {@code --version-every-steps} steps (a batch count, so that each version holds a known prefix of the
 * interactions), and {@code deltas.full_every_versions} is chosen so that version 1 and the last version are FULL and
 * every version between is a DELTA: the last version is a FULL version of the final tables (~10^6 rows). Three phases
 * on one running job:
 * <ol>
 *   <li>warm-up: the first interactions (JIT, the first rows); awaited, not measured;</li>
 *   <li>throughput: {@code --interactions} waiting in the broker before the job starts ({@code --produce
 *       backlog}, the default: from the version holding the warm-up (its {@code created_at}) to the version holding
 *       the last one complete and visible to a read_committed reader of the updates topic; the follower starts
 *       after) or produced flat out while the job runs ({@code --produce live}: from the first one's send time);
 *       running interactions/s from the versions' {@code created_at} (the job's own rate, without the wait for the
 *       checkpoint that commits them);</li>
 *   <li>latency: {@code --latency-interactions} paced at half the running rate: per interaction, the time from its
 *       send to the first version the follower serves whose {@code examples_seen} covers it (and to the first
 *       complete committed version the reader sees); p50/p99.</li>
 * </ol>
 * Then the job is cancelled and the same batches go through {@link MfModel#train} in one thread (with the same
 * prequential scoring every {@code recs.evaluate_every_batches} batches): its interactions/s over the measured
 * batches, alone and with the measured DELTA versions built and encoded as the job does, and the model after the last DELTA version and after the final FULL one, which the versions the follower
 * served must equal bit for bit (rows, score and top-K for a sample of users). Any difference fails the command.
 */
public final class RecsBenchCommand {
    static final String USAGE = """
            usage: streamgrad bench-recs [--users N] [--items N] [--interactions N] [--latency-interactions N]
                                         [--batch N] [--version-every-steps N] [--checkpoint-ms MS]
                                         [--state-backend hashmap|rocksdb] [--produce backlog|live]
                                         [--evaluate-every-batches N] [--quick] [--dir DIR]
              End to end in one JVM: seeded interactions (InteractionGenerator) -> in-process Kafka broker -> the
              streaming job (one mf model, k = 32, deltas on; Flink MiniCluster) -> FULL/DELTA versions on the updates
              topic (exactly once) -> a ModelFollower serving them. Prints interactions/s end to end and running,
              beside MfModel.train offline on the same batches (the ratio), bytes per DELTA version and per changed
              row vs the FULL version of the final tables, event-to-servable p50/p99 at half the running rate, the
              load average; checks the served model against the offline one bit for bit (rows, score, top-K).
              --users              distinct users the generator draws from uniformly (default 1,100,000; --quick
                                   2,000)
              --items              distinct items, Zipf-like popularity (default 1,000; --quick: 200)
              --interactions       measured interactions (default 2,560,000; --quick: 20,480),
                                   after a warm-up of a twentieth as many and before the paced latency phase
              --latency-interactions  interactions of the paced latency phase (default 61,440; --quick: 4,096)
              --batch              batch_size of the mf model (default 256)
              --version-every-steps  snapshot.every_steps: a version every this many batches (default 8)
              --checkpoint-ms      checkpoint_interval_ms of the job (default 2000, the job's default); a version
                                   is visible once the checkpoint after it completes
              --state-backend      the job's state_backend (default hashmap; rocksdb: incremental checkpoints)
              --produce            backlog (default): the warm-up and measured interactions are in the broker
                                   before the job starts, and the follower starts after the measured phase
                                   (the job drains a backlog; neither the producer nor the follower shares
                                   the cores while it is timed); live: produced flat out while the job runs,
                                   the follower running throughout
              --evaluate-every-batches  recs.evaluate_every_batches in the job and the same prequential scoring
                                   offline (default 0: none; a top-K scan per interaction)
              --quick              small input (a smoke test, not a measurement)
              --dir                scratch directory for the broker's log and checkpoints (default: a fresh temp
                                   directory, deleted)""";

    static final String MODEL = "recs";
    /** {@code recs.rows_per_part}: the job's default. */
    private static final int ROWS_PER_PART = JobOptions.RECS_ROWS_PER_PART.defaultValue();

    private static final long SEED = 42;
    /** Latent dimension of the generator's users and items (the model's own is {@link #DIM}). */
    private static final int GENERATOR_DIM = 8;

    static final int DIM = 32;
    /** Users whose rows, score and top-K are compared with the offline model at each checked version. */
    static final int SAMPLE_USERS = 200;

    static final int TOP_K = 10;

    private final PrintStream out;
    private final PrintStream err;
    private final int users;
    private final int items;
    private final int warm;
    private final int measured;
    private final int latency;
    private final int batch;
    private final int everySteps;
    private final long checkpointMs;
    private final String stateBackend;
    private final int evaluateEvery;
    private final boolean backlog;
    private final Path dir;
    private EmbeddedKafka kafka;
    private LocalFlink flink;

    private RecsBenchCommand(
            PrintStream out,
            PrintStream err,
            int users,
            int items,
            int warm,
            int measured,
            int latency,
            int batch,
            int everySteps,
            long checkpointMs,
            String stateBackend,
            int evaluateEvery,
            boolean backlog,
            Path dir) {
        this.out = out;
        this.err = err;
        this.users = users;
        this.items = items;
        this.warm = warm;
        this.measured = measured;
        this.latency = latency;
        this.batch = batch;
        this.everySteps = everySteps;
        this.checkpointMs = checkpointMs;
        this.stateBackend = stateBackend;
        this.evaluateEvery = evaluateEvery;
        this.backlog = backlog;
        this.dir = dir;
    }

    /** {@code ./streamgrad bench-recs}: the launcher runs this class with the bench module's classpath. */
    public static void main(String[] argv) {
        BenchCommands.exit(execute(List.of(argv), System.out, System.err));
    }

    /** The command with the command line's usage and error handling; returns its exit status. */
    static int execute(List<String> args, PrintStream out, PrintStream err) {
        return BenchCommands.execute("bench-recs", USAGE, args, out, err, () -> run(args, out, err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of(
                        "users",
                        "items",
                        "interactions",
                        "latency-interactions",
                        "batch",
                        "version-every-steps",
                        "checkpoint-ms",
                        "state-backend",
                        "evaluate-every-batches",
                        "produce",
                        "dir"),
                Set.of("quick"));
        boolean quick = args.flag("quick");
        int users = (int) args.longValue("users", quick ? 2_000 : 1_100_000, 1, 10_000_000);
        int items = (int) args.longValue("items", quick ? 200 : 1_000, 1, 1_000_000);
        long requested = args.longValue("interactions", quick ? 20_480 : 2_560_000, 1, 50_000_000);
        long requestedLatency = args.longValue("latency-interactions", quick ? 4_096 : 61_440, 1, 10_000_000);
        int batch = (int) args.longValue("batch", 256, 1, 100_000);
        int everySteps = (int) args.longValue("version-every-steps", 8, 1, 1_000_000);
        long checkpointMs = args.longValue("checkpoint-ms", 2000, 10, 600_000);
        String stateBackend = args.oneOf("state-backend", "hashmap", "hashmap", "rocksdb");
        int evaluateEvery = (int) args.longValue("evaluate-every-batches", 0, 0, Integer.MAX_VALUE);
        boolean backlog = args.oneOf("produce", "backlog", "backlog", "live").equals("backlog");
        // Every phase is whole versions (batch x version-every-steps interactions), so each version holds a known
        // prefix of the interactions and the last one holds them all.
        long unit = (long) batch * everySteps;
        long measured = roundUp(requested, unit);
        long warm = roundUp(Math.max(1, measured / 20), unit);
        long latency = roundUp(requestedLatency, unit);
        if (warm + measured + latency > 50_000_000L) {
            throw new UsageException("the run would have " + (warm + measured + latency) + " interactions (phases"
                    + " rounded up to whole versions of --batch x --version-every-steps = " + unit
                    + "), over 50,000,000: the bench keeps every interaction in memory");
        }
        Path given = args.path("dir", null);
        Path dir = given != null ? Files.createDirectories(given) : Files.createTempDirectory("streamgrad-bench-recs-");
        RecsBenchCommand bench = new RecsBenchCommand(
                out,
                err,
                users,
                items,
                (int) warm,
                (int) measured,
                (int) latency,
                batch,
                everySteps,
                checkpointMs,
                stateBackend,
                evaluateEvery,
                backlog,
                dir);
        try {
            return bench.measure(quick);
        } finally {
            if (bench.flink != null) {
                bench.flink.close();
            }
            if (bench.kafka != null) {
                bench.kafka.close();
            }
            if (given == null) {
                StreamBenchCommand.deleteTree(dir);
            }
        }
    }

    static long roundUp(long n, long unit) {
        return (n + unit - 1) / unit * unit;
    }

    /** The mf model's configuration, the same text for the job and the offline trainer. */
    String modelYaml() {
        return """
                model: {type: mf, dim: %d, init_std: 0.1}
                loss: logistic
                negatives: {count: 4, pool: 1000, sampler: uniform_recent}
                optimizer: {type: adagrad, learning_rate: 0.1}
                regularization: {l2: 0.0001}
                evaluation: {top_k: %d}
                batch_size: %d
                seed: 7
                """.formatted(DIM, TOP_K, batch);
    }

    private int unit() {
        return batch * everySteps;
    }

    private int total() {
        return warm + measured + latency;
    }

    /** Versions the run publishes: one every {@link #unit()} interactions. */
    private long versions() {
        return total() / unit();
    }

    private int measure(boolean quick) throws Exception {
        var os = ManagementFactory.getOperatingSystemMXBean();
        double loadStart = os.getSystemLoadAverage();
        int total = total();
        long lastVersion = versions();
        out.printf(
                Locale.ROOT,
                "streamgrad bench-recs%s: %,d users x %,d items (generator), %,d interactions (%,d warm-up, %,d"
                        + " measured, %,d paced), k = %d, batch %d, a version every %d steps (%,d interactions),"
                        + " %d cores, Java %s, heap max %d MB, load average %.2f at start%n",
                quick ? " --quick" : "",
                users,
                items,
                total,
                warm,
                measured,
                latency,
                DIM,
                batch,
                everySteps,
                unit(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20,
                loadStart);
        long t = System.nanoTime();
        List<Interaction> data =
                Compact.of(InteractionGenerator.generate(SEED, users, items, GENERATOR_DIM, total, 1.0, 0.5, 2.0));
        err.printf(Locale.ROOT, "generated %,d interactions in %.1f s%n", total, (System.nanoTime() - t) / 1e9);

        flink = LocalFlink.startInBackground(2);
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        JobConfig cfg = config(lastVersion);
        JobTopics.create(kafka.admin(), cfg.topics(), 1, (short) 1);
        JobTopics.create(kafka.admin(), RecsTopics.specs(cfg, 1, (short) 1));

        long[] sentMs = new long[total];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // What the follower serves: each version when it became live; the last DELTA version and the final FULL one.
        List<long[]> servable = new CopyOnWriteArrayList<>(); // {version, examples_seen, live at (ms)}
        AtomicReference<RecsModel> lastDelta = new AtomicReference<>();
        AtomicReference<RecsModel> finalFull = new AtomicReference<>();

        if (backlog) {
            // The warm-up and measured interactions wait in the broker before the job starts: the job drains a
            // backlog, and the producer's CPU is not in the measured window.
            t = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                send(producer, cfg, data, 0, warm + measured, 0, sentMs, failure);
            }
            err.printf(
                    Locale.ROOT,
                    "backlog: %,d interactions produced in %.1f s before the job starts%n",
                    warm + measured,
                    (System.nanoTime() - t) / 1e9);
        }
        LocalFlink.Job job = flink.submit(JobGraphs.streamGraph(cfg));
        Thread watcher = new Thread(
                () -> {
                    try {
                        job.result(Duration.ofDays(1));
                        failure.compareAndSet(
                                null, new IllegalStateException("the job ended before every version was committed"));
                    } catch (Exception e) {
                        failure.compareAndSet(
                                null, new IllegalStateException("the job failed: " + SeriesBenchCommand.causes(e), e));
                    }
                },
                "bench-recs-job-watcher");
        watcher.setDaemon(true);
        watcher.start();
        boolean cancelled = false;
        Offline offline;
        Stream stream;
        try (KafkaProducer<byte[], byte[]> producer = producer();
                ModelFollower follower = ModelFollower.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .modelsTopic(cfg.topics().models())
                        .updatesTopic(cfg.topics().updates())
                        .follow(MODEL)
                        .build();
                VersionReader reader = new VersionReader(
                        KafkaClients.committedReader(client(), cfg.topics().updates(), Duration.ofSeconds(30)),
                        failure)) {
            follower.recs().addListener(m -> {
                servable.add(new long[] {m.version(), m.examplesSeen(), System.currentTimeMillis()});
                if (m.version() == lastVersion - 1) {
                    lastDelta.set(m);
                } else if (m.version() == lastVersion) {
                    finalFull.set(m);
                }
            });
            if (!backlog) {
                follower.start();
            }

            // 1. warm-up
            t = System.nanoTime();
            if (!backlog) {
                send(producer, cfg, data, 0, warm, 0, sentMs, failure);
            }
            reader.awaitExamples(warm, Duration.ofMinutes(10), "the warm-up's versions");
            err.printf(
                    Locale.ROOT,
                    "warm-up: %,d interactions trained and committed in %.1f s%n",
                    warm,
                    (System.nanoTime() - t) / 1e9);

            // 2. throughput: produced flat out (live), or already waiting in the broker (backlog: the job goes on to
            // the measured interactions as soon as it has trained the warm-up, when it created the version holding
            // it; the job runs in this JVM, on this clock)
            long[] gc0 = gc();
            Map<String, Long> alloc0 = allocated();
            long first = backlog ? reader.firstCovering(warm).createdMs : System.currentTimeMillis();
            if (!backlog) {
                send(producer, cfg, data, warm, warm + measured, 0, sentMs, failure);
            }
            long produced = System.currentTimeMillis();
            reader.awaitExamples(warm + measured, Duration.ofMinutes(60), "the measured interactions' versions");
            long[] gc1 = gc();
            Map<String, Long> alloc1 = allocated();
            Seen last = reader.firstCovering(warm + measured);
            double endToEnd = measured / Math.max(1e-3, (last.visibleMs - first) / 1000.0);
            Seen from = reader.firstCovering(warm + unit());
            double running =
                    (last.examples - from.examples) / Math.max(1e-3, (last.createdMs - from.createdMs) / 1000.0);
            if (backlog) {
                err.printf(
                        Locale.ROOT,
                        "throughput: the version holding the last of %,d waiting interactions was committed-visible"
                                + " %.1f s after the job created the one holding the warm-up%n",
                        measured,
                        (last.visibleMs - first) / 1000.0);
                // the follower starts now (outside the measured window) and catches up before the paced phase
                follower.start();
                awaitServed(follower, (warm + measured) / unit(), failure);
            } else {
                err.printf(
                        Locale.ROOT,
                        "throughput: %,d interactions produced in %.1f s; the version holding the last one was"
                                + " committed-visible after %.1f s%n",
                        measured,
                        (produced - first) / 1000.0,
                        (last.visibleMs - first) / 1000.0);
            }

            // 3. latency, paced at half the running rate
            double rate = Math.max(100, running / 2);
            t = System.nanoTime();
            long pacedFrom = System.currentTimeMillis();
            send(producer, cfg, data, warm + measured, total, rate, sentMs, failure);
            reader.awaitExamples(total, Duration.ofMinutes(30), "the paced interactions' versions");
            awaitServed(follower, lastVersion, failure);
            long[] gc2 = gc();
            Checkpoints checkpoints = checkpoints(job.checkpointStats(), pacedFrom);
            err.printf(
                    Locale.ROOT,
                    "latency phase: %,d interactions at %,.0f/s, all served %.1f s after the first was sent%n",
                    latency,
                    rate,
                    (System.nanoTime() - t) / 1e9);
            reader.close();
            stream = new Stream(
                    endToEnd,
                    running,
                    rate,
                    latencies(servable, sentMs),
                    latencies(reader.completeVersions(), sentMs),
                    reader.completeVersions().size(),
                    reader.sizes(),
                    new long[] {gc1[0] - gc0[0], gc1[1] - gc0[1], gc2[0] - gc1[0], gc2[1] - gc1[1]},
                    checkpoints,
                    allocatedSince(alloc0, alloc1));
            job.cancel(Duration.ofMinutes(1));
            cancelled = true;
        } finally {
            if (!cancelled && watcher.isAlive()) {
                job.cancel(Duration.ofMinutes(1));
            }
        }

        // 4. the same batches offline; the served versions checked against it
        offline = offline(data, lastDelta.get(), finalFull.get(), lastVersion);
        double loadEnd = os.getSystemLoadAverage();
        report(stream, offline, lastVersion, loadStart, loadEnd);
        if (offline.mismatches > 0) {
            err.printf(
                    Locale.ROOT,
                    "bench-recs FAILED: the served model differs from MfModel trained offline on the same"
                            + " interactions (%,d differences; first: %s)%n",
                    offline.mismatches,
                    offline.firstMismatch);
            return 1;
        }
        return 0;
    }

    /** What the streaming side measured. */
    private record Stream(
            double endToEnd,
            double running,
            double pacedRate,
            double[] servableMs,
            double[] committedMs,
            int versions,
            Sizes sizes,
            long[] gc,
            Checkpoints checkpoints,
            Map<String, Long> allocated) {}

    /** Bytes allocated so far per live thread (HotSpot's per-thread counters), by thread id and name. */
    private static Map<String, Long> allocated() {
        Map<String, Long> out = new HashMap<>();
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported()
                && t.isThreadAllocatedMemoryEnabled()) {
            long[] ids = t.getAllThreadIds();
            long[] bytes = t.getThreadAllocatedBytes(ids);
            java.lang.management.ThreadInfo[] infos = t.getThreadInfo(ids);
            for (int n = 0; n < ids.length; n++) {
                if (infos[n] != null && bytes[n] >= 0) {
                    out.put(ids[n] + " " + infos[n].getThreadName(), bytes[n]);
                }
            }
        }
        return out;
    }

    /**
     * Bytes allocated between two {@link #allocated} readings, grouped: the follower's thread, the job's mf trainer
     * task, the job's other tasks, the rest (broker, clients, this thread); threads that ended in between are missed.
     */
    private static Map<String, Long> allocatedSince(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (String group : List.of("follower", "mf trainer task", "other job tasks", "broker, clients, rest")) {
            out.put(group, 0L);
        }
        after.forEach((thread, bytes) -> {
            long d = bytes - before.getOrDefault(thread, 0L);
            String name = thread.substring(thread.indexOf(' ') + 1);
            String group = name.startsWith("streamgrad-follower")
                    ? "follower"
                    : name.contains("mf trainer")
                            ? "mf trainer task"
                            : name.contains(" (1/1)#") ? "other job tasks" : "broker, clients, rest";
            out.merge(group, d, Long::sum);
        });
        return out;
    }

    /** Collections and milliseconds of GC so far, all collectors. */
    private static long[] gc() {
        long count = 0;
        long ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[] {count, ms};
    }

    /** The job's checkpoints: completed, mean and max duration, the last one's size; those of the paced phase. */
    private record Checkpoints(long completed, long meanMs, long maxMs, long lastBytes, List<Long> pacedMs) {}

    private static Checkpoints checkpoints(CheckpointStatsSnapshot stats, long pacedFromMs) {
        var summary = stats.getSummaryStats().getEndToEndDurationStats();
        List<Long> paced = new ArrayList<>();
        for (AbstractCheckpointStats c : stats.getHistory().getCheckpoints()) {
            if (c.getStatus() == CheckpointStatsStatus.COMPLETED && c.getTriggerTimestamp() >= pacedFromMs) {
                paced.add(c.getEndToEndDuration());
            }
        }
        java.util.Collections.reverse(paced); // the history is newest first
        CompletedCheckpointStats last = stats.getHistory().getLatestCompletedCheckpoint();
        return new Checkpoints(
                stats.getCounts().getNumberOfCompletedCheckpoints(),
                summary.getAverage(),
                summary.getMaximum(),
                last == null ? 0 : last.getStateSize(),
                paced);
    }

    private void report(Stream s, Offline o, long lastVersion, double loadStart, double loadEnd) {
        out.printf(
                Locale.ROOT,
                "served model == offline MfModel.train on the same %,d interactions: %s (version %d, the last"
                        + " DELTA: FULL 1 + %d DELTAs; version %d, the final FULL: %,d user rows + %,d item rows);"
                        + " %d sampled users: rows, score and top-%d bit for bit, %,d checks, %,d differ%n",
                total(),
                o.mismatches == 0 ? "yes" : "NO",
                lastVersion - 1,
                lastVersion - 2,
                lastVersion,
                o.userRows,
                o.itemRows,
                SAMPLE_USERS,
                TOP_K,
                o.checks,
                o.mismatches);
        out.printf(
                Locale.ROOT,
                "throughput (%,d interactions, recs.evaluate_every_batches: %d in the job and offline): end to end"
                        + " %,.0f interactions/s (%s -> the version holding the last one committed-visible),"
                        + " running %,.0f interactions/s (versions' created_at); offline MfModel.train (one thread,"
                        + " same batches and spec) %,.0f interactions/s; streaming/offline %.2f end to end, %.2f"
                        + " running; offline MfModel.train and the same DELTA versions encoded (MfPublication, the"
                        + " records' bytes) %,.0f interactions/s, streaming/that %.2f end to end, %.2f running%n",
                measured,
                evaluateEvery,
                s.endToEnd,
                backlog ? "a backlog in the broker: the job created the version holding the warm-up" : "first sent",
                s.running,
                o.perSecond,
                s.endToEnd / o.perSecond,
                s.running / o.perSecond,
                o.withVersionsPerSecond,
                s.endToEnd / o.withVersionsPerSecond,
                s.running / o.withVersionsPerSecond);
        Sizes z = s.sizes;
        out.printf(
                Locale.ROOT,
                "version bytes (RecsVersion records read back, single-object Avro): %,d DELTA versions, mean %,.0f"
                        + " bytes and %,.0f changed rows (+%,.1f tombstones) each, %.1f bytes per changed row;"
                        + " FULL version %d: %,d rows in %d parts, %,d bytes (%.1f bytes per row); a DELTA is %.4f of"
                        + " the FULL%n",
                z.deltaVersions,
                (double) z.deltaBytes / z.deltaVersions,
                (double) z.deltaRows / z.deltaVersions,
                (double) z.deltaRemoved / z.deltaVersions,
                (double) z.deltaBytes / Math.max(1, z.deltaRows),
                z.fullVersion,
                z.fullRows,
                z.fullParts,
                z.fullBytes,
                (double) z.fullBytes / Math.max(1, z.fullRows),
                (double) z.deltaBytes / z.deltaVersions / Math.max(1, z.fullBytes));
        out.printf(
                Locale.ROOT,
                "event-to-servable latency at %,.0f interactions/s (%,d interactions; checkpoint_interval_ms %d, a"
                        + " version every %,d interactions): send -> first version served by a ModelFollower that"
                        + " covers it p50 %.0f ms p99 %.0f ms; send -> first such version complete to a read_committed"
                        + " reader p50 %.0f ms p99 %.0f ms%n",
                s.pacedRate,
                s.servableMs.length,
                checkpointMs,
                unit(),
                StreamBenchCommand.percentile(s.servableMs, 50),
                StreamBenchCommand.percentile(s.servableMs, 99),
                StreamBenchCommand.percentile(s.committedMs, 50),
                StreamBenchCommand.percentile(s.committedMs, 99));
        Checkpoints c = s.checkpoints;
        out.printf(
                Locale.ROOT,
                "checkpoints (%s state backend, every %d ms): %d completed, end-to-end duration mean %,d ms max"
                        + " %,d ms, the last one's state %,.0f MB; those of the paced phase took %s ms%n",
                stateBackend,
                checkpointMs,
                c.completed,
                c.meanMs,
                c.maxMs,
                c.lastBytes / 1e6,
                c.pacedMs);
        out.printf(
                Locale.ROOT,
                "GC (the one JVM: broker, job, follower, reader): %,d collections, %.1f s during the measured phase;"
                        + " %,d, %.1f s during the paced phase%n",
                s.gc[0],
                s.gc[1] / 1000.0,
                s.gc[2],
                s.gc[3] / 1000.0);
        StringBuilder alloc = new StringBuilder();
        s.allocated.forEach((group, bytes) -> alloc.append(alloc.length() == 0 ? "" : ", ")
                .append(group)
                .append(' ')
                .append(String.format(Locale.ROOT, "%.1f", bytes / 1e9))
                .append(" GB"));
        out.printf(Locale.ROOT, "allocated during the measured phase, by thread: %s%n", alloc);
        out.printf(
                Locale.ROOT,
                "load average: %.2f at start, %.2f at end (%d cores)%n",
                loadStart,
                loadEnd,
                Runtime.getRuntime().availableProcessors());
    }

    /**
     * Per interaction of the paced phase (but those of the last version, the final FULL one): the first entry of
     * {@code seen} ({version, examples_seen, at ms}, in version order) that covers it, minus its send time; sorted.
     */
    private double[] latencies(List<long[]> seen, long[] sentMs) {
        List<long[]> ordered = new ArrayList<>(seen);
        ordered.sort((a, b) -> Long.compare(a[0], b[0]));
        int from = warm + measured;
        int to = total() - unit();
        double[] out = new double[Math.max(0, to - from)];
        int v = 0;
        for (int n = from; n < to; n++) {
            while (v < ordered.size() && ordered.get(v)[1] <= n) {
                v++;
            }
            if (v == ordered.size()) {
                throw new IllegalStateException("no version covers interaction " + n + " (bench bug)");
            }
            out[n - from] = ordered.get(v)[2] - sentMs[n];
        }
        Arrays.sort(out);
        return out;
    }

    private static void awaitServed(ModelFollower follower, long version, AtomicReference<Throwable> failure) {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (follower.recsModel(MODEL).map(RecsModel::version).orElse(0L) < version) {
            if (failure.get() != null) {
                throw new IllegalStateException("serving version " + version + ": " + failure.get(), failure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited 10 min for the follower to serve version " + version
                        + "; it serves "
                        + follower.recsModel(MODEL).map(RecsModel::version).orElse(0L)
                        + " (last error: " + follower.metrics().lastError() + ")");
            }
            LockSupport.parkNanos(5_000_000L);
        }
    }

    /** Sends interactions {@code [from, to)} at {@code rate}/s (0: flat out); waits for every send. */
    private void send(
            KafkaProducer<byte[], byte[]> producer,
            JobConfig cfg,
            List<Interaction> data,
            int from,
            int to,
            double rate,
            long[] sentMs,
            AtomicReference<Throwable> failure) {
        String topic = cfg.recs().interactionsTopic();
        SingleObjectCodec<io.streamgrad.avro.Interaction> codec = SingleObjectCodec.interaction();
        byte[] key = MODEL.getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        for (int n = from; n < to; n++) {
            if (rate > 0) {
                long wait = start + (long) ((n - from) * 1e9 / rate) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            Interaction x = data.get(n);
            byte[] value = codec.encode(io.streamgrad.avro.Interaction.newBuilder()
                    .setModelId(MODEL)
                    .setUser(x.user())
                    .setItem(x.item())
                    .setRating(null)
                    .setTime(Instant.ofEpochMilli(x.timeMs()))
                    .build());
            long now = System.currentTimeMillis();
            int expected = n;
            producer.send(new ProducerRecord<>(topic, 0, now, key, value), (md, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                } else if (md.offset() != expected) {
                    failure.compareAndSet(
                            null,
                            new IllegalStateException("interaction " + expected + " was written at offset "
                                    + md.offset() + " of " + topic + " (the bench needs a fresh topic)"));
                } else {
                    sentMs[expected] = now;
                }
            });
            if (failure.get() != null) {
                break;
            }
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("producing the interactions failed: " + failure.get(), failure.get());
        }
    }

    /** A version complete to the read_committed reader: its examples_seen, created_at and when it was complete. */
    private record Seen(long version, long examples, long createdMs, long visibleMs) {}

    /** Bytes and rows of the versions read back. */
    private record Sizes(
            long deltaVersions,
            long deltaBytes,
            long deltaRows,
            long deltaRemoved,
            long fullVersion,
            long fullBytes,
            long fullRows,
            int fullParts) {}

    /**
     * Reads the updates topic (read_committed) on its own thread from the start, so that "visible" is when a
     * version's last part becomes visible; keeps per version its size, rows, and times (not the records).
     */
    private final class VersionReader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AtomicReference<Throwable> failure;
        private final SingleObjectCodec<RecsVersion> codec = SingleObjectCodec.recsVersion();
        private final Thread thread;
        private final List<Seen> complete = new CopyOnWriteArrayList<>();
        private final Map<Long, long[]> partial = new HashMap<>(); // version -> {parts read, bytes, rows, removed}
        private volatile long examplesVisible;
        private volatile boolean stop;
        private long deltaVersions;
        private long deltaBytes;
        private long deltaRows;
        private long deltaRemoved;
        private long fullVersion;
        private long fullBytes;
        private long fullRows;
        private int fullParts;
        private long nextVersion = 1;

        VersionReader(KafkaConsumer<byte[], byte[]> consumer, AtomicReference<Throwable> failure) {
            this.consumer = consumer;
            this.failure = failure;
            this.thread = new Thread(this::loop, "bench-recs-version-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            try {
                while (!stop) {
                    for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(20))) {
                        read(rec);
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                consumer.close();
            }
        }

        private void read(ConsumerRecord<byte[], byte[]> rec) throws InvalidRecordException {
            long now = System.currentTimeMillis();
            RecsVersion v = codec.decode(rec.value());
            String at = rec.topic() + "-" + rec.partition() + "@" + rec.offset();
            if (v.getVersion() != nextVersion) {
                throw new IllegalStateException("version " + v.getVersion() + " part " + v.getPart() + " at " + at
                        + ", expected a part of version " + nextVersion + ": each version once, in order, broken");
            }
            long[] p = partial.computeIfAbsent(v.getVersion(), k -> new long[4]);
            if (v.getPart() != p[0]) {
                throw new IllegalStateException("part " + v.getPart() + " of version " + v.getVersion() + " at " + at
                        + ", expected part " + p[0]);
            }
            p[0]++;
            p[1] += rec.serializedValueSize();
            for (RecsTableRows table : v.getTables()) {
                p[2] += table.getIds().size();
                p[3] += table.getRemoved().size();
            }
            if (p[0] < v.getParts()) {
                return;
            }
            partial.remove(v.getVersion());
            nextVersion++;
            if (v.getKind() == RecsVersionKind.FULL) {
                fullVersion = v.getVersion();
                fullBytes = p[1];
                fullRows = p[2];
                fullParts = v.getParts();
            } else {
                deltaVersions++;
                deltaBytes += p[1];
                deltaRows += p[2];
                deltaRemoved += p[3];
            }
            complete.add(new Seen(
                    v.getVersion(), v.getExamplesSeen(), v.getCreatedAt().toEpochMilli(), now));
            examplesVisible = v.getExamplesSeen();
        }

        /** The first complete version whose examples_seen is at least {@code n}. */
        Seen firstCovering(long n) {
            for (Seen s : complete) {
                if (s.examples >= n) {
                    return s;
                }
            }
            throw new IllegalStateException("no version holds " + n + " interactions yet");
        }

        List<long[]> completeVersions() {
            List<long[]> out = new ArrayList<>();
            for (Seen s : complete) {
                out.add(new long[] {s.version, s.examples, s.visibleMs});
            }
            return out;
        }

        Sizes sizes() {
            return new Sizes(
                    deltaVersions, deltaBytes, deltaRows, deltaRemoved, fullVersion, fullBytes, fullRows, fullParts);
        }

        void awaitExamples(long n, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (examplesVisible < n) {
                if (failure.get() != null) {
                    throw new IllegalStateException(what + ": " + failure.get(), failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("waited " + timeout.toSeconds() + " s for " + what
                            + ": the committed versions hold " + examplesVisible + " of " + n
                            + " interactions (is the job failing? see its log)");
                }
                LockSupport.parkNanos(5_000_000L);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    /** The offline side: its rate over the measured batches and the comparison with the served versions. */
    private record Offline(
            double perSecond,
            double withVersionsPerSecond,
            long checks,
            long mismatches,
            String firstMismatch,
            long userRows,
            long itemRows) {}

    /**
     * Every batch through {@link MfModel#train} in order, in this thread (with {@link Prequential#measure} every
     * {@code evaluateEvery} batches, as the job does); the served versions compared when the offline model is at
     * their step.
     */
    private Offline offline(List<Interaction> data, RecsModel lastDelta, RecsModel finalFull, long lastVersion) {
        if (lastDelta == null || finalFull == null) {
            throw new IllegalStateException("the follower did not serve versions " + (lastVersion - 1) + " and "
                    + lastVersion + " (it skips none: see its log)");
        }
        MfModel model = new MfModel(MfConfig.parse(modelYaml()));
        RankingMetrics window = new RankingMetrics(TOP_K);
        int steps = total() / batch;
        int measuredFrom = warm / batch;
        int measuredTo = (warm + measured) / batch;
        long nanos = 0;
        long publishNanos = 0;
        // what the job does beside training: every version's changed rows, as the updates topic's bytes
        Map<String, TreeSet<String>> changed = new HashMap<>();
        Map<String, TreeSet<String>> removed = new HashMap<>();
        SingleObjectCodec<RecsVersion> versionCodec = SingleObjectCodec.recsVersion();
        long versionBytes = 0;
        Checker checker = new Checker();
        for (int s = 0; s < steps; s++) {
            List<Interaction> b = new ArrayList<>(data.subList(s * batch, (s + 1) * batch));
            long t0 = System.nanoTime();
            if (evaluateEvery > 0 && (model.global().step() + 1) % evaluateEvery == 0) {
                Prequential.measure(model, b, window);
            }
            MfModel.StepResult step = model.train(b);
            long t1 = System.nanoTime();
            if (s >= measuredFrom && s < measuredTo) {
                nanos += t1 - t0;
                // the measured versions are DELTAs; the job's MfVersions makes the same parts and records
                changed.computeIfAbsent(MfModel.USERS, k -> new TreeSet<>()).addAll(step.changedUsers());
                changed.computeIfAbsent(MfModel.ITEMS, k -> new TreeSet<>()).addAll(step.changedItems());
                removed.computeIfAbsent(MfModel.USERS, k -> new TreeSet<>()).addAll(step.removedUsers());
                removed.computeIfAbsent(MfModel.ITEMS, k -> new TreeSet<>()).addAll(step.removedItems());
                if ((s + 1) % everySteps == 0) {
                    for (RecsVersion r : RecsVersionRecords.of(
                            MODEL,
                            (s + 1) / everySteps,
                            1,
                            model.global().step(),
                            (long) (s + 1) * batch,
                            0,
                            modelYaml(),
                            MfPublication.delta(model, changed, removed, ROWS_PER_PART),
                            Map.of(),
                            Map.of(),
                            "bench")) {
                        versionBytes += versionCodec.encode(r).length;
                    }
                    changed.clear();
                    removed.clear();
                }
                publishNanos += System.nanoTime() - t1;
            }
            if (s + 1 == (lastVersion - 1) * everySteps) {
                checker.check(lastDelta, model, data);
            }
        }
        checker.check(finalFull, model, data);
        if (versionBytes == 0) {
            throw new IllegalStateException("the offline pass published no version");
        }
        return new Offline(
                measured / (nanos / 1e9),
                measured / ((nanos + publishNanos) / 1e9),
                checker.checks,
                checker.mismatches,
                checker.first,
                model.users().admittedRows(),
                model.items().admittedRows());
    }

    /** Compares a served version with the offline model at the same step, bit for bit. */
    private final class Checker {
        long checks;
        long mismatches;
        String first;

        void check(RecsModel served, MfModel model, List<Interaction> data) {
            String v = "version " + served.version();
            same(v + " step", served.step(), model.global().step());
            same(v + " examples_seen", served.examplesSeen(), model.global().step() * batch);
            same(v + " user rows", served.userRows(), model.users().admittedRows());
            same(v + " item rows", served.itemRows(), model.items().admittedRows());
            same(
                    v + " global bias bits",
                    Float.floatToIntBits(served.globalBias()),
                    Float.floatToIntBits(model.global().globalBias()));
            int seen = (int) Math.min(data.size(), model.global().step() * batch);
            for (int i = 0; i < SAMPLE_USERS; i++) {
                Interaction x = data.get((int) ((long) i * seen / SAMPLE_USERS));
                String u = x.user();
                rows(
                        v,
                        MfModel.USERS,
                        u,
                        served.row(MfModel.USERS, u),
                        model.users().lookup(u));
                rows(
                        v,
                        MfModel.ITEMS,
                        x.item(),
                        served.row(MfModel.ITEMS, x.item()),
                        model.items().lookup(x.item()));
                same(
                        v + " score(" + u + ", " + x.item() + ")",
                        Double.doubleToLongBits(served.score(u, x.item()).score()),
                        Double.doubleToLongBits(model.score(u, x.item())));
                List<MfModel.Scored> want = model.topK(u, TOP_K);
                List<RecsModel.Scored> got =
                        served.recommend(u, TOP_K, Set.of()).items();
                checks++;
                boolean equal = want.size() == got.size();
                for (int n = 0; equal && n < want.size(); n++) {
                    equal = want.get(n).item().equals(got.get(n).item())
                            && Double.doubleToLongBits(want.get(n).score())
                                    == Double.doubleToLongBits(got.get(n).score());
                }
                if (!equal) {
                    differ(v + " top-" + TOP_K + " of " + u + ": served " + got + ", offline " + want);
                }
            }
        }

        private void rows(String v, String table, String id, float[] served, Row offline) {
            checks++;
            float[] want = offline == null || !offline.admitted() ? null : offline.params();
            if (!Arrays.equals(served, want)) {
                differ(v + " " + table + " row " + id + ": served " + Arrays.toString(served) + ", offline "
                        + Arrays.toString(want));
            }
        }

        private void same(String what, long served, long offline) {
            checks++;
            if (served != offline) {
                differ(what + ": served " + served + ", offline " + offline);
            }
        }

        private void differ(String what) {
            mismatches++;
            if (first == null) {
                first = what;
            }
        }
    }

    /**
     * The generator's interactions in 16 bytes each instead of ~140 (two id strings and a record): the numbers of
     * the ids {@code u<n>} and {@code i<n>} and the time; {@link #get} makes the same {@link Interaction} again. At
     * ~3·10^6 interactions that is ~0.35 GB less old generation while the job, the follower and the offline model
     * share the heap.
     */
    static final class Compact extends AbstractList<Interaction> {
        private final int[] users;
        private final int[] items;
        private final long[] times;

        private Compact(int n) {
            users = new int[n];
            items = new int[n];
            times = new long[n];
        }

        static Compact of(List<Interaction> list) {
            Compact c = new Compact(list.size());
            for (int n = 0; n < list.size(); n++) {
                Interaction x = list.get(n);
                c.users[n] = number(x.user(), 'u');
                c.items[n] = number(x.item(), 'i');
                c.times[n] = x.timeMs();
                if (!x.equals(c.get(n))) {
                    throw new IllegalStateException("interaction " + n + " " + x + " is not of the form u<n>, i<n>");
                }
            }
            return c;
        }

        private static int number(String id, char prefix) {
            if (id.length() < 2 || id.charAt(0) != prefix) {
                throw new IllegalStateException("id " + id + " is not " + prefix + "<n>");
            }
            return Integer.parseInt(id.substring(1));
        }

        @Override
        public Interaction get(int n) {
            return Interaction.implicit("u" + users[n], "i" + items[n], times[n]);
        }

        @Override
        public int size() {
            return users.length;
        }
    }

    private JobConfig config(long lastVersion) {
        // FULL at version 1 (the first) and at the last version (after lastVersion - 2 DELTAs); never by time.
        String yaml = """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: br-examples, models: br-models, metrics: br-metrics, dead_letters: br-dead,
                         updates: br-updates, interactions: br-interactions}
                group_id: bench-recs
                start: earliest
                restart: {attempts: 0}
                checkpoint_dir: "%s"
                checkpoint_interval_ms: %d
                state_backend: %s
                batch_timeout_ms: 0
                metrics_every_batches: 100
                snapshot: {every_steps: %d, every_seconds: 0}
                deltas: {enabled: true, full_every_versions: %d, full_every_seconds: 86400}
                recs: {evaluate_every_batches: %d}
                models:
                  %s:
                """.formatted(
                                kafka.bootstrapServers(),
                                dir.resolve("checkpoints").toUri(),
                                checkpointMs,
                                stateBackend,
                                everySteps,
                                lastVersion - 2,
                                evaluateEvery,
                                MODEL)
                + modelYaml().indent(4);
        return JobConfigParser.parse(yaml, "bench-recs");
    }

    private Properties client() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = client();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64L << 20));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}

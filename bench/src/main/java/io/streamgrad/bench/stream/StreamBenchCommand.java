package io.streamgrad.bench.stream;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.cli.Args;
import io.streamgrad.cli.JobGraphs;
import io.streamgrad.cli.KafkaClients;
import io.streamgrad.cli.NativePreload;
import io.streamgrad.cli.UsageException;
import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.embedded.LocalFlink;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.metrics.PrequentialMetrics;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.OfflineTrainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code streamgrad bench-stream}: the whole streaming path measured end to end in one JVM — an in-process Kafka
 * broker, the job on a Flink MiniCluster, snapshots and metrics back on Kafka with exactly-once sinks — beside the
 * offline trainer on the same examples and configuration, in the same run.
 *
 * <p>Per scenario (a model and an input form):
 * <ol>
 *   <li>the offline trainer ({@link OfflineTrainer#pass}, what {@code streamgrad train} runs) makes {@code --passes}
 *       passes over the examples after a warm-up pass over a prefix, and as many again after the streaming runs:
 *       offline examples/s is the faster of the two (ratios against the slower would flatter the stream);</li>
 *   <li>the examples are produced to one partition beforehand (Avro {@code Example} records, or producer-made
 *       {@code MiniBatch} records of {@code batch_size} examples), {@code --passes} times over; after an unmeasured
 *       warm-up run over a fifth of one pass (JIT), the job runs on them as a bounded input:
 *       end-to-end examples/s = N / (final snapshot's {@code created_at} - job submission), and running
 *       examples/s between the first metrics record and the final snapshot (without the job's start-up); the final
 *       snapshot's model is compared with the offline model bit for bit;</li>
 *   <li>event-to-snapshot latency, from a second, paced run (an unbounded job fed live at half the measured
 *       running rate, each example stamped with its send time as {@code event_time}): per snapshot,
 *       {@code created_at} minus the event time of the last example it includes (found from its
 *       {@code source_offsets}), and the time a read_committed consumer first sees it minus that event time (this
 *       one includes the wait for the checkpoint that commits the snapshot); p50 and p99 over the snapshots.
 *       Pre-produced examples cannot give this figure: their event times predate the job.</li>
 * </ol>
 * Before the scenarios it measures the demo-like path: JVM start to the first trained record (the first metrics
 * record a read_committed consumer sees) of a one-batch job.
 */
public final class StreamBenchCommand {
    static final String USAGE = """
            usage: streamgrad bench-stream [--model mlp|sparse-logistic|all] [--form example|minibatch|all]
                                           [--examples N] [--passes N] [--runs N] [--quick] [--dir DIR]
              End to end in one JVM: in-process Kafka broker -> streaming job (Flink MiniCluster) -> snapshots and
              metrics on Kafka, beside the offline trainer on the same examples and config. Prints examples/s
              (end to end and running), the streaming/offline ratio, event-to-snapshot latency p50/p99, whether the
              streamed model equals the offline one bit for bit, and JVM start to the first trained record.
              --model     mlp (784-256-128-10, Adam, batch 128) | sparse-logistic (2^20 hashed features, ~30
                          non-zeros, Adagrad with sparse updates, batch 256) | all (default); each as Example and
                          as MiniBatch records
              --form      the records on the examples topic: Example (one per example) | MiniBatch (one per
                          batch_size examples) | all (default)
              --examples  examples per scenario (default: mlp 153,600, sparse-logistic 1,048,576; --quick: 2,560
                          and 25,600)
              --passes    passes over the examples in each measured run (default 4; 1 with --examples or
                          --quick): the topic holds them that many times over and the offline trainer makes as
                          many passes, so a run lasts that much longer at the same memory: 10-15 s, where the
                          job's start is a few per cent of it, as it is of a long-running job. The examples must
                          fill whole batches, so that both sides train the same batches
              --runs      measured runs per scenario over the same input, after the warm-up run (default 3; --quick:
                          1). The tables give the first run's rates ("1st") and the last run's: a fresh JVM's
                          JIT compiles for a minute or more, so the last run is nearer a long-running job
              --quick     small inputs, no warm-up runs, a short latency run (a smoke test, not a measurement)
              --dir       scratch directory for the broker's log (default: a fresh temp directory, deleted)""";

    static final String MLP = "mlp";
    static final String SPARSE = "sparse-logistic";
    private static final long SEED = 42;
    private static final int SPARSE_DIM = 1 << 20;
    private static final int SPARSE_NNZ = 30;

    /** A model of the benchmark: its config (YAML, as a user writes it) and its default sizes. */
    enum BenchModel {
        MLP_784(MLP, """
                model: {type: mlp, features: 784, classes: 10, hidden: [256, 128], activation: relu, init: xavier_uniform}
                loss: categorical_cross_entropy
                optimizer: {type: adam, learning_rate: 0.001}
                batch_size: 128
                seed: 42
                """, 153_600, 2_560, List.of(Form.EXAMPLE, Form.MINIBATCH)),
        SPARSE_LOGISTIC(SPARSE, """
                model: {type: logistic, features: %d}
                loss: binary_cross_entropy
                optimizer: {type: adagrad, learning_rate: 0.05}
                batch_size: 256
                sparse_updates: true
                seed: 42
                """.formatted(SPARSE_DIM), 1_048_576, 25_600, List.of(Form.EXAMPLE, Form.MINIBATCH));

        final String id;
        final String yaml;
        final int defaultExamples;
        final int quickExamples;
        final List<Form> forms;

        BenchModel(String id, String yaml, int defaultExamples, int quickExamples, List<Form> forms) {
            this.id = id;
            this.yaml = yaml;
            this.defaultExamples = defaultExamples;
            this.quickExamples = quickExamples;
            this.forms = forms;
        }

        StreamBenchData data(int n) {
            return this == MLP_784
                    ? StreamBenchData.mnistShaped(id, n, 784, 10, SEED)
                    : StreamBenchData.hashedClicks(id, n, SPARSE_DIM, SPARSE_NNZ, SEED);
        }
    }

    /** How examples travel on the examples topic. */
    enum Form {
        EXAMPLE,
        MINIBATCH
    }

    record Scenario(BenchModel model, Form form) {
        String label() {
            return model.id + (form == Form.EXAMPLE ? " / Example" : " / MiniBatch");
        }
    }

    /**
     * What one scenario measured: the first measured run's rates, then the last run's (rates, wall time,
     * snapshots, CPU per example); the same as the first when there was one run.
     */
    record Result(
            Scenario scenario,
            long examples,
            int batchSize,
            double offlineRate,
            double offlineCpuUs,
            double firstEndToEndRate,
            double firstRunningRate,
            double endToEndRate,
            double runningRate,
            double wallSeconds,
            boolean sameModel,
            int snapshots,
            Latency latency,
            double[] cpuUs) {
        /** What two idle cores could sustain at these CPU costs: the trainer thread on one, everything on two. */
        double cpuBound() {
            return Math.min(1e6 / cpuUs[1], 2e6 / cpuUs[0]);
        }

        /** {@link #cpuBound()} without the JIT compilers' time (a long-running job pays it once). */
        double steadyCpuBound() {
            return Math.min(1e6 / cpuUs[1], 2e6 / (cpuUs[0] - cpuUs[3]));
        }

        /** The same bound for the offline trainer: one thread. */
        double offlineCpuBound() {
            return 1e6 / offlineCpuUs;
        }

        /** This result with the offline figures of {@code other} where its pass was faster. */
        Result withFasterOffline(Offline other) {
            if (other.rate() <= offlineRate) {
                return this;
            }
            return new Result(
                    scenario,
                    examples,
                    batchSize,
                    other.rate(),
                    other.cpuUs(),
                    firstEndToEndRate,
                    firstRunningRate,
                    endToEndRate,
                    runningRate,
                    wallSeconds,
                    sameModel,
                    snapshots,
                    latency,
                    cpuUs);
        }
    }

    private static double[] perExample(double[] seconds, long examples) {
        double[] us = new double[seconds.length];
        for (int i = 0; i < us.length; i++) {
            us[i] = seconds[i] * 1e6 / examples;
        }
        return us;
    }

    private static String cpuGroups(double[] seconds) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < CpuMeter.GROUPS.size(); i++) {
            sb.append(i == 0 ? "" : ", ")
                    .append(CpuMeter.GROUPS.get(i))
                    .append(' ')
                    .append(String.format(Locale.ROOT, "%.1f", seconds[i + 1]));
        }
        return sb.toString();
    }

    /** Event-to-snapshot latency over the snapshots of the paced run (ms); NaN when there were none. */
    record Latency(
            double rate, int snapshots, double createdP50, double createdP99, double visibleP50, double visibleP99) {}

    private final PrintStream out;
    private final PrintStream err;
    private final boolean quick;
    private final int runs;
    private final int passes;
    private final Path dir;
    private EmbeddedKafka kafka;
    private LocalFlink flink;

    private StreamBenchCommand(PrintStream out, PrintStream err, boolean quick, int runs, int passes, Path dir) {
        this.out = out;
        this.err = err;
        this.quick = quick;
        this.runs = runs;
        this.passes = passes;
        this.dir = dir;
    }

    /** {@code ./streamgrad bench-stream}: the launcher runs this class with the bench module's classpath. */
    public static void main(String[] argv) {
        BenchCommands.exit(execute(List.of(argv), System.out, System.err));
    }

    /** The command with the command line's usage and error handling; returns its exit status. */
    static int execute(List<String> args, PrintStream out, PrintStream err) {
        return BenchCommands.execute("bench-stream", USAGE, args, out, err, () -> run(args, out, err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainAt = System.currentTimeMillis();
        Args args = Args.parse(argv, Set.of("model", "form", "examples", "passes", "runs", "dir"), Set.of("quick"));
        String model = args.oneOf("model", "all", MLP, SPARSE, "all");
        String form = args.oneOf("form", "all", "example", "minibatch", "all");
        boolean quick = args.flag("quick");
        long examples = args.longValue("examples", 0, 1, 50_000_000);
        int runs = (int) args.longValue("runs", quick ? 1 : 3, 1, 100);
        int passes = (int) args.longValue("passes", quick || examples > 0 ? 1 : 4, 1, 100);
        List<Scenario> scenarios = new ArrayList<>();
        for (BenchModel m : BenchModel.values()) {
            for (Form f : m.forms) {
                if (("all".equals(model) || m.id.equals(model))
                        && ("all".equals(form) || f.name().equalsIgnoreCase(form))) {
                    scenarios.add(new Scenario(m, f));
                }
            }
        }
        if (scenarios.isEmpty()) {
            throw new UsageException("--model " + model + " --form " + form + ": no such scenario");
        }
        Path given = args.path("dir", null);
        Path dir =
                given != null ? Files.createDirectories(given) : Files.createTempDirectory("streamgrad-bench-stream-");
        StreamBenchCommand bench = new StreamBenchCommand(out, err, quick, runs, passes, dir);
        try {
            bench.checkPasses(scenarios, (int) examples);
            return bench.runAll(scenarios, (int) examples, jvmStart, mainAt);
        } finally {
            if (bench.flink != null) {
                bench.flink.close();
            }
            if (bench.kafka != null) {
                bench.kafka.close();
            }
            if (given == null) {
                deleteTree(dir);
            }
        }
    }

    /** With more than one pass, every scenario's examples must fill whole batches (see --passes). */
    private void checkPasses(List<Scenario> scenarios, int examplesOverride) throws UsageException {
        if (passes == 1) {
            return;
        }
        for (Scenario s : scenarios) {
            int n = examples(s.model(), examplesOverride);
            int batchSize = config("check", s.model(), true)
                    .models()
                    .config(s.model().id)
                    .batchSize();
            if (n % batchSize != 0) {
                throw new UsageException("--passes " + passes + " needs --examples to be a multiple of " + s.model().id
                        + "'s batch_size " + batchSize + " (got " + n + "): otherwise the stream's batches run across"
                        + " the passes and the offline trainer's do not, and the two models differ");
            }
        }
    }

    private int examples(BenchModel m, int examplesOverride) {
        return examplesOverride > 0 ? examplesOverride : quick ? m.quickExamples : m.defaultExamples;
    }

    private int runAll(List<Scenario> scenarios, int examplesOverride, long jvmStart, long mainAt) throws Exception {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        out.printf(
                Locale.ROOT,
                "streamgrad bench-stream%s: %d cores, Java %s, load average %.1f at start%n",
                quick ? " --quick" : "",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                load);

        long t = System.currentTimeMillis();
        // ND4J's natives load, and the Flink MiniCluster comes up, while the broker starts; every run below is a job
        // on that MiniCluster.
        NativePreload.startInBackground(scenarios.stream()
                .map(Scenario::model)
                .distinct()
                .map(m -> config("preload", m, true).models().config(m.id))
                .toList());
        flink = LocalFlink.startInBackground(2);
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        long brokerMs = System.currentTimeMillis() - t;
        Startup startup = startupProbe(scenarios.get(0).model(), jvmStart, mainAt, brokerMs);

        Map<BenchModel, StreamBenchData> data = new HashMap<>();
        Map<BenchModel, Offline> offline = new HashMap<>();
        List<Result> results = new ArrayList<>();
        for (Scenario s : scenarios) {
            int n = examples(s.model(), examplesOverride);
            StreamBenchData d = data.computeIfAbsent(s.model(), m -> {
                err.printf(Locale.ROOT, "[%s] generating %,d seeded examples%n", m.id, n);
                return m.data(n);
            });
            Offline off = offline.computeIfAbsent(s.model(), m -> offline(m, d));
            results.add(scenario(s, d, off));
        }
        // The offline trainer again, now that the JVM has run every scenario (its JIT then compiles with the
        // streaming runs' profiles too, and the first pass may have shared the cores with the broker's and
        // MiniCluster's start-up): each ratio is taken against the faster of the two passes, never the slower.
        Map<BenchModel, Offline> again = new HashMap<>();
        for (Map.Entry<BenchModel, Offline> e : offline.entrySet()) {
            again.put(
                    e.getKey(), offlinePass(e.getKey(), data.get(e.getKey()), "offline again, after the stream runs"));
        }
        results.replaceAll(r -> r.withFasterOffline(again.get(r.scenario().model())));
        print(startup, results);
        boolean allSame = results.stream().allMatch(Result::sameModel);
        return allSame ? 0 : 1;
    }

    // ---------------------------------------------------------------- JVM start to first trained record

    /** The demo-like path's start-up, in ms since JVM start. */
    record Startup(
            long mainMs,
            long brokerReadyMs,
            long brokerMs,
            long jobSubmittedMs,
            long firstTrainedMs,
            long firstRecordMs) {}

    /** A one-batch bounded job on the first scenario's model; done before anything else warms the JVM. */
    private Startup startupProbe(BenchModel model, long jvmStart, long mainAt, long brokerMs) throws Exception {
        long brokerReady = System.currentTimeMillis() - jvmStart;
        JobConfig cfg = config("probe", model, true);
        JobTopics.create(kafka.admin(), cfg.topics(), 1, (short) 1);
        TrainerConfig tc = cfg.models().config(model.id);
        StreamBenchData d = model.data(tc.batchSize());
        try (CheckedProducer p = new CheckedProducer(producer())) {
            for (int i = 0; i < d.size; i++) {
                p.send(record(cfg, d.example(i, System.currentTimeMillis())));
            }
            p.flush();
        }
        long submitted = System.currentTimeMillis() - jvmStart;
        flink.submit(JobGraphs.streamGraph(cfg)).result(Duration.ofMinutes(5));
        List<TrainingMetrics> m = metrics(cfg);
        long first = System.currentTimeMillis() - jvmStart;
        if (m.isEmpty()) {
            throw new IllegalStateException("start-up probe: the job finished but no metrics record was committed to "
                    + cfg.topics().metrics());
        }
        long trained = m.get(0).getCreatedAt().toEpochMilli() - jvmStart;
        err.printf(Locale.ROOT, "JVM start -> first trained record: %.1f s%n", first / 1000.0);
        return new Startup(mainAt - jvmStart, brokerReady, brokerMs, submitted, trained, first);
    }

    // ---------------------------------------------------------------- offline

    /** The offline pass: examples/s (wall), CPU per example of its one thread (us), the trained model. */
    record Offline(double rate, double cpuUs, ModelState state) {}

    /** One pass of the offline trainer after a warm-up pass over a prefix (JIT, ND4J natives). */
    private Offline offline(BenchModel m, StreamBenchData d) {
        TrainerConfig config = config("offline", m, true).models().config(m.id);
        Dataset all = d.dataset();
        OfflineTrainer warm = new OfflineTrainer(config);
        int prefix = Math.min(d.size, Math.max(config.batchSize() * 20, d.size / 5));
        Dataset head = prefixOf(d, prefix);
        warm.pass(warm.initState(), head, PrequentialMetrics.forConfig(config));
        return offlinePass(m, d, "offline");
    }

    /** One measured pass of the offline trainer over all examples. */
    private Offline offlinePass(BenchModel m, StreamBenchData d, String label) {
        TrainerConfig config = config("offline", m, true).models().config(m.id);
        Dataset all = d.dataset();
        OfflineTrainer trainer = new OfflineTrainer(config);
        ModelState state = trainer.initState();
        var threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        PrequentialMetrics metrics = PrequentialMetrics.forConfig(config);
        for (int p = 0; p < passes; p++) {
            trainer.pass(state, all, metrics);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long n = total(d);
        double cpuUs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / n;
        double rate = n / seconds;
        err.printf(
                Locale.ROOT,
                "[%s] %s: %,d examples in %.2f s = %,.0f examples/s, %.2f us CPU per example%n",
                m.id,
                label,
                n,
                seconds,
                rate,
                cpuUs);
        return new Offline(rate, cpuUs, state);
    }

    private static Dataset prefixOf(StreamBenchData d, int n) {
        if (n == d.size) {
            return d.dataset();
        }
        StreamBenchData head = d.isSparse()
                ? StreamBenchData.hashedClicks(d.modelId, n, d.dim, SPARSE_NNZ, SEED + 1)
                : StreamBenchData.mnistShaped(d.modelId, n, d.dim, 10, SEED + 1);
        return head.dataset();
    }

    // ---------------------------------------------------------------- streaming

    private Result scenario(Scenario s, StreamBenchData d, Offline off) throws Exception {
        String name = s.label();
        JobConfig input = config(prefix(s, "tp"), s.model(), true);
        JobTopics.create(kafka.admin(), input.topics(), 1, (short) 1);
        int batch = input.models().config(s.model().id).batchSize();

        long t0 = System.nanoTime();
        long records = produceAll(input, d, s.form(), batch);
        double produceSeconds = (System.nanoTime() - t0) / 1e9;
        err.printf(
                Locale.ROOT,
                "[%s] produced %,d examples in %,d records in %.1f s%n",
                name,
                total(d),
                records,
                produceSeconds);

        if (!quick) {
            warmUp(s, d, batch);
        }

        // The same input, run after run, each job with its own output topics: the first run is what a job gets
        // seconds after its JVM started; the last one is closer to a long-running job's steady state (the JIT
        // compiles Kafka's, Flink's and the job's code for a minute or more).
        Run first = null;
        Run last = null;
        for (int i = 1; i <= runs; i++) {
            JobConfig cfg = i == 1
                    ? input
                    : config(
                            prefix(s, "tp" + i), s.model(), true, input.topics().examples());
            JobTopics.create(kafka.admin(), cfg.topics(), 1, (short) 1);
            last = measure(s, d, off, cfg, i);
            if (first == null) {
                first = last;
            }
        }

        double rate = Double.isFinite(last.running()) ? last.running() / 2 : last.endToEnd() / 2;
        Latency latency = paced(s, d, rate);
        return new Result(
                s,
                total(d),
                batch,
                off.rate(),
                off.cpuUs(),
                first.endToEnd(),
                first.running(),
                last.endToEnd(),
                last.running(),
                last.wallSeconds(),
                first.sameModel() && last.sameModel(),
                last.snapshots(),
                latency,
                perExample(last.cpuSeconds(), total(d)));
    }

    /** One measured run: rates (examples/s), wall seconds, whether the model equals the offline one, CPU seconds. */
    record Run(
            double endToEnd,
            double running,
            double wallSeconds,
            boolean sameModel,
            int snapshots,
            double[] cpuSeconds) {}

    /** Runs the job once over the whole input (bounded) and measures it. */
    private Run measure(Scenario s, StreamBenchData d, Offline off, JobConfig cfg, int run) throws Exception {
        String name = s.label() + (runs > 1 ? " run " + run : "");
        long submitted = System.currentTimeMillis();
        double[] cpu;
        try (CpuMeter meter = new CpuMeter()) {
            flink.submit(JobGraphs.streamGraph(cfg)).result(Duration.ofMinutes(60));
            meter.close();
            cpu = meter.seconds();
            err.printf(Locale.ROOT, "[%s] CPU s of the busiest other threads: %s%n", name, meter.topOther(8));
        }
        double jobSeconds = (System.currentTimeMillis() - submitted) / 1000.0;

        List<ModelSnapshot> snaps = snapshots(cfg);
        ModelSnapshot last = snaps.stream()
                .max(Comparator.comparingLong(ModelSnapshot::getVersion))
                .orElseThrow(() -> new IllegalStateException(
                        name + ": no snapshot was committed to " + cfg.topics().models()));
        long n = total(d);
        if (last.getExamplesSeen() != n) {
            throw new IllegalStateException(name + ": the final snapshot has examples_seen=" + last.getExamplesSeen()
                    + ", expected " + n + " (examples lost or dead-lettered? read "
                    + cfg.topics().deadLetters() + ")");
        }
        long end = last.getCreatedAt().toEpochMilli();
        double e2e = n / Math.max(1e-3, (end - submitted) / 1000.0);
        List<TrainingMetrics> metrics = metrics(cfg).stream()
                .sorted(Comparator.comparingLong(TrainingMetrics::getStep))
                .toList();
        double running = Double.NaN;
        if (!metrics.isEmpty() && metrics.get(0).getExamplesSeen() < n) {
            TrainingMetrics first = metrics.get(0);
            running = (n - first.getExamplesSeen())
                    / Math.max(1e-3, (end - first.getCreatedAt().toEpochMilli()) / 1000.0);
        }
        boolean same = state(last).equals(off.state());
        err.printf(
                Locale.ROOT,
                "[%s] stream: job %.1f s, end to end %,.0f examples/s, running %,.0f examples/s,"
                        + " %d snapshots, model %s the offline one; CPU s: process %.1f, %s%n",
                name,
                jobSeconds,
                e2e,
                running,
                snaps.size(),
                same ? "equals" : "DIFFERS FROM",
                cpu[0],
                cpuGroups(cpu));
        return new Run(e2e, running, (end - submitted) / 1000.0, same, snaps.size(), cpu);
    }

    /**
     * A bounded run over the first fifth of the examples (at least 20 batches), not measured: the JIT compiles the
     * path through Kafka's clients, Flink's runtime and the job first (a long-running job pays that once; measured
     * on a short run it costs several CPU-seconds), as the offline side gets its warm-up pass.
     */
    private void warmUp(Scenario s, StreamBenchData d, int batch) throws Exception {
        JobConfig cfg = config(prefix(s, "warm"), s.model(), true);
        JobTopics.create(kafka.admin(), cfg.topics(), 1, (short) 1);
        int n = Math.min(d.size, Math.max(20 * batch, d.size / 5));
        produce(cfg, d, s.form(), batch, n);
        long t0 = System.nanoTime();
        flink.submit(JobGraphs.streamGraph(cfg)).result(Duration.ofMinutes(60));
        err.printf(
                Locale.ROOT,
                "[%s] warm-up run over %,d examples: %.1f s%n",
                s.label(),
                n,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Produces every example (or every batch_size-example MiniBatch) to partition 0, {@code --passes} times over;
     * returns the record count.
     */
    private long produceAll(JobConfig cfg, StreamBenchData d, Form form, int batch) {
        long records = 0;
        for (int p = 0; p < passes; p++) {
            records += produce(cfg, d, form, batch, d.size);
        }
        return records;
    }

    /** The examples of one measured run: every example, {@code --passes} times. */
    private long total(StreamBenchData d) {
        return (long) d.size * passes;
    }

    /** Produces the first {@code n} examples; returns the record count. */
    private long produce(JobConfig cfg, StreamBenchData d, Form form, int batch, int n) {
        long records = 0;
        try (CheckedProducer p = new CheckedProducer(producer())) {
            long now = System.currentTimeMillis();
            if (form == Form.EXAMPLE) {
                for (int i = 0; i < n; i++) {
                    p.send(record(cfg, d.example(i, now)));
                    records++;
                }
            } else {
                for (int i = 0; i < n; i += batch) {
                    p.send(record(cfg, d.miniBatch(i, Math.min(n, i + batch), now)));
                    records++;
                }
            }
            p.flush();
        }
        return records;
    }

    // ---------------------------------------------------------------- latency

    /**
     * An unbounded job fed live at {@code rate} examples/s for a few seconds (after a warm-up window that proves
     * the job is consuming), each record stamped with its send time.
     */
    private Latency paced(Scenario s, StreamBenchData d, double rate) throws Exception {
        JobConfig cfg = config(prefix(s, "lat"), s.model(), false);
        JobTopics.create(kafka.admin(), cfg.topics(), 1, (short) 1);
        TrainerConfig tc = cfg.models().config(s.model().id);
        int batch = tc.batchSize();
        int perRecord = s.form() == Form.EXAMPLE ? 1 : batch;
        rate = Math.max(rate, batch);
        double seconds = quick ? 1 : 5;
        int warmRecords = cfg.metricsEveryBatches() * batch / perRecord;
        int pacedRecords = (int) Math.max(1, Math.min(20_000_000L / perRecord, (long) (rate * seconds / perRecord)));
        int total = warmRecords + pacedRecords;
        long[] eventTimeByOffset = new long[total];

        LocalFlink.Job job = flink.submit(JobGraphs.streamGraph(cfg));
        try (KafkaProducer<byte[], byte[]> p = producer();
                KafkaConsumer<byte[], byte[]> models =
                        KafkaClients.committedReader(client(), cfg.topics().models(), Duration.ofSeconds(30))) {
            // Warm-up: one metrics window, not timed; its committed metrics record shows the job is consuming.
            CheckedProducer warm = new CheckedProducer(p); // closed with p
            for (int r = 0; r < warmRecords; r++) {
                warm.send(record(cfg, encode(d, s.form(), r, perRecord, 0)));
            }
            warm.flush();
            awaitMetrics(cfg, Duration.ofMinutes(2));

            AtomicReference<Throwable> failure = new AtomicReference<>();
            double recordsPerSecond = rate / perRecord;
            Thread producer = new Thread(
                    () -> {
                        long start = System.nanoTime();
                        for (int r = 0; r < pacedRecords; r++) {
                            long due = start + (long) (r * 1e9 / recordsPerSecond);
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            long now = System.currentTimeMillis();
                            p.send(record(cfg, encode(d, s.form(), warmRecords + r, perRecord, now)), (md, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                } else if (md.offset() < eventTimeByOffset.length) {
                                    eventTimeByOffset[(int) md.offset()] = now;
                                }
                            });
                        }
                        p.flush();
                    },
                    "bench-stream-producer");
            producer.start();

            long expected = (long) total * perRecord;
            List<double[]> seen = new ArrayList<>(); // {created - event, visible - event}
            var codec = SingleObjectCodec.modelSnapshot();
            String partition = cfg.topics().examples() + "-0";
            long deadline = System.nanoTime()
                    + Duration.ofSeconds((long) (seconds * 4) + 120).toNanos();
            boolean done = false;
            while (!done) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(s.label() + ": latency run: no snapshot of all " + expected
                            + " examples within the deadline");
                }
                for (ConsumerRecord<byte[], byte[]> rec : models.poll(Duration.ofMillis(50))) {
                    long visible = System.currentTimeMillis();
                    ModelSnapshot snap = codec.decode(rec.value());
                    Long next = snap.getSourceOffsets().get(partition);
                    if (next != null && next - 1 >= warmRecords) {
                        long event = eventTimeByOffset[(int) (next - 1)];
                        if (event > 0) {
                            seen.add(new double[] {snap.getCreatedAt().toEpochMilli() - event, visible - event});
                        }
                    }
                    done |= snap.getExamplesSeen() >= expected;
                }
            }
            producer.join();
            if (failure.get() != null) {
                throw new IllegalStateException(s.label() + ": latency run: producing failed", failure.get());
            }
            double[] created = seen.stream().mapToDouble(x -> x[0]).sorted().toArray();
            double[] visible = seen.stream().mapToDouble(x -> x[1]).sorted().toArray();
            err.printf(
                    Locale.ROOT,
                    "[%s] latency at %,.0f examples/s over %d snapshots: created p50 %.0f ms p99 %.0f ms,"
                            + " visible p50 %.0f ms p99 %.0f ms%n",
                    s.label(),
                    rate,
                    created.length,
                    percentile(created, 50),
                    percentile(created, 99),
                    percentile(visible, 50),
                    percentile(visible, 99));
            return new Latency(
                    rate,
                    created.length,
                    percentile(created, 50),
                    percentile(created, 99),
                    percentile(visible, 50),
                    percentile(visible, 99));
        } finally {
            job.cancel(Duration.ofMinutes(1));
        }
    }

    private static byte[] encode(StreamBenchData d, Form form, int record, int perRecord, long eventTime) {
        if (form == Form.EXAMPLE) {
            return d.example(record % d.size, eventTime);
        }
        int batches = Math.max(1, d.size / perRecord);
        int from = (record % batches) * perRecord;
        return d.miniBatch(from, Math.min(d.size, from + perRecord), eventTime);
    }

    private void awaitMetrics(JobConfig cfg, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> c =
                KafkaClients.committedReader(client(), cfg.topics().metrics(), timeout)) {
            while (c.poll(Duration.ofMillis(100)).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("latency run: the job committed no metrics record to "
                            + cfg.topics().metrics() + " within " + timeout);
                }
            }
        }
    }

    /** Nearest-rank percentile of sorted values; NaN when empty. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    // ---------------------------------------------------------------- report

    private void print(Startup s, List<Result> results) {
        out.println();
        out.printf(
                Locale.ROOT,
                "JVM start -> first trained record (one-batch job on %s, committed metrics record):" + " %.1f s%n",
                results.isEmpty() ? "-" : results.get(0).scenario().model().id,
                s.firstRecordMs() / 1000.0);
        out.printf(
                Locale.ROOT,
                "  command running %.1f s, broker ready %.1f s (its start %.1f s), job submitted %.1f s,"
                        + " first batch trained %.1f s, its metrics record committed and read %.1f s%n",
                s.mainMs() / 1000.0,
                s.brokerReadyMs() / 1000.0,
                s.brokerMs() / 1000.0,
                s.jobSubmittedMs() / 1000.0,
                s.firstTrainedMs() / 1000.0,
                s.firstRecordMs() / 1000.0);
        out.println();
        out.printf(
                Locale.ROOT,
                "throughput (examples/s; stream = broker -> job -> final snapshot, exactly-once sinks;"
                        + " 1st: the first measured run, the rest: run %d of %d%s):%n",
                runs,
                runs,
                passes > 1 ? "; each run " + passes + " passes over the examples, as is the offline figure" : "");
        out.printf(
                Locale.ROOT,
                "%-28s %10s %6s %12s %12s %7s %12s %12s %7s %7s %7s %6s %5s%n",
                "scenario",
                "examples",
                "batch",
                "offline",
                "1st e2e",
                "1st/off",
                "stream e2e",
                "running",
                "e2e/off",
                "run/off",
                "wall s",
                "snaps",
                "same");
        for (Result r : results) {
            out.printf(
                    Locale.ROOT,
                    "%-28s %,10d %6d %,12.0f %,12.0f %7.2f %,12.0f %,12.0f %7.2f %7.2f %7.1f %6d %5s%n",
                    r.scenario().label(),
                    r.examples(),
                    r.batchSize(),
                    r.offlineRate(),
                    r.firstEndToEndRate(),
                    r.firstEndToEndRate() / r.offlineRate(),
                    r.endToEndRate(),
                    r.runningRate(),
                    r.endToEndRate() / r.offlineRate(),
                    r.runningRate() / r.offlineRate(),
                    r.wallSeconds(),
                    r.snapshots(),
                    r.sameModel() ? "yes" : "NO");
        }
        out.println();
        out.println("CPU per example (us; stream, the last run: the whole process, broker included, by thread group;"
                + " offline: one thread):");
        out.printf(Locale.ROOT, "%-28s %8s %8s", "scenario", "offline", "process");
        CpuMeter.GROUPS.forEach(g -> out.printf(Locale.ROOT, " %8s", g));
        out.printf(Locale.ROOT, " %12s %8s %12s %8s%n", "2-core bound", "/offline", "without jit", "/offline");
        for (Result r : results) {
            out.printf(Locale.ROOT, "%-28s %8.2f", r.scenario().label(), r.offlineCpuUs());
            for (double us : r.cpuUs()) {
                out.printf(Locale.ROOT, " %8.2f", us);
            }
            out.printf(
                    Locale.ROOT,
                    " %,12.0f %8.2f %,12.0f %8.2f%n",
                    r.cpuBound(),
                    r.cpuBound() / r.offlineCpuBound(),
                    r.steadyCpuBound(),
                    r.steadyCpuBound() / r.offlineCpuBound());
        }
        out.println();
        out.println("event-to-snapshot latency (ms; paced run at half the running rate, live event times):");
        out.printf(
                Locale.ROOT,
                "%-28s %12s %6s %10s %10s %10s %10s%n",
                "scenario",
                "examples/s",
                "snaps",
                "created50",
                "created99",
                "visible50",
                "visible99");
        for (Result r : results) {
            Latency l = r.latency();
            out.printf(
                    Locale.ROOT,
                    "%-28s %,12.0f %6d %10.0f %10.0f %10.0f %10.0f%n",
                    r.scenario().label(),
                    l.rate(),
                    l.snapshots(),
                    l.createdP50(),
                    l.createdP99(),
                    l.visibleP50(),
                    l.visibleP99());
        }
        out.println();
        out.println("offline: the offline trainer's examples/s, the faster of a pass before the stream runs (after a"
                + " warm-up pass) and one after them; e2e: N / (final snapshot created_at - job submission); 1st: the first measured run (after the short"
                + " warm-up run), the others: the last of --runs runs over the same input; running: from the first"
                + " metrics record to the final snapshot; same: the streamed model equals the offline one bit for bit; created: snapshot"
                + " created_at - event_time of its last example; visible: when a read_committed consumer sees it"
                + " (after the checkpoint that commits it) - that event_time; 2-core bound: min(1 / trainer thread,"
                + " 2 / process) CPU per example, what two otherwise idle cores could sustain; /offline: that bound over"
                + " the offline trainer's 1 / CPU per example.");
    }

    // ---------------------------------------------------------------- CPU accounting

    /**
     * CPU time of this process and of its threads over a run, grouped as the trainer's task thread (the chained
     * mini-batcher and trainer), the source task's threads (Kafka fetcher, decode + validate), the JIT compilers,
     * the garbage collector, the broker, and everything else (Flink runtime, sinks' producers). Wall-clock rates on
     * a shared machine measure the other tenants as much as this code; CPU time per example does not (much).
     * Java threads are sampled every 100 ms (Flink's task threads end with the job; the last interval of a thread
     * is lost), the JVM's native JIT and GC threads are read from {@code /proc/self/task} at the start and the end;
     * where there is no {@code /proc} they count as "other".
     */
    static final class CpuMeter implements AutoCloseable {
        static final List<String> GROUPS = List.of("trainer", "source", "jit", "gc", "broker", "other");
        private static final Path TASKS = Path.of("/proc/self/task");
        /** Often enough to lose little of a task thread that ends, rarely enough to cost little. */
        private static final long SAMPLE_NANOS = 100_000_000L;

        private final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        /** thread -> {first, last} CPU ns; Java threads by id, native ones (JIT, GC) by tid and start time. */
        private final Map<String, long[]> seen = new java.util.concurrent.ConcurrentHashMap<>();

        private final Map<String, String> names = new java.util.concurrent.ConcurrentHashMap<>();
        private final long processStart = os.getProcessCpuTime();
        private final Thread sampler;
        private volatile boolean running = true;
        private boolean baseline = true;
        private long processNanos = -1;

        CpuMeter() {
            sampleJava();
            sampleNative();
            baseline = false;
            sampler = new Thread(
                    () -> {
                        while (running) {
                            sampleJava();
                            LockSupport.parkNanos(SAMPLE_NANOS);
                        }
                    },
                    "bench-stream-cpu-meter");
            sampler.setDaemon(true);
            sampler.start();
        }

        /** Java threads, cheaply (a clock read each), every interval: Flink's task threads end with the job. */
        private void sampleJava() {
            for (long id : threads.getAllThreadIds()) {
                long cpu = threads.getThreadCpuTime(id);
                if (cpu < 0) {
                    continue; // ended
                }
                String key = "j" + id;
                if (!names.containsKey(key)) {
                    java.lang.management.ThreadInfo info = threads.getThreadInfo(id);
                    if (info == null) {
                        continue;
                    }
                    names.put(key, info.getThreadName());
                }
                seen.computeIfAbsent(key, k -> new long[] {baseline ? cpu : 0, cpu})[1] = cpu;
            }
        }

        /** The JVM's native threads (JIT compilers, GC) from /proc, at the start and the end: they live on. */
        private void sampleNative() {
            String[] tids = TASKS.toFile().list();
            if (tids == null) {
                return;
            }
            for (String tid : tids) {
                String stat;
                try {
                    stat = Files.readString(TASKS.resolve(tid).resolve("stat"));
                } catch (IOException | RuntimeException e) {
                    continue; // the thread ended
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = open < 0 || close < open ? "" : stat.substring(open + 1, close);
                String group = group(name);
                if (!"jit".equals(group) && !"gc".equals(group)) {
                    continue;
                }
                String[] f = stat.substring(close + 2).split(" ");
                if (f.length < 20) {
                    continue;
                }
                long nanos =
                        (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // utime + stime, USER_HZ 100
                // Linux reuses thread ids: a native thread is its id and its start time.
                String key = "n" + tid + "@" + f[19];
                names.putIfAbsent(key, name);
                seen.computeIfAbsent(key, k -> new long[] {baseline ? nanos : 0, nanos})[1] = nanos;
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (!running) {
                return;
            }
            running = false;
            sampler.join();
            sampleJava();
            sampleNative();
            processNanos = os.getProcessCpuTime() - processStart;
        }

        /** CPU seconds of the process, then of each of {@link #GROUPS} ("other" is the process minus the rest). */
        double[] seconds() {
            double[] g = new double[GROUPS.size() + 1];
            g[0] = processNanos / 1e9;
            for (Map.Entry<String, long[]> e : seen.entrySet()) {
                double sec = (e.getValue()[1] - e.getValue()[0]) / 1e9;
                g[1 + GROUPS.indexOf(group(names.getOrDefault(e.getKey(), "")))] += sec;
            }
            double known = 0;
            for (int i = 1; i < g.length - 1; i++) {
                known += g[i];
            }
            g[g.length - 1] = Math.max(0, g[0] - known);
            return g;
        }

        /** The threads of the "other" group that used the most CPU: "name seconds, ...". */
        String topOther(int n) {
            Map<String, Double> byName = new HashMap<>();
            for (Map.Entry<String, long[]> e : seen.entrySet()) {
                String name = names.getOrDefault(e.getKey(), "");
                if ("other".equals(group(name))) {
                    byName.merge(
                            name.replaceAll("[0-9]+$", "#"), (e.getValue()[1] - e.getValue()[0]) / 1e9, Double::sum);
                }
            }
            return byName.entrySet().stream()
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .limit(n)
                    .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
                    .collect(java.util.stream.Collectors.joining(", "));
        }

        /** Linux keeps the first 15 characters of a thread's name. */
        static String group(String name) {
            if (name.startsWith("mini-batcher")) {
                return "trainer";
            }
            if (name.startsWith("Source")) {
                return "source";
            }
            if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                return "jit";
            }
            if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
                return "gc";
            }
            if (name.startsWith("kafka-producer")
                    || name.startsWith("kafka-coordinator")
                    || name.startsWith("kafka-admin")) {
                return "other"; // clients: the sinks' producers, the source's consumer
            }
            if (name.startsWith("data-plane")
                    || name.startsWith("kafka-")
                    || name.startsWith("quorum-")
                    || name.startsWith("broker-")
                    || name.startsWith("controller-")) {
                return "broker";
            }
            return "other";
        }
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * The job config of one run: the defaults (checkpoints every 2 s, metrics every 10 batches, batch timeout 1 s)
     * except the topics, bounded-ness, a 1 s snapshot period and checkpoints in files (a 2^20-feature model's
     * state is larger than the 5 MB the JobManager's memory may hold).
     */
    private JobConfig config(String prefix, BenchModel m, boolean bounded) {
        return config(prefix, m, bounded, prefix + "-examples");
    }

    /** The same, reading the given examples topic (a later measured run reads the first run's input). */
    private JobConfig config(String prefix, BenchModel m, boolean bounded, String examplesTopic) {
        String yaml = """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: %s, models: %s-models, metrics: %s-metrics, dead_letters: %s-dead}
                group_id: %s
                start: earliest
                bounded: %s
                restart: {attempts: 0}
                snapshot: {every_steps: 0, every_seconds: 1}
                checkpoint_dir: "%s"
                models:
                  %s:
                %s
                """.formatted(
                        kafka == null ? "127.0.0.1:9" : kafka.bootstrapServers(),
                        examplesTopic,
                        prefix,
                        prefix,
                        prefix,
                        prefix,
                        bounded,
                        dir.resolve("checkpoints").resolve(prefix).toUri(),
                        m.id,
                        m.yaml.indent(4));
        return JobConfigParser.parse(yaml, "bench-stream:" + prefix);
    }

    private static String prefix(Scenario s, String run) {
        return "bench-" + run + "-" + s.model().id + "-" + s.form().name().toLowerCase(Locale.ROOT);
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
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(128L << 20));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 << 20));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A producer whose failed sends are not lost: Kafka reports them through each send's callback, never by
     * throwing, so {@link #flush()} throws the first one (an input short of what the bench counts on).
     */
    private static final class CheckedProducer implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final AtomicReference<Exception> failed = new AtomicReference<>();

        CheckedProducer(KafkaProducer<byte[], byte[]> producer) {
            this.producer = producer;
        }

        void send(ProducerRecord<byte[], byte[]> record) {
            producer.send(record, (md, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                }
            });
        }

        /** Waits for every send; throws if any failed. */
        void flush() {
            producer.flush();
            Exception e = failed.get();
            if (e != null) {
                throw new IllegalStateException("a record the bench produced was not written: " + e, e);
            }
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    private static ProducerRecord<byte[], byte[]> record(JobConfig cfg, byte[] value) {
        String model = cfg.models().modelIds().iterator().next();
        return new ProducerRecord<>(
                cfg.topics().examples(), 0, model.getBytes(java.nio.charset.StandardCharsets.UTF_8), value);
    }

    private List<ModelSnapshot> snapshots(JobConfig cfg) throws InvalidRecordException {
        var codec = SingleObjectCodec.modelSnapshot();
        List<ModelSnapshot> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaClients.readAll(client(), cfg.topics().models(), Duration.ofMinutes(2))) {
            out.add(codec.decode(r.value()));
        }
        return out;
    }

    private List<TrainingMetrics> metrics(JobConfig cfg) throws InvalidRecordException {
        var codec = SingleObjectCodec.trainingMetrics();
        List<TrainingMetrics> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaClients.readAll(client(), cfg.topics().metrics(), Duration.ofMinutes(1))) {
            out.add(codec.decode(r.value()));
        }
        return out;
    }

    private static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

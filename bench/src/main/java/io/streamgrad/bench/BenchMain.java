package io.streamgrad.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code ./streamgrad bench [--quick] [--threads 1,2] [--only REGEX] [--profile] [--wall]}: every benchmark once,
 * warmed up, printed as
 * one table with the ratios taken side by side in the same JVM — the MLP against ND4J's own sgemm and against
 * DL4J on the same backend, the sparse models in examples per second on one core.
 *
 * <p>Each row is the median of several fixed-length windows after a warm-up (see {@link Stopwatch}): by the JVM's
 * CPU time for one-thread rows, by the wall clock otherwise; "spread" is the (max - min) / median of the
 * wall-clock windows. {@code --quick} takes about half a minute of CPU, the full run a few minutes, {@code --profile}
 * a few more. {@link StreamgradBenchmarks} has the same cases for JMH; {@code docs/BENCHMARKS.md} the figures.
 *
 * <p>A case whose model is not available (a factory that does not know the model or optimizer yet) is printed as
 * "n/a" with the reason, and the run goes on.
 */
public final class BenchMain {
    static final int[] MLP_BATCHES = {32, 128, 512};
    static final int[] SPARSE_BATCHES = {64, 256};
    static final int SPARSE_NNZ = 30;
    static final long SEED = 20240601L;
    /** Zipf exponent of the "realistic" sparse rows (hashed categorical data is heavy-tailed). */
    static final double ZIPF = 1.0;

    /** A sparse data/update variant: feature popularity and lazy vs dense updates. */
    record SparseCase(double zipf, boolean sparseUpdates) {
        String label() {
            return "2^20, nnz~30, " + (zipf == 0 ? "uniform" : "zipf " + zipf);
        }
    }

    static final List<SparseCase> SPARSE_CASES =
            List.of(new SparseCase(0, true), new SparseCase(0, false), new SparseCase(ZIPF, true));

    /** The sparse benchmark data: 64Ki examples (at least 4 batches), 2^20 features, ~30 non-zeros a row. */
    static SparseData.Dataset sparseData(int batch, double zipf) {
        return SparseData.logistic(SEED, SparseData.HASH_DIM, SPARSE_NNZ, batch, pool(batch, 65536), zipf);
    }

    private final Options options;
    private final PrintStream out;
    private final Stopwatch.Plan plan;

    BenchMain(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.plan = options.quick ? Stopwatch.Plan.quick() : Stopwatch.Plan.full();
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("streamgrad bench: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(Options.USAGE);
            return;
        }
        new BenchMain(options, System.out).run();
    }

    /** A row of the table; NaN where a column does not apply. */
    record Row(
            String bench,
            String params,
            double examplesPerSec,
            double gflops,
            double vsSgemm,
            double vsDl4j,
            String clock,
            double wallExamplesPerSec,
            double spread,
            String note) {}

    /** Whether rows at this native thread count are reported by the JVM process's CPU time. */
    private boolean cpuClock(int threads) {
        return threads == 1 && !options.wall;
    }

    private String clock(int threads) {
        return cpuClock(threads) ? "cpu" : "wall";
    }

    void run() {
        printMachine();
        out.printf(
                Locale.ROOT,
                "%nplan: warm-up %.1f s, %d windows of %.2f s, median reported; clock: 'cpu' = per"
                        + " CPU-second of the whole JVM process (one-thread rows), 'wall' = per wall-clock second%n%n",
                plan.warmupSeconds(),
                plan.windows(),
                plan.windowSeconds());
        printHeader();
        for (int threads : options.threads) {
            NativeThreads.set(threads);
            denseSection(threads);
        }
        // The sparse models are plain Java on the calling thread: one core, whatever the native pools are set to.
        NativeThreads.set(1);
        for (String opt : new String[] {"sgd", "ftrl"}) {
            for (int batch : SPARSE_BATCHES) {
                for (SparseCase c : SPARSE_CASES) {
                    String name = "streamgrad logistic " + opt;
                    String p = c.label() + ", batch=" + batch + (c.sparseUpdates() ? ", sparse upd" : ", dense upd");
                    if (wanted("logistic-" + opt)) {
                        measureTrainer(
                                name,
                                p,
                                () -> new TrainLoop(
                                        BenchConfigs.logistic(
                                                SparseData.HASH_DIM,
                                                BenchConfigs.optimizer(opt),
                                                batch,
                                                c.sparseUpdates()),
                                        sparseData(batch, c.zipf()).batches()),
                                r -> sparseRow(name, p, r));
                    }
                }
            }
        }
        for (String opt : new String[] {"sgd", "adagrad"}) {
            for (int batch : SPARSE_BATCHES) {
                for (SparseCase c : SPARSE_CASES) {
                    if (!c.sparseUpdates()) {
                        continue; // a dense update of 17.8M FM parameters per batch is not a configuration to run
                    }
                    String name = "streamgrad fm k=16 " + opt;
                    String p = c.label() + ", batch=" + batch + ", sparse upd";
                    if (wanted("fm-" + opt)) {
                        measureTrainer(
                                name,
                                p,
                                () -> new TrainLoop(
                                        BenchConfigs.fm(SparseData.HASH_DIM, BenchConfigs.optimizer(opt), batch, true),
                                        sparseData(batch, c.zipf()).batches()),
                                r -> sparseRow(name, p, r));
                    }
                }
            }
        }
        if (wanted("call-overhead")) {
            printCallOverhead();
        }
        if (options.profile) {
            printMlpProfile();
            printSparseProfile();
        }
    }

    /**
     * Where an MLP step's time goes, per batch size, one native thread: {@link StepPhases} for the trainer's
     * phases, {@link Gemm.MlpStep} for the products alone, {@link Nd4jCosts} for the copies and activation ops.
     */
    private void printMlpProfile() {
        NativeThreads.set(1);
        out.printf(
                Locale.ROOT,
                "%nMLP 784-256-128-10 step profile, one native thread, microseconds per step (%s clock):%n",
                clock(1));
        for (int batch : MLP_BATCHES) {
            TrainLoop loop;
            try {
                loop = new TrainLoop(
                        BenchConfigs.mlp(batch),
                        DenseData.mnistShaped(SEED, batch, pool(batch, 8192)).batches());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                out.println("  n/a: " + e.getMessage());
                return;
            }
            Stopwatch.Rate train = Stopwatch.measure(plan, loop::step);
            // As many profiled steps as the measurement windows held (about 5 s of work in the full plan).
            int steps = Math.max(20, (int) (train.median(cpuClock(1)) * plan.windows() * plan.windowSeconds()));
            StepPhases phases = new StepPhases(
                    loop.trainer(),
                    loop.state(),
                    DenseData.mnistShaped(SEED + 1, batch, pool(batch, 8192)).batches());
            java.util.Map<String, Double> us = phases.profile(steps / 4, steps, cpuClock(1));
            Gemm.MlpStep gemm = new Gemm.MlpStep(MlpFlops.benchWidths(), batch, SEED);
            double gemmUs = 1e6 / Stopwatch.measure(plan, gemm::run).median(cpuClock(1));
            Nd4jCosts c = new Nd4jCosts(loop.state().params().length, batch, BenchConfigs.MLP_HIDDEN.get(0));
            double inUs = 1e6 / Stopwatch.measure(plan, c::copyIn).median(cpuClock(1));
            double outUs = 1e6 / Stopwatch.measure(plan, c::copyOut).median(cpuClock(1));
            double reluUs = 1e6 / Stopwatch.measure(plan, c::relu).median(cpuClock(1));
            double dreluUs = 1e6 / Stopwatch.measure(plan, c::reluDerivative).median(cpuClock(1));
            double stepMulUs =
                    1e6 / Stopwatch.measure(plan, c::reluDerivativeStepMul).median(cpuClock(1));
            double javaReluUs =
                    1e6 / Stopwatch.measure(plan, c::reluDerivativeJava).median(cpuClock(1));
            double sum = us.values().stream().mapToDouble(Double::doubleValue).sum();
            out.printf(
                    Locale.ROOT,
                    "batch=%d: Trainer.train %.0f us/step (%,.0f examples/s); phases sum %.0f us%n",
                    batch,
                    1e6 / train.median(cpuClock(1)),
                    train.median(cpuClock(1)) * batch,
                    sum);
            us.forEach((k, v) -> out.printf(Locale.ROOT, "  %-46s %9.1f  %5.1f%%%n", k, v, 100 * v / sum));
            out.printf(Locale.ROOT, "  %-46s %9.1f%n", "reference: the 8 gemms alone (Gemm.MlpStep)", gemmUs);
            out.printf(Locale.ROOT, "  %-46s %9.1f%n", "reference: copy params heap->off-heap", inUs);
            out.printf(Locale.ROOT, "  %-46s %9.1f%n", "reference: copy gradient off-heap->heap", outUs);
            out.printf(Locale.ROOT, "  %-46s %9.1f%n", "reference: relu op [" + batch + ",256]", reluUs);
            out.printf(Locale.ROOT, "  %-46s %9.1f%n", "reference: relu_bp custom op [" + batch + ",256]", dreluUs);
            out.printf(Locale.ROOT, "  %-46s %9.1f%n", "  alternative: step + muli legacy ops", stepMulUs);
            out.printf(
                    Locale.ROOT, "  %-46s %9.1f%n", "  alternative: Java loop over the off-heap buffers", javaReluUs);
        }
        DenseKernels k = new DenseKernels(MlpFlops.benchParams(), SEED);
        out.printf(
                Locale.ROOT,
                "O(parameters) passes over %,d floats, microseconds per call (learner vs vectorisable):%n",
                k.size());
        kernelRow("adam step: former double loop (one array) vs learner", k::formerAdam, k::learnerAdam);
        kernelRow("adam step: learner (v staged) vs m and v split", k::learnerAdam, k::floatAdamSplitState);
        kernelRow("adam: step + copy + check vs stepIfFinite", k::copyStepCheck, k::learnerCheckedAdam);
        kernelRow("adam step: nd4j adam_updater + copies vs learner", k::nativeAdam, k::learnerAdam);
        kernelRow("gradient norm: serial double vs learner", k::serialNorm, k::blockedNorm);
        kernelRow("finiteness: isFinite loop vs learner", k::finiteLoop, k::learnerFinite);
    }

    /** Where a lazy step's time goes for the sparse models at batch 64 (logistic FTRL, FM Adagrad). */
    private void printSparseProfile() {
        NativeThreads.set(1);
        out.printf(
                Locale.ROOT,
                "%nsparse step profile, batch=64, 2^20 features, microseconds per step (%s clock):%n",
                clock(1));
        record Case(
                String name,
                java.util.function.Supplier<io.streamgrad.learner.train.TrainerConfig> config,
                double zipf) {}
        List<Case> cases = List.of(
                new Case(
                        "logistic ftrl, uniform",
                        () -> BenchConfigs.logistic(SparseData.HASH_DIM, BenchConfigs.ftrl(), 64, true),
                        0),
                new Case(
                        "logistic ftrl, zipf 1.0",
                        () -> BenchConfigs.logistic(SparseData.HASH_DIM, BenchConfigs.ftrl(), 64, true),
                        ZIPF),
                new Case(
                        "logistic sgd, uniform",
                        () -> BenchConfigs.logistic(SparseData.HASH_DIM, BenchConfigs.sgd(), 64, true),
                        0),
                new Case(
                        "fm k=16 adagrad, uniform",
                        () -> BenchConfigs.fm(SparseData.HASH_DIM, BenchConfigs.adagrad(), 64, true),
                        0));
        for (Case c : cases) {
            TrainLoop loop;
            try {
                loop = new TrainLoop(c.config().get(), sparseData(64, c.zipf()).batches());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                out.println("  " + c.name() + ": n/a: " + e.getMessage());
                continue;
            }
            Stopwatch.Rate train = Stopwatch.measure(plan, loop::step);
            int steps = Math.max(20, (int) (train.median(cpuClock(1)) * plan.windows() * plan.windowSeconds()));
            SparsePhases phases = new SparsePhases(
                    loop.trainer(), loop.state(), sparseData(64, c.zipf()).batches());
            java.util.Map<String, Double> us = phases.profile(steps / 4, steps, cpuClock(1));
            double touchedPerStep = us.remove("touched coordinates per step");
            double sum = us.entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("  "))
                    .mapToDouble(java.util.Map.Entry::getValue)
                    .sum();
            out.printf(
                    Locale.ROOT,
                    "%s: Trainer.train %.1f us/step (%,.0f examples/s); phases sum %.1f us;"
                            + " %.0f touched coordinates per step%n",
                    c.name(),
                    1e6 / train.median(cpuClock(1)),
                    64 * train.median(cpuClock(1)),
                    sum,
                    touchedPerStep);
            us.forEach((k, v) -> out.printf(
                    Locale.ROOT,
                    "  %-46s %9.1f  %s%n",
                    k,
                    v,
                    k.startsWith("  ") ? "" : String.format(Locale.ROOT, "%5.1f%%", 100 * v / sum)));
        }
    }

    private void kernelRow(String what, Stopwatch.Op current, Stopwatch.Op alternative) {
        double a = 1e6 / Stopwatch.measure(plan, current).median(cpuClock(1));
        double b = 1e6 / Stopwatch.measure(plan, alternative).median(cpuClock(1));
        out.printf(Locale.ROOT, "  %-52s %9.1f %9.1f  %5.1fx%n", what, a, b, a / b);
    }

    /**
     * The dense rows at one native thread count. For each MLP batch size, sgemm 1024^3, the MLP's own products,
     * DL4J and streamgrad are measured interleaved, window by window, so that the ratios ("vs sgemm", "vs DL4J")
     * are medians of per-window ratios taken under the same load. The sgemm row pools its windows over the batch
     * sizes.
     */
    private void denseSection(int threads) {
        String t = "threads=" + threads;
        boolean cpu = cpuClock(threads);
        long mlpFlops = MlpFlops.trainingFlopsPerExample(MlpFlops.benchWidths());
        Gemm.Square square = new Gemm.Square(1024, 1024, 1024, SEED);
        Stopwatch.Rate sgemmPooled = null;
        List<Row> pending = new ArrayList<>();
        for (int batch : MLP_BATCHES) {
            String p = "batch=" + batch + " " + t;
            DenseData.Dataset data = DenseData.mnistShaped(SEED, batch, pool(batch, 8192));
            List<Stopwatch.Op> ops = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            ops.add(square::run);
            ids.add("sgemm");
            if (wanted("sgemm-mlp")) {
                Gemm.MlpStep g = new Gemm.MlpStep(MlpFlops.benchWidths(), batch, SEED);
                ops.add(g::run);
                ids.add("sgemm-mlp");
            }
            if (wanted("dl4j-mlp")) {
                Dl4jMlp net = Dl4jMlp.over(data, SEED);
                int[] i = {0};
                ops.add(() -> net.fit(i[0]++));
                ids.add("dl4j-mlp");
            }
            TrainLoop ours = null;
            String oursMissing = null;
            if (wanted("streamgrad-mlp")) {
                try {
                    ours = new TrainLoop(BenchConfigs.mlp(batch), data.batches());
                    ops.add(ours::step);
                    ids.add("streamgrad-mlp");
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    oursMissing = e.getMessage();
                }
            }
            if (ops.size() == 1 && !wanted("sgemm")) {
                continue;
            }
            List<Stopwatch.Rate> rates = Stopwatch.interleaved(plan, ops);
            Stopwatch.Rate sq = rates.get(0).times(square.flops() / 1e9);
            sgemmPooled = sgemmPooled == null ? sq : sgemmPooled.concat(sq);
            Stopwatch.Rate dl4jRate = ids.contains("dl4j-mlp")
                    ? rates.get(ids.indexOf("dl4j-mlp")).times(batch)
                    : null;
            for (int k = 1; k < ops.size(); k++) {
                Stopwatch.Rate ex = rates.get(k).times(batch);
                Stopwatch.Rate gf = ex.times(mlpFlops / 1e9);
                double vsSgemm = gf.ratioTo(sq, cpu);
                String id = ids.get(k);
                switch (id) {
                    case "sgemm-mlp" ->
                        pending.add(new Row(
                                "nd4j sgemm, MLP step shapes",
                                p,
                                ex.median(cpu),
                                gf.median(cpu),
                                vsSgemm,
                                Double.NaN,
                                clock(threads),
                                ex.median(),
                                spread(ex),
                                otherThreads(ex, threads, "8 gemm calls")));
                    case "dl4j-mlp" ->
                        pending.add(new Row(
                                "dl4j mlp 784-256-128-10 adam",
                                p,
                                ex.median(cpu),
                                gf.median(cpu),
                                vsSgemm,
                                1.0,
                                clock(threads),
                                ex.median(),
                                spread(ex),
                                otherThreads(ex, threads, "")));
                    default -> {
                        String note = ours.state().skippedBatches() > 0
                                ? "INVALID: " + ours.state().skippedBatches() + " batches rejected"
                                : "";
                        pending.add(new Row(
                                "streamgrad mlp 784-256-128-10 adam",
                                p,
                                ex.median(cpu),
                                gf.median(cpu),
                                vsSgemm,
                                dl4jRate == null ? Double.NaN : ex.ratioTo(dl4jRate, cpu),
                                clock(threads),
                                ex.median(),
                                spread(ex),
                                otherThreads(ex, threads, note)));
                    }
                }
            }
            if (oursMissing != null) {
                pending.add(new Row(
                        "streamgrad mlp 784-256-128-10 adam",
                        p,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        "",
                        Double.NaN,
                        Double.NaN,
                        "n/a: " + oursMissing));
            }
        }
        if (sgemmPooled != null) {
            emit(new Row(
                    "nd4j sgemm",
                    "1024^3 " + t,
                    Double.NaN,
                    sgemmPooled.median(cpu),
                    1.0,
                    Double.NaN,
                    clock(threads),
                    Double.NaN,
                    spread(sgemmPooled),
                    otherThreads(
                            sgemmPooled,
                            threads,
                            "wall " + String.format(Locale.ROOT, "%.1f", sgemmPooled.median()) + " GFLOP/s")));
        }
        pending.forEach(this::emit);
    }

    /** The sparse models run on the calling thread: one core. */
    private Row sparseRow(String bench, String params, Stopwatch.Rate examples) {
        return new Row(
                bench,
                params,
                examples.median(cpuClock(1)),
                Double.NaN,
                Double.NaN,
                Double.NaN,
                clock(1),
                examples.median(),
                spread(examples),
                otherThreads(examples, 1, "1 core"));
    }

    /** Builds the loop (timing nothing of that), measures examples/s, or prints n/a when the model is missing. */
    private void measureTrainer(
            String bench,
            String params,
            Supplier<TrainLoop> loop,
            java.util.function.Function<Stopwatch.Rate, Row> row) {
        TrainLoop l;
        try {
            l = loop.get();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            emit(new Row(
                    bench,
                    params,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    "",
                    Double.NaN,
                    Double.NaN,
                    "n/a: " + e.getMessage()));
            return;
        }
        Stopwatch.Rate r = Stopwatch.measure(plan, l::step).times(l.batchSize());
        if (l.state().skippedBatches() > 0) {
            emit(new Row(
                    bench,
                    params,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    "",
                    Double.NaN,
                    Double.NaN,
                    "INVALID: " + l.state().skippedBatches() + " batches rejected as non-finite"));
            return;
        }
        emit(row.apply(r));
    }

    /** Enough batches for {@code examples} examples (at least 4), so no single batch stays hot in cache. */
    static int pool(int batch, int examples) {
        return Math.max(4, examples / batch);
    }

    private boolean wanted(String caseName) {
        return options.only == null || options.only.matcher(caseName).find();
    }

    /** (max - min) / median of the wall-clock windows: how much the neighbours moved the figure. */
    private static double spread(Stopwatch.Rate r) {
        return (r.max() - r.min()) / r.median();
    }

    private void printMachine() {
        out.println("streamgrad bench" + (options.quick ? " --quick" : "") + "  (threads " + options.threadsText()
                + (options.only == null ? "" : ", only /" + options.only.pattern() + "/") + ")");
        out.println("cpu: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores visible"
                + "; load average " + loadAverage());
        out.println("jvm: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        out.println(
                "nd4j: backend " + env.getOrDefault("backend", "?") + ", blas " + env.getOrDefault("blas.vendor", "?")
                        + ", OMP_NUM_THREADS=" + System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)")
                        + ", native pools at start " + NativeThreads.describe());
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static final String ROW = "%-36s %-42s %12s %8s %8s %7s %5s %12s %6s  %s%n";

    private void printHeader() {
        out.printf(
                Locale.ROOT,
                ROW,
                "benchmark",
                "params",
                "examples/s",
                "GFLOP/s",
                "vs sgemm",
                "vs DL4J",
                "clock",
                "wall ex/s",
                "spread",
                "note");
        out.printf(
                Locale.ROOT,
                ROW,
                "-".repeat(36),
                "-".repeat(42),
                "-".repeat(12),
                "-".repeat(8),
                "-".repeat(8),
                "-".repeat(7),
                "-".repeat(5),
                "-".repeat(12),
                "-".repeat(6),
                "----");
    }

    /** Notes a one-thread row where other threads (GC, JIT) took more than 10% of the process's CPU time. */
    private String otherThreads(Stopwatch.Rate r, int threads, String note) {
        if (threads == 1 && r.otherCpu() > 0.10) {
            String warn = String.format(Locale.ROOT, "GC/JIT threads %.0f%% of CPU", 100 * r.otherCpu());
            return note.isEmpty() ? warn : note + "; " + warn;
        }
        return note;
    }

    private void emit(Row r) {
        out.printf(
                Locale.ROOT,
                ROW,
                r.bench(),
                r.params(),
                fmt(r.examplesPerSec(), "%,.0f"),
                fmt(r.gflops(), "%.1f"),
                fmt(r.vsSgemm(), "%.2f"),
                fmt(r.vsDl4j(), "%.2f"),
                r.clock(),
                fmt(r.wallExamplesPerSec(), "%,.0f"),
                Double.isNaN(r.spread()) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * r.spread()),
                r.note());
        out.flush();
    }

    private static String fmt(double v, String f) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, f, v);
    }

    private void printCallOverhead() {
        NativeThreads.set(1);
        CallOverhead c = new CallOverhead();
        Stopwatch.Plan p =
                new Stopwatch.Plan(Math.min(1.0, plan.warmupSeconds()), plan.windowSeconds(), plan.windows());
        out.printf(Locale.ROOT, "%nper-call cost, one thread (why the sparse models are plain Java):%n");
        out.printf(Locale.ROOT, "%-44s %12s %12s %8s%n", "operation", "nd4j ns", "java ns", "ratio");
        callRow(
                "y += x, 50 floats (nd4j addi)",
                Stopwatch.measure(p, c::nd4jAxpy50),
                Stopwatch.measure(p, c::javaAxpy50));
        callRow(
                "64 logits over 30 features (gemm 64x30x1)",
                Stopwatch.measure(p, c::nd4jDot64x30),
                Stopwatch.measure(p, c::javaDot64x30));
        Stopwatch.Rate g1 = Stopwatch.measure(p, c::nd4jGemm1);
        out.printf(
                Locale.ROOT, "%-44s %12.0f %12s %8s%n", "gemm 1x1x1 (bare call)", 1e9 / g1.median(cpuClock(1)), "", "");
    }

    private void callRow(String op, Stopwatch.Rate nd4j, Stopwatch.Rate java) {
        double n = 1e9 / nd4j.median(cpuClock(1));
        double j = 1e9 / java.median(cpuClock(1));
        out.printf(Locale.ROOT, "%-44s %12.0f %12.1f %8.0fx%n", op, n, j, n / j);
    }

    /** Command-line options. */
    static final class Options {
        static final String USAGE = """
                usage: streamgrad bench [--quick] [--threads N[,M...]] [--only REGEX] [--profile] [--wall]
                  --quick        short warm-up and windows (about half a minute in all)
                  --threads L    native (ND4J + OpenBLAS) thread counts for the dense rows, e.g. 1,2
                                 (default: 1 with --quick, 1,2 otherwise); sparse rows always use one core
                  --only REGEX   run only the cases whose id matches: sgemm, sgemm-mlp, dl4j-mlp, streamgrad-mlp,
                                 logistic-sgd, logistic-ftrl, fm-sgd, fm-adagrad, call-overhead
                  --profile      also print where the MLP step's time goes (per phase, one native thread);
                                 --only '^$' --profile prints the profile alone
                  --wall         report one-thread rows by the wall clock (default: by the JVM process's CPU
                                 time, which other processes on a shared machine do not inflate)""";
        boolean quick;
        boolean help;
        boolean profile;
        boolean wall;
        int[] threads;
        Pattern only;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> o.quick = true;
                    case "--help", "-h" -> o.help = true;
                    case "--profile" -> o.profile = true;
                    case "--wall" -> o.wall = true;
                    case "--threads" -> o.threads = parseThreads(value(args, ++i, "--threads"));
                    case "--only" -> o.only = Pattern.compile(value(args, ++i, "--only"));
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
            }
            if (o.threads == null) {
                o.threads = o.quick ? new int[] {1} : new int[] {1, 2};
            }
            return o;
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args[i];
        }

        private static int[] parseThreads(String s) {
            try {
                int[] t = java.util.Arrays.stream(s.split(","))
                        .mapToInt(x -> Integer.parseInt(x.trim()))
                        .toArray();
                for (int n : t) {
                    if (n < 1) {
                        throw new NumberFormatException();
                    }
                }
                return t;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--threads expects positive integers separated by commas, got '" + s + "'");
            }
        }

        String threadsText() {
            return java.util.Arrays.toString(threads).replaceAll("[\\[\\] ]", "");
        }
    }
}

package io.streamgrad.bench.stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.bench.stream.StreamBenchCommand.BenchModel;
import io.streamgrad.cli.Args;
import io.streamgrad.cli.JobGraphs;
import io.streamgrad.cli.KafkaClients;
import io.streamgrad.cli.UsageException;
import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.embedded.LocalFlink;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.train.Predictor;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code streamgrad bench-serve}: {@code streamgrad serve} under a fixed request rate while the real job publishes
 * a new version every second, on this machine.
 *
 * <p>Per model (sparse logistic over 2^20 hashed features, the 784-256-128-10 MLP): an in-process broker and the
 * job on a Flink MiniCluster, fed examples live; {@code streamgrad serve} in a JVM of its own (its GC and CPU are
 * not the job's), started as the launcher starts it; an open-loop HTTP client ({@link ServeLoad}) sending
 * single-example predict requests at {@code --rate}. Phases: a warm-up (not in the latency figures), then
 * <b>B</b>: the job trains and publishes a version every second; then the job is cancelled and, once serve has the
 * last version, <b>A</b>: no new versions. Afterwards, from the models topic read read_committed:
 * <ul>
 *   <li>every answer (all phases) is compared with the offline {@link Predictor} on the snapshot of the version it
 *       names, bit for bit (the server writes each float with the shortest decimal that reads back as the same
 *       float; this side reads it as an exact decimal and rounds once to float);</li>
 *   <li>event-to-servable latency: for each example produced while serve answered, the first answer naming a
 *       version whose {@code source_offsets} include it, minus the example's produce time.</li>
 * </ul>
 * The exit status is 0 when every request was answered and every answer equals the offline prediction of its
 * version; the latency targets are printed as met or missed.
 */
public final class ServeBenchCommand {
    static final String USAGE = """
            usage: streamgrad bench-serve [--model mlp|sparse-logistic|all] [--rate N] [--seconds N] [--warmup N]
                                          [--train-rate N] [--checkpoint-ms N] [--timeout-ms N] [--job-extra YAML]
                                          [--model-extra YAML] [--deltas] [--connections N]
                                          [--serve-cpus LIST|none] [--others-cpus LIST] [--client-cpus LIST]
                                          [--serve-args=ARGS] [--serve-java-opts=OPTS] [--dir DIR]
              `streamgrad serve` (a JVM of its own) under an open-loop HTTP load of single-example predict requests
              (a load process of its own: Jetty's HTTP client, keep-alive connections) while the job (in-process broker + Flink MiniCluster) trains on live examples and publishes a new
              version every second. Prints per phase (B: new versions every second; A: job stopped, no new
              versions) requests, failures, p50/p99/p99.9 latency from each request's intended send time, versions
              seen, answers unequal to their version's offline prediction, serve's and the client's CPU per
              request, p99(B)/p99(A); checks every answer against the offline Predictor of the version it names; and
              the event-to-servable latency (example produced -> first answer from a version that learned it).
              --model          mlp (784-256-128-10) | sparse-logistic (2^20 hashed features) | all (default)
              --rate           requests per second (default 2000)      --seconds  length of A and of B (default 20)
              --warmup         seconds of load before B, not measured (default 10)
              --train-rate     examples per second fed to the job (default: mlp 1000, sparse-logistic 4000)
              --checkpoint-ms  the job's checkpoint_interval_ms (default 1000): versions become visible at commit
              --timeout-ms     a request unanswered this long has failed (default 10000)
              --connections    the load client's keep-alive connections at most (default 16)
              --serve-cpus     CPUs serve runs on (taskset -c LIST), e.g. 1; none: no pinning. Default on a
                               machine with >= 2 CPUs: the last CPU; the benchmark's JVM (broker, job) and the
                               load process then run on --others-cpus (default: all the other CPUs)
              --others-cpus    CPUs of the benchmark's JVM and the load process, e.g. 0
              --client-cpus    CPUs of the load process alone (default: --others-cpus), e.g. 1 to share serve's
                               CPU rather than the job's
              --job-extra      YAML added at the top level of the job config (e.g. delta-update settings)
              --model-extra    YAML added to the model's config (e.g. sparse_updates: true)
              --deltas         the job publishes versions as deltas (deltas.enabled, topics.updates) and serve
                               follows them (--updates-topic); answers are then checked against parameters rebuilt
                               from the last full version + the deltas read from the updates topic (only models
                               with sparse updates publish deltas: sparse-logistic does, the MLP stays full)
              --serve-args     extra `serve` arguments, e.g. --serve-args='--threads 4'
              --serve-java-opts  the serve JVM's options (default '-Xmx4g -XX:+UseG1GC -XX:MaxGCPauseMillis=5', the
                               launcher's for serve)
              --dir            scratch directory (default: a fresh temp directory, deleted)""";

    private static final String DEFAULT_SERVE_JAVA_OPTS = "-Xmx4g -XX:+UseG1GC -XX:MaxGCPauseMillis=5";
    private static final List<String> ADD_OPENS = List.of(
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED");
    /** Distinct examples in the pool both the job and the requests draw from. */
    private static final int POOL = 8192;

    /** The settings of one run. */
    record Settings(
            double rate,
            double seconds,
            double warmup,
            double trainRate,
            long checkpointMs,
            long timeoutMs,
            String jobExtra,
            String modelExtra,
            List<String> serveArgs,
            List<String> serveJavaOpts,
            boolean deltas,
            int connections,
            String serveCpus,
            String othersCpus,
            String clientCpus) {
        /** {@code taskset -c LIST} for serve's command line, or nothing. */
        List<String> servePrefix() {
            return serveCpus == null ? List.of() : List.of("taskset", "-c", serveCpus);
        }

        /** {@code taskset -c LIST} for the load process's command line, or nothing. */
        List<String> clientPrefix() {
            return clientCpus == null ? List.of() : List.of("taskset", "-c", clientCpus);
        }
    }

    /** Latency figures of one phase (ms). */
    record PhaseStats(
            String name,
            int requests,
            int failures,
            double p50,
            double p99,
            double p999,
            double max,
            int versions,
            long mixed,
            double serveCpuUsPerRequest,
            double clientCpuUsPerRequest) {}

    /** What one model's run measured and checked. */
    record Outcome(
            String model,
            PhaseStats a,
            PhaseStats b,
            int failures,
            String firstFailure,
            long checked,
            long mismatched,
            long unverifiable,
            String firstMismatch,
            long firstVersionB,
            long lastVersionB,
            int e2sExamples,
            double e2sP50,
            double e2sP99,
            long servedFullVersions,
            long servedDeltaVersions,
            long rebuiltFromDeltas) {
        boolean correct() {
            return failures == 0 && mismatched == 0 && unverifiable == 0 && checked > 0;
        }

        double ratio() {
            return b.p99() / a.p99();
        }
    }

    private final PrintStream out;
    private final PrintStream err;
    private final Settings settings;
    private final Path dir;
    private EmbeddedKafka kafka;
    private LocalFlink flink;

    private ServeBenchCommand(PrintStream out, PrintStream err, Settings settings, Path dir) {
        this.out = out;
        this.err = err;
        this.settings = settings;
        this.dir = dir;
    }

    /** {@code ./streamgrad bench-serve}: the launcher runs this class with the bench module's classpath. */
    public static void main(String[] argv) {
        BenchCommands.exit(execute(List.of(argv), System.out, System.err));
    }

    /** The command with the command line's usage and error handling; returns its exit status. */
    static int execute(List<String> args, PrintStream out, PrintStream err) {
        return BenchCommands.execute(
                "bench-serve", USAGE, args, out, err, () -> run(args, out, err, new ArrayList<>()));
    }

    /** Runs the benchmark; each model's outcome is added to {@code outcomes}. */
    static int run(List<String> argv, PrintStream out, PrintStream err, List<Outcome> outcomes) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of(
                        "model",
                        "rate",
                        "seconds",
                        "warmup",
                        "train-rate",
                        "checkpoint-ms",
                        "timeout-ms",
                        "job-extra",
                        "model-extra",
                        "serve-args",
                        "serve-java-opts",
                        "connections",
                        "serve-cpus",
                        "others-cpus",
                        "client-cpus",
                        "dir"),
                Set.of("deltas"));
        String model = args.oneOf("model", "all", StreamBenchCommand.MLP, StreamBenchCommand.SPARSE, "all");
        Settings s = new Settings(
                args.doubleValue("rate", 2000, 1, 100_000),
                args.doubleValue("seconds", 20, 1, 3600),
                args.doubleValue("warmup", 10, 0, 3600),
                args.doubleValue("train-rate", 0, 0, 1_000_000),
                args.longValue("checkpoint-ms", 1000, 10, 600_000),
                args.longValue("timeout-ms", 10_000, 1, 600_000),
                args.get("job-extra", ""),
                args.get("model-extra", ""),
                words(args.get("serve-args", "")),
                words(args.get("serve-java-opts", DEFAULT_SERVE_JAVA_OPTS)),
                args.flag("deltas"),
                (int) args.longValue("connections", 16, 1, 4096),
                null,
                null,
                null);
        String[] cpus = cpuSplit(args.get("serve-cpus", null), args.get("others-cpus", null));
        s = new Settings(
                s.rate(),
                s.seconds(),
                s.warmup(),
                s.trainRate(),
                s.checkpointMs(),
                s.timeoutMs(),
                s.jobExtra(),
                s.modelExtra(),
                s.serveArgs(),
                s.serveJavaOpts(),
                s.deltas(),
                s.connections(),
                cpus[0],
                cpus[1],
                clientCpus(args.get("client-cpus", null), cpus[1]));
        List<BenchModel> models = new ArrayList<>();
        for (BenchModel m : List.of(BenchModel.SPARSE_LOGISTIC, BenchModel.MLP_784)) {
            if ("all".equals(model) || m.id.equals(model)) {
                models.add(m);
            }
        }
        Path given = args.path("dir", null);
        Path dir =
                given != null ? Files.createDirectories(given) : Files.createTempDirectory("streamgrad-bench-serve-");
        ServeBenchCommand bench = new ServeBenchCommand(out, err, s, dir);
        // Checked before anything starts: a YAML mistake in --job-extra/--model-extra is a usage error.
        for (BenchModel m : models) {
            bench.jobConfig("check", m);
        }
        try {
            return bench.runAll(models, outcomes);
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

    /**
     * Serve's CPUs and the others' ({@code taskset -c} lists, null: not pinned). Defaults: with at least 2 CPUs
     * and {@code taskset} (util-linux) on the PATH, serve on the last CPU and the rest on the others; else none.
     */
    static String[] cpuSplit(String serveCpus, String othersCpus) throws UsageException {
        String cpuList = "[0-9]+([-,][0-9]+)*";
        if ("none".equals(serveCpus)) {
            if (othersCpus != null) {
                throw new UsageException("--others-cpus " + othersCpus + " with --serve-cpus none: pin both, or"
                        + " neither (leave --others-cpus out)");
            }
            return new String[] {null, null};
        }
        for (String[] o : new String[][] {{"serve-cpus", serveCpus}, {"others-cpus", othersCpus}}) {
            if (o[1] != null && !o[1].matches(cpuList)) {
                throw new UsageException("--" + o[0] + " '" + o[1] + "' is not a CPU list: give e.g. 1, 0-3 or 0,2"
                        + (o[0].equals("serve-cpus") ? ", or none" : ""));
            }
        }
        int n = Runtime.getRuntime().availableProcessors();
        boolean taskset = onPath("taskset");
        if ((serveCpus != null || othersCpus != null) && !taskset) {
            throw new UsageException("--serve-cpus/--others-cpus need taskset (util-linux) on the PATH; install it"
                    + " (apt-get install util-linux) or give --serve-cpus none");
        }
        if (serveCpus == null && othersCpus == null && (n < 2 || !taskset)) {
            return new String[] {null, null};
        }
        if (serveCpus == null || othersCpus == null) {
            if (n < 2) {
                throw new UsageException("--serve-cpus/--others-cpus: this machine has 1 CPU; give both lists, or"
                        + " --serve-cpus none");
            }
            if ((serveCpus != null && !serveCpus.equals(String.valueOf(n - 1)))
                    || (othersCpus != null && !othersCpus.equals(n == 2 ? "0" : "0-" + (n - 2)))) {
                throw new UsageException("give both --serve-cpus and --others-cpus (only the default split, serve on"
                        + " CPU " + (n - 1) + " and the others on the rest, may be given half)");
            }
        }
        String serve = serveCpus != null ? serveCpus : String.valueOf(n - 1);
        String others = othersCpus != null ? othersCpus : (n == 2 ? "0" : "0-" + (n - 2));
        return new String[] {serve, others};
    }

    /** The load process's CPUs: {@code --client-cpus}, else the others'. */
    private static String clientCpus(String given, String others) throws UsageException {
        if (given == null) {
            return others;
        }
        if (others == null) {
            throw new UsageException("--client-cpus " + given + " without pinning (--serve-cpus none, or a machine"
                    + " with one CPU or no taskset): leave it out, or pin serve too");
        }
        if (!given.matches("[0-9]+([-,][0-9]+)*")) {
            throw new UsageException("--client-cpus '" + given + "' is not a CPU list: give e.g. 1, 0-3 or 0,2");
        }
        return given;
    }

    private static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Pins this JVM's threads, present and future, to {@code cpus} ({@code taskset -a -p -c}); returns the CPU list
     * it had, to restore when the benchmark ends (a test JVM goes on after it).
     */
    private static String pinSelf(String cpus) throws IOException, InterruptedException {
        String pid = String.valueOf(ProcessHandle.current().pid());
        String before = taskset("-c", "-p", pid);
        taskset("-a", "-p", "-c", cpus, pid);
        return before.substring(before.lastIndexOf(':') + 1).trim();
    }

    private static String taskset(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("taskset"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " (this JVM) failed: " + said);
        }
        return said;
    }

    /** CPU seconds (user + system) a process has used so far, from /proc/PID/stat; NaN where unreadable. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.UTF_8);
            // After the command name (in parentheses, may hold spaces): state is field 3, utime 14, stime 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static List<String> words(String s) {
        return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    private int runAll(List<BenchModel> models, List<Outcome> outcomes) throws Exception {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        out.printf(
                Locale.ROOT,
                "streamgrad bench-serve: %d cores, Java %s, load average %.1f at start; %,.0f requests/s open loop,"
                        + " %.0f s per phase after %.0f s warm-up; job checkpoint every %d ms, a version every 1 s;"
                        + " serve JVM %s; %s; load: a process of its own, Jetty HttpClient, %d connections%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                load,
                settings.rate(),
                settings.seconds(),
                settings.warmup(),
                settings.checkpointMs(),
                String.join(" ", settings.serveJavaOpts()),
                settings.serveCpus() == null
                        ? "no CPU pinning"
                        : settings.clientCpus().equals(settings.othersCpus())
                                ? "serve on CPU " + settings.serveCpus() + ", broker + job + load client on CPU "
                                        + settings.othersCpus() + " (taskset)"
                                : "serve on CPU " + settings.serveCpus() + ", broker + job on CPU "
                                        + settings.othersCpus() + ", load client on CPU " + settings.clientCpus()
                                        + " (taskset)",
                settings.connections());
        String unpinned = settings.othersCpus() != null ? pinSelf(settings.othersCpus()) : null;
        try {
            return runPinned(models, outcomes);
        } finally {
            if (unpinned != null) {
                taskset(
                        "-a",
                        "-p",
                        "-c",
                        unpinned,
                        String.valueOf(ProcessHandle.current().pid()));
            }
        }
    }

    private int runPinned(List<BenchModel> models, List<Outcome> outcomes) throws Exception {
        flink = LocalFlink.startInBackground(2);
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        boolean ok = true;
        for (BenchModel m : models) {
            Outcome o = runModel(m);
            outcomes.add(o);
            ok &= o.correct();
        }
        print(outcomes);
        return ok ? 0 : 1;
    }

    // ---------------------------------------------------------------- one model

    private Outcome runModel(BenchModel m) throws Exception {
        String prefix = "bench-serve-" + m.id;
        JobConfig cfg = jobConfig(prefix, m);
        createTopics(cfg);
        err.printf(Locale.ROOT, "[%s] generating %,d seeded examples%n", m.id, POOL);
        StreamBenchData d = m.data(POOL);
        double trainRate = settings.trainRate() > 0 ? settings.trainRate() : m == BenchModel.MLP_784 ? 1000 : 4000;
        double totalSeconds = settings.warmup() + 2 * settings.seconds() + 300;
        long[] producedAtMs = new long[(int) Math.min(50_000_000L, (long) (trainRate * totalSeconds))];

        LocalFlink.Job job = flink.submit(JobGraphs.streamGraph(cfg));
        progress(m, "job submitted; starting serve");
        Feeder feeder = new Feeder(cfg, d, trainRate, producedAtMs);
        ServeProcess serve = null;
        ServeLoad.Remote load = null;
        try {
            feeder.start();
            serve = ServeProcess.start(
                    settings,
                    kafka.bootstrapServers(),
                    cfg.topics().models(),
                    cfg.topics().updates(),
                    m.id,
                    dir.resolve("serve-" + m.id));
            serve.awaitReady(Duration.ofMinutes(3));
            progress(m, "serve ready on " + serve.base + "; warm-up");
            Duration timeout = Duration.ofMillis(settings.timeoutMs());
            // In flight at most: a full timeout's worth of requests, at most 4,000 (the client's own limit).
            int maxInFlight = (int) Math.max(100, Math.min(4000, settings.rate() * timeout.toMillis() / 1000));
            load = ServeLoad.Remote.start(
                    settings.clientPrefix(),
                    URI.create(serve.base + "/v1/models/" + m.id + ":predict"),
                    bodies(d),
                    timeout,
                    settings.connections(),
                    maxInFlight,
                    dir.resolve("load-" + m.id));
            long servingFromOffset = feeder.produced.get();
            ServeLoad.Phase warm = load.run("warm-up", settings.rate(), settings.warmup(), 0);
            progress(m, "phase B: a new version every second");
            double cpuB = cpuSeconds(serve.pid());
            ServeLoad.Phase b = load.run("B", settings.rate(), settings.seconds(), warm.requests);
            double serveCpuB = cpuSeconds(serve.pid()) - cpuB;
            feeder.stop();
            cancel(m, job);
            feeder.check();
            long last = lastVersion(cfg);
            serve.awaitVersion(m.id, last, Duration.ofMinutes(2));
            progress(m, "job cancelled, serve has its last version " + last + "; phase A: no new versions");
            double cpuA = cpuSeconds(serve.pid());
            ServeLoad.Phase a = load.run("A", settings.rate(), settings.seconds(), warm.requests + b.requests);
            double serveCpuA = cpuSeconds(serve.pid()) - cpuA;
            JsonNode info = serve.modelInfo(m.id);
            serve.stop();
            progress(m, "checking every answer against the offline Predictor");
            Outcome o = check(
                    m,
                    cfg,
                    d,
                    List.of(warm, b, a),
                    new double[] {0, serveCpuB, serveCpuA},
                    producedAtMs,
                    servingFromOffset);
            return withServed(
                    o,
                    info.path("full_versions").asLong(),
                    info.path("delta_versions").asLong());
        } finally {
            feeder.stop();
            if (load != null) {
                load.close();
            }
            if (serve != null) {
                serve.stop();
            }
            try {
                job.cancel(Duration.ofMinutes(1));
            } catch (Exception e) {
                // Already cancelled above.
            }
        }
    }

    private final long started = System.nanoTime();

    private static Outcome withServed(Outcome o, long fulls, long deltas) {
        return new Outcome(
                o.model(),
                o.a(),
                o.b(),
                o.failures(),
                o.firstFailure(),
                o.checked(),
                o.mismatched(),
                o.unverifiable(),
                o.firstMismatch(),
                o.firstVersionB(),
                o.lastVersionB(),
                o.e2sExamples(),
                o.e2sP50(),
                o.e2sP99(),
                fulls,
                deltas,
                o.rebuiltFromDeltas());
    }

    private void progress(BenchModel m, String what) {
        err.printf(Locale.ROOT, "[%s] %5.1f s: %s%n", m.id, (System.nanoTime() - started) / 1e9, what);
    }

    /**
     * The job's topics ({@link JobTopics#specs}), the models topic with a compaction lag of a day: compaction would
     * otherwise remove the older versions (a 2^20-feature snapshot is 8 MB, so segments fill and roll within the
     * run) before the check reads every version that answered.
     */
    private void createTopics(JobConfig cfg) throws Exception {
        List<NewTopic> specs = new ArrayList<>();
        for (NewTopic t : JobTopics.specs(cfg.topics(), 1, (short) 1)) {
            if (t.name().equals(cfg.topics().models())) {
                Map<String, String> c = new HashMap<>(t.configs());
                c.put("min.compaction.lag.ms", String.valueOf(Duration.ofDays(1).toMillis()));
                t = new NewTopic(t.name(), t.numPartitions(), t.replicationFactor()).configs(c);
            }
            specs.add(t);
        }
        kafka.admin().createTopics(specs).all().get(1, java.util.concurrent.TimeUnit.MINUTES);
    }

    /** Each pool example as the JSON body of a single-example predict request. */
    private static byte[][] bodies(StreamBenchData d) {
        byte[][] out = new byte[d.size][];
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < d.size; i++) {
            sb.setLength(0);
            if (d.isSparse()) {
                sb.append("{\"indices\": [");
                for (int p = d.rowPtr[i]; p < d.rowPtr[i + 1]; p++) {
                    sb.append(p > d.rowPtr[i] ? "," : "").append(d.indices[p]);
                }
                sb.append("], \"values\": [");
                for (int p = d.rowPtr[i]; p < d.rowPtr[i + 1]; p++) {
                    sb.append(p > d.rowPtr[i] ? "," : "").append("1.0");
                }
                sb.append("]}");
            } else {
                sb.append("{\"dense\": [");
                for (int j = 0; j < d.dim; j++) {
                    sb.append(j > 0 ? "," : "").append(Float.toString(d.dense[i * d.dim + j]));
                }
                sb.append("]}");
            }
            out[i] = sb.toString().getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    /** Example {@code i} of the pool as a one-example batch, as the server builds it from the request. */
    private static Batch batch(StreamBenchData d, int i) {
        if (d.isSparse()) {
            int from = d.rowPtr[i];
            int to = d.rowPtr[i + 1];
            float[] values = new float[to - from];
            Arrays.fill(values, 1f);
            return Batch.sparse(
                    1,
                    d.dim,
                    new int[] {0, to - from},
                    Arrays.copyOfRange(d.indices, from, to),
                    values,
                    new float[1],
                    null);
        }
        return Batch.dense(1, d.dim, Arrays.copyOfRange(d.dense, i * d.dim, (i + 1) * d.dim), new float[1], null);
    }

    /** Cancels the job at the end of phase B; a job that had failed instead is an error naming its cause. */
    private static void cancel(BenchModel m, LocalFlink.Job job) throws Exception {
        try {
            job.cancel(Duration.ofMinutes(1));
        } catch (Exception e) {
            Throwable cause = e;
            try {
                job.result(Duration.ofSeconds(30));
            } catch (Exception failed) {
                cause = failed.getCause() != null ? failed.getCause() : failed;
            }
            throw new IllegalStateException(
                    m.id + ": the job failed during phase B (after its restart attempts): " + cause, cause);
        }
    }

    /** The newest version on the models topic and, with deltas, the updates topic (read_committed), once the job has stopped. */
    private long lastVersion(JobConfig cfg) throws Exception {
        var codec = SingleObjectCodec.modelSnapshot();
        long last = 0;
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaClients.readAll(client(), cfg.topics().models(), Duration.ofMinutes(2))) {
            last = Math.max(last, codec.decode(r.value()).getVersion());
        }
        if (cfg.topics().updates() != null) {
            var deltas = SingleObjectCodec.modelDelta();
            for (ConsumerRecord<byte[], byte[]> r :
                    KafkaClients.readAll(client(), cfg.topics().updates(), Duration.ofMinutes(2))) {
                last = Math.max(last, deltas.decode(r.value()).getVersion());
            }
        }
        return last;
    }

    // ---------------------------------------------------------------- checks

    /** One answer, parsed. */
    private static final class Answer {
        final int phase;
        final int request;
        final int example;
        final float[] predictions;

        Answer(int phase, int request, int example, float[] predictions) {
            this.phase = phase;
            this.request = request;
            this.example = example;
            this.predictions = predictions;
        }
    }

    private Outcome check(
            BenchModel m,
            JobConfig cfg,
            StreamBenchData d,
            List<ServeLoad.Phase> phases,
            double[] serveCpuSeconds,
            long[] producedAtMs,
            long servingFromOffset)
            throws Exception {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        Map<Long, List<Answer>> byVersion = new TreeMap<>();
        Map<Long, Long> firstServedMs = new HashMap<>();
        int failures = 0;
        String firstFailure = null;
        int[] versionsPerPhase = new int[phases.size()];
        long firstB = Long.MAX_VALUE;
        long lastB = 0;
        for (int ph = 0; ph < phases.size(); ph++) {
            ServeLoad.Phase p = phases.get(ph);
            failures += p.failures();
            if (firstFailure == null) {
                firstFailure = p.firstFailure() == null ? null : p.name + ": " + p.firstFailure();
            }
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (int i = 0; i < p.requests; i++) {
                if (p.status[i] != 200) {
                    continue;
                }
                JsonNode root = json.readTree(p.body[i]);
                long v = root.get("version").asLong();
                JsonNode preds = root.get("predictions");
                JsonNode row = preds.get(0);
                float[] values;
                if (row.isArray()) {
                    values = new float[row.size()];
                    for (int c = 0; c < values.length; c++) {
                        values[c] = exactFloat(row.get(c));
                    }
                } else {
                    values = new float[] {exactFloat(row)};
                }
                long at = p.doneWallMs[i];
                byVersion.computeIfAbsent(v, k -> new ArrayList<>()).add(new Answer(ph, i, p.example[i], values));
                firstServedMs.merge(v, at, Math::min);
                seen.add(v);
                if ("B".equals(p.name)) {
                    firstB = Math.min(firstB, v);
                    lastB = Math.max(lastB, v);
                }
            }
            versionsPerPhase[ph] = seen.size();
        }

        // Every version, read_committed, one at a time: the answers naming it against the offline Predictor of its
        // parameters. A full version's parameters are its snapshot's; with deltas, a delta version's are rebuilt here,
        // independently of serve's follower: the last full version's parameters plus the ModelDelta chain read from
        // the updates topic, each applied with the learner's ParameterDelta.
        String partition = cfg.topics().examples() + "-0";
        TreeMap<Long, Long> nextOffsetByVersion = new TreeMap<>();
        TreeMap<Long, ModelDelta> deltas = new TreeMap<>();
        if (cfg.topics().updates() != null) {
            var deltaCodec = SingleObjectCodec.modelDelta();
            for (ConsumerRecord<byte[], byte[]> r :
                    KafkaClients.readAll(client(), cfg.topics().updates(), Duration.ofMinutes(2))) {
                ModelDelta md = deltaCodec.decode(r.value());
                if (m.id.equals(md.getModelId().toString())) {
                    deltas.put(md.getVersion(), md);
                    Long next = md.getSourceOffsets().get(partition);
                    if (next != null) {
                        nextOffsetByVersion.put(md.getVersion(), next);
                    }
                }
            }
        }
        Reference ref = new Reference(d, phases, byVersion, deltas, cfg.topics().updates());
        var codec = SingleObjectCodec.modelSnapshot();
        try (KafkaConsumer<byte[], byte[]> c =
                KafkaClients.committedReader(client(), cfg.topics().models(), Duration.ofMinutes(1))) {
            Map<TopicPartition, Long> end = c.endOffsets(c.assignment(), Duration.ofMinutes(1));
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!reached(c, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "timed out reading " + cfg.topics().models() + " up to " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    ModelSnapshot snap = codec.decode(r.value());
                    if (!m.id.equals(snap.getModelId().toString())) {
                        continue;
                    }
                    long v = snap.getVersion();
                    if (deltas.containsKey(v)) {
                        // A verification copy (deltas.full_copies): the delta chain is the reference for v.
                        continue;
                    }
                    Long next = snap.getSourceOffsets().get(partition);
                    if (next != null) {
                        nextOffsetByVersion.put(v, next);
                    }
                    ref.full(snap);
                }
            }
        }
        ref.deltasUpTo(Long.MAX_VALUE);
        long checked = ref.checked;
        long mismatched = ref.mismatched;
        String firstMismatch = ref.firstMismatch;
        java.util.Set<Long> onTopic = ref.onTopic;
        long unverifiable = 0;
        for (Map.Entry<Long, List<Answer>> e : byVersion.entrySet()) {
            if (!onTopic.contains(e.getKey())) {
                unverifiable += e.getValue().size();
                if (firstMismatch == null) {
                    firstMismatch = e.getValue().size() + " answers name version " + e.getKey() + ", which is not on "
                            + cfg.topics().models()
                            + (cfg.topics().updates() != null
                                    ? " nor rebuilt from the deltas on "
                                            + cfg.topics().updates()
                                    : "")
                            + " (read_committed)";
                }
            }
        }

        // Event-to-servable: per example produced while serve answered, the first answer from a version that
        // learned it (its source_offsets reach past the example), minus the example's produce time.
        long[] versions = nextOffsetByVersion.keySet().stream()
                .filter(firstServedMs::containsKey)
                .mapToLong(Long::longValue)
                .toArray();
        long[] nexts = new long[versions.length];
        long[] servedMin = new long[versions.length];
        for (int i = 0; i < versions.length; i++) {
            nexts[i] = nextOffsetByVersion.get(versions[i]);
        }
        for (int i = versions.length - 1; i >= 0; i--) {
            long at = firstServedMs.get(versions[i]);
            servedMin[i] = i == versions.length - 1 ? at : Math.min(at, servedMin[i + 1]);
        }
        List<Long> e2s = new ArrayList<>();
        long maxNext = nexts.length == 0 ? 0 : Arrays.stream(nexts).max().getAsLong();
        for (long o = servingFromOffset; o < Math.min(maxNext, producedAtMs.length); o++) {
            if (producedAtMs[(int) o] == 0) {
                continue;
            }
            int i = firstAbove(nexts, o);
            if (i < nexts.length) {
                e2s.add(servedMin[i] - producedAtMs[(int) o]);
            }
        }
        long[] e2sSorted = e2s.stream().mapToLong(Long::longValue).sorted().toArray();

        ServeLoad.Phase pa = phases.get(2);
        ServeLoad.Phase pb = phases.get(1);
        return new Outcome(
                m.id,
                stats("A: no new versions", pa, versionsPerPhase[2], ref.mixed[2], serveCpuSeconds[2]),
                stats("B: a version/s", pb, versionsPerPhase[1], ref.mixed[1], serveCpuSeconds[1]),
                failures,
                firstFailure,
                checked,
                mismatched,
                unverifiable,
                firstMismatch,
                firstB == Long.MAX_VALUE ? 0 : firstB,
                lastB,
                e2sSorted.length,
                percentile(e2sSorted, 50),
                percentile(e2sSorted, 99),
                0,
                0,
                ref.rebuilt);
    }

    /**
     * The reference parameters of every version, in version order: a full version's from its snapshot, a delta
     * version's rebuilt from the last full version + the chain of deltas after it ({@link ParameterDelta#fromWire},
     * {@link ParameterDelta#applyTo}); each version's answers compared with the offline {@link Predictor} on them.
     */
    private static final class Reference {
        private final StreamBenchData d;
        private final List<ServeLoad.Phase> phases;
        private final Map<Long, List<Answer>> byVersion;
        private final TreeMap<Long, ModelDelta> deltas;
        private final String updatesTopic;
        final java.util.Set<Long> onTopic = new java.util.HashSet<>();
        long checked;
        long mismatched;
        /** Answers unequal to the offline prediction of the version they name, per phase. */
        final long[] mixed;

        long rebuilt;
        String firstMismatch;
        private float[] params;
        private long version;
        private long lastFull;
        private Predictor predictor;

        Reference(
                StreamBenchData d,
                List<ServeLoad.Phase> phases,
                Map<Long, List<Answer>> byVersion,
                TreeMap<Long, ModelDelta> deltas,
                String updatesTopic) {
            this.d = d;
            this.phases = phases;
            this.byVersion = byVersion;
            this.deltas = deltas;
            this.updatesTopic = updatesTopic;
            this.mixed = new long[phases.size()];
        }

        /** A full version (in topic order): first the deltas before it, then its own parameters. */
        void full(ModelSnapshot snap) {
            deltasUpTo(snap.getVersion() - 1);
            ByteBuffer buf = snap.getState().duplicate();
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            params = ModelStateCodec.decode(bytes).params().clone();
            version = snap.getVersion();
            lastFull = version;
            predictor = new Predictor(ConfigParser.parse(snap.getConfigYaml()));
            onTopic.add(version);
            compare(version, "its snapshot");
        }

        /** Applies the deltas version+1, version+2, ... up to {@code last} while the chain continues. */
        void deltasUpTo(long last) {
            while (params != null && version < last) {
                ModelDelta md = deltas.get(version + 1);
                if (md == null) {
                    return;
                }
                long v = md.getVersion();
                if (md.getBaseVersion() != version || md.getFullVersion() != lastFull) {
                    // Answers naming v and later deltas stay unverified (counted as naming a version not on the topic).
                    params = null;
                    firstMismatch = firstMismatch != null
                            ? firstMismatch
                            : updatesTopic + ": delta version " + v + " has base " + md.getBaseVersion()
                                    + " and chain start " + md.getFullVersion() + ", the rebuilt chain is at version "
                                    + version + " from full version " + lastFull;
                    return;
                }
                ParameterDelta.fromWire(
                                md.getNumParams(),
                                md.getIndices(),
                                md.getValues(),
                                md.getRemoved(),
                                updatesTopic + " version " + v)
                        .applyTo(params);
                version = v;
                rebuilt++;
                onTopic.add(v);
                compare(v, "full version " + lastFull + " + deltas " + (lastFull + 1) + ".." + v);
            }
        }

        private void compare(long v, String from) {
            List<Answer> answers = byVersion.get(v);
            if (answers == null) {
                return;
            }
            float[] expected = new float[predictor.outputs()];
            for (Answer ans : answers) {
                predictor.predict(params, batch(d, ans.example), expected);
                checked++;
                if (!bitEqual(expected, ans.predictions)) {
                    mismatched++;
                    mixed[ans.phase]++;
                    if (firstMismatch == null) {
                        firstMismatch = phases.get(ans.phase).name + " request " + ans.request + " (example "
                                + ans.example + ") named version " + v + " and answered "
                                + Arrays.toString(ans.predictions) + "; the offline Predictor on that version ("
                                + from + "): " + Arrays.toString(expected);
                    }
                }
            }
        }
    }

    /** The index of the first version (in version order, source offsets non-decreasing) whose next offset > o. */
    private static int firstAbove(long[] nexts, long o) {
        int lo = 0;
        int hi = nexts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (nexts[mid] > o) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The JSON number as the exact decimal it is, rounded once to the nearest float. */
    private static float exactFloat(JsonNode n) {
        return n.isBigDecimal() ? Float.parseFloat(n.decimalValue().toString()) : n.floatValue();
    }

    private static boolean bitEqual(float[] a, float[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }

    private static PhaseStats stats(String name, ServeLoad.Phase p, int versions, long mixed, double serveCpu) {
        long[] l = p.sortedLatencies();
        return new PhaseStats(
                name,
                p.requests,
                p.failures(),
                ServeLoad.percentileMs(l, 50),
                ServeLoad.percentileMs(l, 99),
                ServeLoad.percentileMs(l, 99.9),
                ServeLoad.percentileMs(l, 100),
                versions,
                mixed,
                serveCpu / p.requests * 1e6,
                p.clientCpuSeconds / p.requests * 1e6);
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- report

    private void print(List<Outcome> outcomes) {
        out.println();
        out.printf(
                Locale.ROOT,
                "single-example predict latency at %,.0f requests/s (ms, from each request's intended send time;"
                        + " mixed: answers unequal to the offline prediction of the version they name; cpu: us of"
                        + " CPU per request, serve's process and the load client's):%n",
                settings.rate());
        out.printf(
                Locale.ROOT,
                "%-16s %-20s %9s %8s %7s %7s %8s %7s %8s %6s %9s %10s%n",
                "model",
                "phase",
                "requests",
                "failed",
                "p50",
                "p99",
                "p99.9",
                "max",
                "versions",
                "mixed",
                "serve-cpu",
                "client-cpu");
        for (Outcome o : outcomes) {
            for (PhaseStats p : List.of(o.a(), o.b())) {
                out.printf(
                        Locale.ROOT,
                        "%-16s %-20s %,9d %,8d %7.2f %7.2f %8.2f %7.1f %8d %,6d %9.0f %10.0f%n",
                        o.model(),
                        p.name(),
                        p.requests(),
                        p.failures(),
                        p.p50(),
                        p.p99(),
                        p.p999(),
                        p.max(),
                        p.versions(),
                        p.mixed(),
                        p.serveCpuUsPerRequest(),
                        p.clientCpuUsPerRequest());
            }
        }
        out.println();
        for (Outcome o : outcomes) {
            boolean p99Met = o.a().p99() <= 5 && o.b().p99() <= 5;
            out.printf(
                    Locale.ROOT,
                    "%s: p99(B)/p99(A) %.2fx (target <= 1.5x: %s); p99 <= 5 ms at %,.0f requests/s: %s;"
                            + " versions served in B: %d..%d%n",
                    o.model(),
                    o.ratio(),
                    o.ratio() <= 1.5 ? "met" : "missed",
                    settings.rate(),
                    p99Met ? "met" : "missed",
                    o.firstVersionB(),
                    o.lastVersionB());
            out.printf(
                    Locale.ROOT,
                    "%s: correctness: %,d answers (all phases) checked against the offline Predictor of the version"
                            + " each names, bit for bit: %,d differ, %,d name a version not on the topic,"
                            + " %,d requests failed%s%s%n",
                    o.model(),
                    o.checked(),
                    o.mismatched(),
                    o.unverifiable(),
                    o.failures(),
                    o.firstMismatch() != null ? "; first difference: " + o.firstMismatch() : "",
                    o.firstFailure() != null ? "; first failure: " + o.firstFailure() : "");
            if (settings.deltas()) {
                out.printf(
                        Locale.ROOT,
                        "%s: deltas: %,d versions' reference parameters rebuilt from the last full version + the"
                                + " deltas on the updates topic; serve applied %,d full and %,d delta versions%n",
                        o.model(),
                        o.rebuiltFromDeltas(),
                        o.servedFullVersions(),
                        o.servedDeltaVersions());
            }
            out.printf(
                    Locale.ROOT,
                    "%s: event-to-servable (example produced -> first answer from a version that learned it) over"
                            + " %,d examples: p50 %.0f ms, p99 %.0f ms (bound: a version every 1 s, visible at the"
                            + " checkpoint that commits it, every %d ms)%n",
                    o.model(),
                    o.e2sExamples(),
                    o.e2sP50(),
                    o.e2sP99(),
                    settings.checkpointMs());
        }
    }

    // ---------------------------------------------------------------- the job

    /**
     * The job config of one model's run — the one place the benchmark's job YAML is written: live (unbounded)
     * input, the default restarts (a restart resumes from the last checkpoint; outputs stay exactly once), a version
     * every second, checkpoints every {@code --checkpoint-ms} in files (a 2^20-feature model's
     * state is larger than the JobManager's memory may hold), plus {@code --job-extra} and {@code --model-extra}.
     */
    JobConfig jobConfig(String prefix, BenchModel m) {
        String model = m.yaml
                + (settings.modelExtra().isBlank() ? "" : settings.modelExtra().strip() + "\n");
        String yaml = """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: %s-examples, models: %s-models, metrics: %s-metrics, dead_letters: %s-dead%s}
                group_id: %s
                start: earliest
                snapshot: {every_steps: 0, every_seconds: 1}
                checkpoint_interval_ms: %d
                checkpoint_dir: "%s"
                %s
                models:
                  %s:
                %s
                """.formatted(
                        kafka == null ? "127.0.0.1:9" : kafka.bootstrapServers(),
                        prefix,
                        prefix,
                        prefix,
                        prefix,
                        settings.deltas() ? ", updates: " + prefix + "-updates" : "",
                        prefix,
                        settings.checkpointMs(),
                        dir.resolve("checkpoints").resolve(prefix).toUri(),
                        (settings.deltas() ? "deltas: {enabled: true}\n" : "")
                                + settings.jobExtra().strip(),
                        m.id,
                        model.indent(4));
        return JobConfigParser.parse(yaml, "bench-serve:" + prefix);
    }

    private Properties client() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    /** Feeds the job live: pool examples at a fixed rate, each stamped (and recorded by offset) with its send time. */
    private final class Feeder {
        private final JobConfig cfg;
        private final StreamBenchData d;
        private final double rate;
        private final long[] producedAtMs;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong produced = new AtomicLong();
        private Thread thread;

        Feeder(JobConfig cfg, StreamBenchData d, double rate, long[] producedAtMs) {
            this.cfg = cfg;
            this.d = d;
            this.rate = rate;
            this.producedAtMs = producedAtMs;
        }

        void start() {
            thread = new Thread(this::feed, "bench-serve-feeder");
            thread.setDaemon(true);
            thread.start();
        }

        private void feed() {
            Properties p = client();
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
            String topic = cfg.topics().examples();
            byte[] key = cfg.models().modelIds().iterator().next().getBytes(StandardCharsets.UTF_8);
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                long start = System.nanoTime();
                for (int r = 0; r < producedAtMs.length && !stop.get(); r++) {
                    long due = start + (long) (r * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    long now = System.currentTimeMillis();
                    var unused =
                            producer.send(new ProducerRecord<>(topic, 0, key, d.example(r % d.size, now)), (md, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                } else if (md.offset() < producedAtMs.length) {
                                    producedAtMs[(int) md.offset()] = now;
                                }
                            });
                    produced.set(r + 1);
                }
                producer.flush();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            if (thread != null) {
                thread.join(60_000);
            }
        }

        void check() {
            if (failure.get() != null) {
                throw new IllegalStateException("feeding the job failed: " + failure.get(), failure.get());
            }
        }
    }

    // ---------------------------------------------------------------- serve, a JVM of its own

    /** {@code streamgrad serve} as the launcher starts it, with this JVM's classpath, in a process of its own. */
    private static final class ServeProcess {
        private static final Pattern URL = Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+)");
        private static final HttpClient HTTP = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        private final Process process;
        private final Path log;
        String base;

        private ServeProcess(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static ServeProcess start(
                Settings s, String bootstrap, String topic, String updatesTopic, String model, Path dir)
                throws IOException {
            Files.createDirectories(dir);
            List<String> cmd = new ArrayList<>(s.servePrefix());
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(s.serveJavaOpts());
            cmd.addAll(ADD_OPENS);
            cmd.add("-Djava.io.tmpdir=" + dir);
            String javacpp = System.getProperty("org.bytedeco.javacpp.cachedir");
            if (javacpp != null) {
                cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + javacpp);
            }
            cmd.addAll(List.of(
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.streamgrad.cli.Main",
                    "serve",
                    "--bootstrap-servers",
                    bootstrap,
                    "--topic",
                    topic,
                    "--model",
                    model,
                    "--port",
                    "0"));
            if (updatesTopic != null) {
                cmd.addAll(List.of("--updates-topic", updatesTopic));
            }
            cmd.addAll(s.serveArgs());
            Path log = dir.resolve("serve.log");
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
            return new ServeProcess(pb.start(), log);
        }

        long pid() {
            return process.pid();
        }

        /** Until serve prints its address and its /healthz is 200 (the model has a version). */
        void awaitReady(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (base == null) {
                assertAlive();
                Matcher m = URL.matcher(Files.readString(log, StandardCharsets.UTF_8));
                if (m.find()) {
                    base = m.group(1);
                } else {
                    pause(deadline, "serve to print its address");
                }
            }
            while (get("/healthz") != 200) {
                assertAlive();
                pause(deadline, "serve's /healthz to answer 200 (a version of the model)");
            }
        }

        /** Until serve's live version of the model is {@code version}. */
        void awaitVersion(String model, long version, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            ObjectMapper json = new ObjectMapper();
            while (true) {
                assertAlive();
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create(base + "/v1/models/" + model))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200
                        && json.readTree(r.body()).path("version").asLong() == version) {
                    return;
                }
                pause(deadline, "serve to reach version " + version + " (last answer: " + r.body() + ")");
            }
        }

        /** Serve's {@code GET /v1/models/{id}}: version, full and delta versions applied, staleness. */
        JsonNode modelInfo(String model) throws Exception {
            assertAlive();
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(base + "/v1/models/" + model))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET /v1/models/" + model + " answered " + r.statusCode() + ": " + r.body());
            }
            return new ObjectMapper().readTree(r.body());
        }

        private int get(String path) {
            try {
                return HTTP.send(
                                HttpRequest.newBuilder(URI.create(base + path))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        private void pause(long deadline, String what) throws IOException {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + "; serve's output (" + log + "):\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            LockSupport.parkNanos(50_000_000);
        }

        private void assertAlive() throws IOException {
            if (!process.isAlive()) {
                throw new IllegalStateException("streamgrad serve exited with status " + process.exitValue()
                        + "; its output (" + log + "):\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        }

        /** SIGTERM (serve's shutdown hook stops it), then waits. */
        void stop() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor();
                }
            }
        }
    }
}

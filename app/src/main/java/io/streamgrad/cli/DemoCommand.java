package io.streamgrad.cli;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.warmstart.WarmStart;
import io.streamgrad.learner.data.DataReaders;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.data.ReadOptions;
import io.streamgrad.learner.util.Rng;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import io.streamgrad.serving.ModelFollower;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code streamgrad demo}: everything in this JVM — a Kafka broker, a Flink MiniCluster, the streaming trainer on
 * three models side by side (a synthetic stream with a known concept drift, and two real UCI data sets replayed),
 * a few bad records that end in the dead letters, live progress read from the metrics and models topics, a
 * summary and an HTML report. Leaves nothing running.
 */
final class DemoCommand {
    static final String USAGE = """
            usage: streamgrad demo [--rate N] [--drift-examples N] [--passes N] [--report FILE] [--data-dir DIR]
                                   [--work-dir DIR]
              Starts an in-process Kafka broker and Flink MiniCluster, streams three models' examples through the
              exactly-once training job, prints live progress and a summary, and writes an HTML report.
              --rate N           examples per second produced, all models together (default 2500)
              --drift-examples N length of the synthetic drifting stream (default 24000; the drift is halfway)
              --passes N         replays of segment, 10x that of iris (default 3)
              --report FILE      the HTML report (default reports/demo.html)
              --data-dir DIR     where segment-train.svm and iris.csv are (default data)
              --work-dir DIR     broker logs and Flink temporary files, deleted at the end (default .work/demo)""";

    private static final String DRIFT = "drift";
    private static final String IRIS = "iris";
    private static final String SEGMENT = "segment";

    private DemoCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv, Set.of("rate", "drift-examples", "passes", "report", "data-dir", "work-dir"), Set.of());
        double rate = args.doubleValue("rate", 2500, 1, 1e7);
        long driftExamples = args.longValue("drift-examples", 24_000, 100, 100_000_000);
        int passes = (int) args.longValue("passes", 3, 1, 1000);
        Path report = args.path("report", Path.of("reports", "demo.html"));
        Path dataDir = args.path("data-dir", Path.of("data"));
        Path workDir = args.path("work-dir", Path.of(".work", "demo"));
        for (String f : List.of("segment-train.svm", "iris.csv")) {
            if (!Files.isRegularFile(dataDir.resolve(f))) {
                throw new UsageException("--data-dir: " + dataDir.resolve(f) + " not found; run from the repository"
                        + " root or pass --data-dir pointing at the repository's data/ directory");
            }
        }
        return new DemoCommand.Run(out, rate, driftExamples, passes, report, dataDir, workDir).execute();
    }

    private static final class Run {
        final PrintStream out;
        final double rate;
        final long driftExamples;
        final int passes;
        final Path report;
        final Path dataDir;
        final Path workDir;
        final long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();

        Run(PrintStream out, double rate, long driftExamples, int passes, Path report, Path dataDir, Path workDir) {
            this.out = out;
            this.rate = rate;
            this.driftExamples = driftExamples;
            this.passes = passes;
            this.report = report;
            this.dataDir = dataDir;
            this.workDir = workDir;
        }

        int execute() throws Exception {
            long t0 = System.currentTimeMillis();
            out.println(
                    "streamgrad demo: Kafka (in-process KRaft broker) -> Flink (MiniCluster) -> Kafka, exactly once");
            Files.createDirectories(workDir);
            try (EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"))) {
                out.printf(
                        Locale.ROOT,
                        "  broker up at %s in %.1f s%n",
                        kafka.bootstrapServers(),
                        (System.currentTimeMillis() - t0) / 1e3);
                String yaml = jobYaml(kafka.bootstrapServers());
                JobConfig cfg = JobConfigParser.parse(yaml, "demo job");
                JobTopics.create(kafka.admin(), cfg.topics(), 3, (short) 1);

                JobConfig.Topics topics = cfg.topics();
                JobClient job = startJob(cfg);
                out.println("  job " + job.getJobID() + " submitted: models "
                        + cfg.models().modelIds());

                Dataset segment = DataReaders.read(
                        dataDir.resolve("segment-train.svm"), cfg.models().config(SEGMENT), ReadOptions.defaults());
                Dataset iris = DataReaders.read(
                        dataDir.resolve("iris.csv"), cfg.models().config(IRIS), ReadOptions.defaults());
                DriftStream drift = new DriftStream(10, driftExamples / 2, 0.05, 42);
                Map<String, Long> expected = new LinkedHashMap<>();
                expected.put(DRIFT, driftExamples);
                expected.put(SEGMENT, (long) segment.size() * passes);
                expected.put(IRIS, (long) iris.size() * passes * 10);
                long total =
                        expected.values().stream().mapToLong(Long::longValue).sum();
                out.printf(
                        Locale.ROOT,
                        "  producing %,d examples at %,.0f/s: %s (+5 bad records)%n",
                        total,
                        rate,
                        expected);

                Properties client = new Properties();
                client.put("bootstrap.servers", kafka.bootstrapServers());
                AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                Thread producer = new Thread(
                        () -> {
                            try {
                                produce(client, topics.examples(), drift, segment, iris, expected);
                            } catch (Throwable e) {
                                producerFailure.set(e);
                            }
                        },
                        "demo-producer");
                producer.setDaemon(true);
                producer.start();

                Progress progress = follow(client, topics, expected, producerFailure, t0);
                job.cancel().get();
                try {
                    job.getJobExecutionResult().get();
                } catch (Exception expectedOnCancel) {
                    // A cancelled streaming job ends "exceptionally"; its committed outputs are complete.
                }
                producer.join(10_000);

                List<DeadLetter> dead = new ArrayList<>();
                var dlCodec = SingleObjectCodec.deadLetter();
                for (ConsumerRecord<byte[], byte[]> r :
                        KafkaClients.readAll(client, topics.deadLetters(), Duration.ofSeconds(30))) {
                    dead.add(dlCodec.decode(r.value()));
                }
                summarize(progress, dead, expected, drift, yaml, kafka.bootstrapServers());
                serve(client, topics.models());
            }
            deleteTree(workDir.resolve("flink-tmp"));
            try {
                Files.deleteIfExists(workDir); // only when empty: a user-given directory keeps its other files
            } catch (java.nio.file.DirectoryNotEmptyException keep) {
                // leave it
            }
            out.printf(
                    Locale.ROOT,
                    "demo finished in %.1f s; broker and Flink stopped.%n",
                    (System.currentTimeMillis() - t0) / 1e3);
            return 0;
        }

        static void deleteTree(Path dir) throws java.io.IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }

        /**
         * What {@code streamgrad serve} does, in this JVM: follows the models topic, answers a few predict requests
         * over HTTP on a free 127.0.0.1 port (printed with their answers), and stops.
         */
        void serve(Properties client, String modelsTopic) throws Exception {
            out.println();
            try (ModelFollower follower = ModelFollower.builder()
                            .clientProperties(client)
                            .modelsTopic(modelsTopic)
                            .follow(DRIFT, SEGMENT, IRIS)
                            .build()
                            .start();
                    PredictionServer server =
                            new PredictionServer(follower, new InetSocketAddress("127.0.0.1", 0), 2)) {
                if (!follower.awaitReady(Duration.ofSeconds(60))) {
                    throw new IllegalStateException(
                            "serve: the newest versions on " + modelsTopic + " were not loaded within 60 s");
                }
                String base = "http://127.0.0.1:" + server.port();
                out.println("serve (what `streamgrad serve --bootstrap-servers ... --topic " + modelsTopic
                        + "` does): the newest versions on " + base);
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10))
                        .build();
                List<String[]> requests = List.of(
                        new String[] {IRIS, "{\"dense\": [5.1, 3.5, 1.4, 0.2]}"},
                        new String[] {
                            IRIS,
                            "{\"examples\": [{\"dense\": [6.3, 3.3, 6.0, 2.5]}, {\"dense\": [5.7, 2.8, 4.1, 1.3]}]}"
                        },
                        new String[] {DRIFT, "{\"named\": {\"sensor=a\": 1.0, \"sensor=b\": -0.5}}"});
                for (String[] r : requests) {
                    String path = "/v1/models/" + r[0] + ":predict";
                    HttpResponse<String> answer = http.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                    .timeout(Duration.ofSeconds(30))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(r[1], StandardCharsets.UTF_8))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    out.println("  POST " + path + " " + r[1]);
                    out.println("    -> " + answer.statusCode() + " " + answer.body());
                    if (answer.statusCode() != 200) {
                        throw new IllegalStateException("serve: " + path + " answered " + answer.statusCode());
                    }
                }
            }
            out.println("  prediction server stopped");
        }

        String jobYaml(String bootstrap) {
            return """
                    kafka: {bootstrap.servers: "%s"}
                    topics: {examples: demo.examples, models: demo.models, metrics: demo.metrics,
                             dead_letters: demo.dead_letters}
                    group_id: streamgrad-demo
                    start: earliest
                    checkpoint_interval_ms: 1000
                    restart: {attempts: 2, delay_ms: 500}
                    snapshot: {every_steps: 100, every_seconds: 2}
                    metrics_every_batches: 10
                    batch_timeout_ms: 500
                    models:
                      drift:      # synthetic, 10 features, abrupt concept drift halfway, 5%% label noise
                        model: {type: logistic, features: 10}
                        loss: binary_cross_entropy
                        optimizer: {type: sgd, learning_rate: 0.1}
                        batch_size: 32
                      segment:    # UCI image segmentation, 1500 examples, 19 standardised features, 7 classes
                        model: {type: softmax, features: 19, classes: 7}
                        loss: categorical_cross_entropy
                        optimizer: {type: adam, learning_rate: 0.01}
                        batch_size: 32
                      iris:       # UCI iris (Fisher 1936), 150 examples, 4 raw measurements, 3 classes
                        model: {type: softmax, features: 4, classes: 3}
                        loss: categorical_cross_entropy
                        optimizer: {type: adam, learning_rate: 0.05}
                        batch_size: 10
                    """.formatted(bootstrap);
        }

        JobClient startJob(JobConfig cfg) throws Exception {
            Configuration conf = JobGraphs.localConfiguration(cfg);
            conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            conf.set(RestOptions.BIND_PORT, "0");
            String tmp = workDir.resolve("flink-tmp").toAbsolutePath().toString();
            conf.set(CoreOptions.TMP_DIRS, tmp);
            conf.set(WebOptions.TMP_DIR, tmp);
            conf.set(WebOptions.UPLOAD_DIR, tmp);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            // The demo's models topic may hold an earlier demo's versions: continue them rather than go back to 1.
            StreamgradJob.build(env, cfg, WarmStart.load(cfg, false));
            return env.executeAsync("streamgrad demo");
        }

        /** Interleaves the three streams in proportion, paced at {@code rate}, each model in its own partition. */
        void produce(
                Properties client,
                String topic,
                DriftStream drift,
                Dataset segment,
                Dataset iris,
                Map<String, Long> expected) {
            String[] ids = {DRIFT, SEGMENT, IRIS};
            long[] sent = new long[3];
            long[] totals = {expected.get(DRIFT), expected.get(SEGMENT), expected.get(IRIS)};
            long all = totals[0] + totals[1] + totals[2];
            // iris.csv is sorted by class: each pass is replayed in a fresh seeded order.
            Rng irisRng = new Rng(7);
            int[] irisOrder = null;
            long start = System.nanoTime();
            try (ExampleProducer p = new ExampleProducer(client)) {
                for (long k = 0; k < all; k++) {
                    int m = 0;
                    for (int j = 1; j < 3; j++) {
                        if ((double) sent[j] / totals[j] < (double) sent[m] / totals[m]) {
                            m = j;
                        }
                    }
                    long i = sent[m]++;
                    Example e = switch (m) {
                        case 0 -> drift.next(DRIFT, i);
                        case 1 ->
                            ExampleProducer.toExample(
                                    SEGMENT, segment, (int) (i % segment.size()), System.currentTimeMillis());
                        default -> {
                            if (i % iris.size() == 0) {
                                irisOrder = Dataset.shuffledOrder(iris.size(), irisRng); // a new pass
                            }
                            yield ExampleProducer.toExample(
                                    IRIS, iris, irisOrder[(int) (i % iris.size())], System.currentTimeMillis());
                        }
                    };
                    p.send(topic, m, ids[m], p.encode(e, false));
                    if (k == all / 3) {
                        sendBadRecords(p, topic);
                    }
                    long wait = start + (long) (k * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                p.flush();
            }
        }

        /** Five records the job must route to the dead letters, each for a different reason. */
        void sendBadRecords(ExampleProducer p, String topic) {
            p.send(topic, 0, DRIFT, "{not json".getBytes(StandardCharsets.UTF_8));
            p.send(
                    topic,
                    0,
                    DRIFT,
                    ("{\"model_id\": \"drift\", \"dense\": [1,2,3], \"label\": 1}").getBytes(StandardCharsets.UTF_8));
            p.send(
                    topic,
                    2,
                    IRIS,
                    ("{\"model_id\": \"iris\", \"dense\": [5.1, 3.5, 1.4, 0.2], \"label\": 3}")
                            .getBytes(StandardCharsets.UTF_8));
            p.send(
                    topic,
                    1,
                    SEGMENT,
                    ("{\"model_id\": \"segment\", \"indices\": [19], \"values\": [1], \"label\": 0}")
                            .getBytes(StandardCharsets.UTF_8));
            p.send(
                    topic,
                    0,
                    "churn",
                    ("{\"model_id\": \"churn\", \"dense\": [1], \"label\": 0}").getBytes(StandardCharsets.UTF_8));
        }

        /** What the demo saw on the output topics. */
        final class Progress {
            final Map<String, List<TrainingMetrics>> windows = new LinkedHashMap<>();
            final Map<String, ModelSnapshot> latest = new LinkedHashMap<>();
            final Map<String, Long> versionsSeen = new LinkedHashMap<>();
            long firstMetricsAt = -1;
            long doneAt;
        }

        /** Prints a status line a second from the committed metrics and snapshots, until every model is done. */
        Progress follow(
                Properties client,
                JobConfig.Topics topics,
                Map<String, Long> expected,
                AtomicReference<Throwable> producerFailure,
                long t0)
                throws Exception {
            Properties p = new Properties();
            p.putAll(client);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            Progress progress = new Progress();
            for (String id : expected.keySet()) {
                progress.windows.put(id, new ArrayList<>());
            }
            var metricsCodec = SingleObjectCodec.trainingMetrics();
            var snapshotCodec = SingleObjectCodec.modelSnapshot();
            long deadline = System.currentTimeMillis() + Duration.ofMinutes(10).toMillis();
            long lastPrint = 0;
            try (KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts =
                        List.of(new TopicPartition(topics.metrics(), 0), new TopicPartition(topics.models(), 0));
                c.assign(parts);
                c.seekToBeginning(parts);
                while (true) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
                        try {
                            if (r.topic().equals(topics.metrics())) {
                                TrainingMetrics m = metricsCodec.decode(r.value());
                                progress.windows
                                        .computeIfAbsent(m.getModelId(), k -> new ArrayList<>())
                                        .add(m);
                                if (progress.firstMetricsAt < 0) {
                                    progress.firstMetricsAt = m.getCreatedAt().toEpochMilli();
                                }
                            } else {
                                ModelSnapshot s = snapshotCodec.decode(r.value());
                                progress.latest.put(s.getModelId(), s);
                                progress.versionsSeen.merge(s.getModelId(), 1L, Long::sum);
                            }
                        } catch (InvalidRecordException e) {
                            out.println("  (skipped an unreadable output record: " + e.getMessage() + ")");
                        }
                    }
                    long now = System.currentTimeMillis();
                    boolean done = expected.entrySet().stream()
                            .allMatch(e -> progress.latest.containsKey(e.getKey())
                                    && progress.latest.get(e.getKey()).getExamplesSeen() >= e.getValue());
                    if (progress.firstMetricsAt < 0) {
                        if (lastPrint == 0) {
                            out.println("  waiting for the first committed metrics (Flink starts, ND4J loads, the first"
                                    + " checkpoint commits the outputs) ...");
                            lastPrint = now;
                        }
                    } else if (now - lastPrint >= 1000 || done) {
                        lastPrint = now;
                        out.println(statusLine(progress, now - t0));
                        out.flush();
                    }
                    if (done) {
                        progress.doneAt = now;
                        return progress;
                    }
                    if (producerFailure.get() != null) {
                        throw new IllegalStateException(
                                "producing the demo streams failed: "
                                        + producerFailure.get().getMessage(),
                                producerFailure.get());
                    }
                    if (now > deadline) {
                        throw new IllegalStateException("the models did not finish training within 10 minutes; seen: "
                                + progress.latest.keySet());
                    }
                }
            }
        }

        String statusLine(Progress p, long elapsedMs) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  [%5.1fs]", elapsedMs / 1e3));
            for (Map.Entry<String, List<TrainingMetrics>> e : p.windows.entrySet()) {
                List<TrainingMetrics> w = e.getValue();
                ModelSnapshot s = p.latest.get(e.getKey());
                sb.append(" | ").append(e.getKey());
                if (w.isEmpty()) {
                    sb.append(" waiting");
                    continue;
                }
                TrainingMetrics m = w.get(w.size() - 1);
                sb.append(String.format(
                        Locale.ROOT,
                        " %,7d ex %6.0f/s loss %.3f",
                        m.getExamplesSeen(),
                        m.getExamplesPerSecond(),
                        m.getLoss()));
                if (m.getAccuracy() != null) {
                    sb.append(String.format(Locale.ROOT, " acc %.3f", m.getAccuracy()));
                }
                sb.append(s == null ? " v-" : " v" + s.getVersion());
            }
            return sb.toString();
        }

        void summarize(
                Progress p,
                List<DeadLetter> dead,
                Map<String, Long> expected,
                DriftStream drift,
                String yaml,
                String bootstrap)
                throws Exception {
            long trained = p.latest.values().stream()
                    .mapToLong(ModelSnapshot::getExamplesSeen)
                    .sum();
            double streamSeconds = Math.max(1e-3, (p.doneAt - p.firstMetricsAt) / 1e3);
            out.println();
            out.println("summary");
            out.printf(
                    Locale.ROOT,
                    "  %-9s %9s %8s %9s %10s %10s %10s %9s%n",
                    "model",
                    "examples",
                    "updates",
                    "snapshot",
                    "first loss",
                    "last loss",
                    "last acc",
                    "versions");
            for (String id : expected.keySet()) {
                List<TrainingMetrics> w = p.windows.get(id);
                ModelSnapshot s = p.latest.get(id);
                TrainingMetrics first = w.get(0);
                TrainingMetrics last = w.get(w.size() - 1);
                out.printf(
                        Locale.ROOT,
                        "  %-9s %,9d %8d %9s %10.4f %10.4f %10s %9d%n",
                        id,
                        s.getExamplesSeen(),
                        s.getStep(),
                        "v" + s.getVersion(),
                        first.getLoss(),
                        last.getLoss(),
                        last.getAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", last.getAccuracy()),
                        p.versionsSeen.get(id));
            }
            out.printf(Locale.ROOT, "  dead letters: %d%n", dead.size());
            for (DeadLetter d : dead) {
                out.println("    " + d.getReason());
            }
            String firstTrained = String.format(Locale.ROOT, "%.1f s", (p.firstMetricsAt - jvmStart) / 1e3);
            String throughput = String.format(
                    Locale.ROOT,
                    "%,.0f examples/s (%,d examples in %.1f s, paced by the" + " producer at %,.0f/s)",
                    trained / streamSeconds,
                    trained,
                    streamSeconds,
                    rate);
            out.println("  JVM start -> first metrics window (10 batches trained): " + firstTrained);
            out.println("  throughput: " + throughput);
            out.printf(
                    Locale.ROOT,
                    "  drift: ground truth switches at example %,d of %s (best possible accuracy"
                            + " 0.95 on both sides)%n",
                    drift.driftAt(),
                    DRIFT);

            List<HtmlReport.ModelSection> sections = List.of(
                    new HtmlReport.ModelSection(
                            DRIFT,
                            "synthetic: 10 Gaussian features, label = [w·x > 0] with 5% label"
                                    + " noise; w switches to a nearly orthogonal vector at example " + drift.driftAt()
                                    + " (the best possible accuracy is 0.95 before and after)",
                            p.windows.get(DRIFT),
                            p.latest.get(DRIFT),
                            (double) drift.driftAt(),
                            "drift"),
                    new HtmlReport.ModelSection(
                            SEGMENT,
                            "UCI image segmentation (1500 examples, 19 features,"
                                    + " standardised, 7 classes), replayed " + passes
                                    + " times; softmax regression, Adam",
                            p.windows.get(SEGMENT),
                            p.latest.get(SEGMENT),
                            null,
                            null),
                    new HtmlReport.ModelSection(
                            IRIS,
                            "UCI iris (150 examples, 4 features, 3 classes), replayed "
                                    + passes * 10
                                    + " times, each pass in a seeded random order (the file is sorted by class);"
                                    + " softmax regression, Adam",
                            p.windows.get(IRIS),
                            p.latest.get(IRIS),
                            null,
                            null));
            Map<String, String> facts = new LinkedHashMap<>();
            facts.put("JVM start -> first metrics window", firstTrained);
            facts.put("throughput", throughput);
            facts.put("broker", bootstrap + " (in-process KRaft, stopped)");
            facts.put(
                    "delivery",
                    "exactly once: Kafka source offsets in Flink checkpoints, transactional sinks;"
                            + " everything above was read with isolation.level=read_committed");
            facts.put("snapshot versions seen", p.versionsSeen.toString());
            facts.put("build", io.streamgrad.job.BuildInfo.version());
            String html = HtmlReport.render("streamgrad demo", sections, facts, dead, yaml);
            Path dir = report.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Files.writeString(report, html, StandardCharsets.UTF_8);
            out.println("  report: " + report);
        }
    }
}

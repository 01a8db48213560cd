package io.streamgrad.bench.stream;

import io.streamgrad.avro.SeriesPoint;
import io.streamgrad.avro.SeriesScore;
import io.streamgrad.cli.Args;
import io.streamgrad.cli.JobGraphs;
import io.streamgrad.cli.KafkaClients;
import io.streamgrad.cli.UsageException;
import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.embedded.LocalFlink;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.ops.OpsTopics;
import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code streamgrad bench-series}: the ops monitoring path measured end to end in one JVM — an in-process Kafka
 * broker, the job (one ops model, {@code model: {type: forecast}}) on a Flink MiniCluster, {@code SeriesScore}
 * records on the scores topic through the exactly-once sink — for many series at once.
 *
 * <p>The points are seeded (per series: a level, a daily sine and Gaussian noise; one point a minute), produced as
 * Avro {@code SeriesPoint} records keyed by model/series to one partition, a round at a time (point r of every
 * series, then point r+1), so that the job's keyed state holds every series at once. Three phases on one running
 * job:
 * <ol>
 *   <li>warm-up: one round (every series' state created, the JIT at work); awaited, not measured;</li>
 *   <li>throughput: {@code --points-per-series} rounds produced flat out while the job runs: end-to-end points/s =
 *       points / (last score visible to a read_committed reader - first point sent); running points/s = points /
 *       (the last score record's Kafka timestamp - the first one's), the job's own rate without the commit wait;</li>
 *   <li>latency: one more round paced at half the running rate (a sustainable load, not a backlog): per point, the
 *       score record's Kafka timestamp (set by the job's sink when it writes the score) minus the point's send
 *       time, and the time the read_committed reader first sees the score minus the send time (this one includes
 *       the wait for the checkpoint that commits it); p50/p99.</li>
 * </ol>
 * Then the same points go through {@link SeriesMonitor} offline (the code the job runs per point and the encoding
 * it stores in keyed state): every score must equal the job's (forecast and anomaly score, bit for bit), and the
 * encoded state per series after the last point gives state bytes (mean, max).
 */
public final class SeriesBenchCommand {
    static final String USAGE = """
            usage: streamgrad bench-series [--series N] [--points-per-series N] [--quick] [--dir DIR]
              End to end in one JVM: seeded points of many series -> in-process Kafka broker -> the streaming job
              (one ops model, Flink MiniCluster) -> scores on Kafka (exactly once). Prints points/s end to end and
              while running, p50/p99 point-to-score latency at half the running rate, state bytes per series
              (mean/max) and the load average at start and end; checks every score against SeriesMonitor offline.
              --series             series (default 100,000; --quick: 1,000)
              --points-per-series  measured points of each series, produced flat out (default 10; --quick: 5),
                                   after a warm-up round and before a paced latency round
              --quick              small input (a smoke test, not a measurement)
              --dir                scratch directory for the broker's log (default: a fresh temp directory, deleted)""";

    static final String MODEL = "ops";
    private static final long SEED = 42;
    private static final long T0 = 1_700_000_000L;
    private static final long STEP_SECONDS = 60;

    private final PrintStream out;
    private final PrintStream err;
    private final int series;
    private final int rounds;
    private final Path dir;
    private EmbeddedKafka kafka;
    private LocalFlink flink;

    private SeriesBenchCommand(PrintStream out, PrintStream err, int series, int rounds, Path dir) {
        this.out = out;
        this.err = err;
        this.series = series;
        this.rounds = rounds;
        this.dir = dir;
    }

    /** {@code ./streamgrad bench-series}: the launcher runs this class with the bench module's classpath. */
    public static void main(String[] argv) {
        BenchCommands.exit(execute(List.of(argv), System.out, System.err));
    }

    /** The command with the command line's usage and error handling; returns its exit status. */
    static int execute(List<String> args, PrintStream out, PrintStream err) {
        return BenchCommands.execute("bench-series", USAGE, args, out, err, () -> run(args, out, err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(argv, Set.of("series", "points-per-series", "dir"), Set.of("quick"));
        boolean quick = args.flag("quick");
        int series = (int) args.longValue("series", quick ? 1_000 : 100_000, 1, 2_000_000);
        int rounds = (int) args.longValue("points-per-series", quick ? 5 : 10, 1, 1_000);
        if ((long) series * (rounds + 2) > 20_000_000L) {
            throw new UsageException("--series " + series + " x (--points-per-series " + rounds
                    + " + 2) is over 20,000,000 points: the bench keeps a few numbers per point in memory");
        }
        Path given = args.path("dir", null);
        Path dir =
                given != null ? Files.createDirectories(given) : Files.createTempDirectory("streamgrad-bench-series-");
        SeriesBenchCommand bench = new SeriesBenchCommand(out, err, series, rounds, dir);
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

    /** Point {@code r} of series {@code i}: event time (epoch s) {@code T0 + r * 60}. */
    static double value(int i, int r) {
        SplittableRandom rnd = new SplittableRandom(SEED ^ (i * 0x9E3779B97F4A7C15L));
        double level = 50 + 50 * rnd.nextDouble();
        double amplitude = 5 + 20 * rnd.nextDouble();
        double phase = 2 * Math.PI * rnd.nextDouble();
        double noise =
                new SplittableRandom(SEED * 31 + i * 0x9E3779B97F4A7C15L + r * 0xBF58476D1CE4E5B9L).nextGaussian();
        return level + amplitude * Math.sin(2 * Math.PI * r * STEP_SECONDS / 86_400.0 + phase) + noise;
    }

    static long time(int r) {
        return T0 + r * STEP_SECONDS;
    }

    static String seriesKey(int i) {
        return "s" + i;
    }

    private int measure(boolean quick) throws Exception {
        var os = ManagementFactory.getOperatingSystemMXBean();
        double loadStart = os.getSystemLoadAverage();
        out.printf(
                Locale.ROOT,
                "streamgrad bench-series%s: %,d series x %d points (+1 warm-up, +1 latency round), %d cores, Java %s,"
                        + " heap max %d MB, load average %.2f at start%n",
                quick ? " --quick" : "",
                series,
                rounds,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20,
                loadStart);
        flink = LocalFlink.startInBackground(2);
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        JobConfig cfg = config();
        JobTopics.create(kafka.admin(), cfg.topics(), 1, (short) 1);
        JobTopics.create(kafka.admin(), OpsTopics.specs(cfg, 1, (short) 1));

        int totalRounds = rounds + 2;
        int total = series * totalRounds; // offset o on the series topic = round (o / series), series (o % series)
        long[] sentMs = new long[total];
        long[] writtenMs = new long[total];
        long[] visibleMs = new long[total];
        double[] forecast = new double[total];
        double[] score = new double[total];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        var pointCodec = SingleObjectCodec.seriesPoint();
        var scoreCodec = SingleObjectCodec.seriesScore();

        LocalFlink.Job job = flink.submit(JobGraphs.streamGraph(cfg));
        // The job runs until cancelled: if it ends before that, every wait below stops with its cause.
        Thread watcher = new Thread(
                () -> {
                    try {
                        job.result(Duration.ofDays(1));
                        failure.compareAndSet(
                                null, new IllegalStateException("the job ended before every score was committed"));
                    } catch (Exception e) {
                        failure.compareAndSet(null, new IllegalStateException("the job failed: " + causes(e), e));
                    }
                },
                "bench-series-job-watcher");
        watcher.setDaemon(true);
        watcher.start();
        try (KafkaProducer<byte[], byte[]> producer = producer();
                KafkaConsumer<byte[], byte[]> scores =
                        KafkaClients.committedReader(client(), cfg.ops().scores(), Duration.ofSeconds(30));
                Reader reader = new Reader(scores, scoreCodec, writtenMs, visibleMs, forecast, score, failure)) {

            // 1. warm-up round: every series' state created.
            long t = System.nanoTime();
            sendRounds(producer, cfg, pointCodec, 0, 1, 0, sentMs, failure);
            reader.awaitCount(series, Duration.ofMinutes(10), "the warm-up round's scores");
            err.printf(
                    Locale.ROOT,
                    "warm-up round: %,d series' first scores committed in %.1f s%n",
                    series,
                    (System.nanoTime() - t) / 1e9);

            // 2. throughput: the measured rounds flat out.
            int measured = series * rounds;
            long first = System.currentTimeMillis();
            sendRounds(producer, cfg, pointCodec, 1, 1 + rounds, 0, sentMs, failure);
            long produced = System.currentTimeMillis();
            reader.awaitCount(series + measured, Duration.ofMinutes(30), "the measured rounds' scores");
            long lastVisible = 0;
            long firstWritten = Long.MAX_VALUE;
            long lastWritten = 0;
            for (int o = series; o < series + measured; o++) {
                lastVisible = Math.max(lastVisible, visibleMs[o]);
                firstWritten = Math.min(firstWritten, writtenMs[o]);
                lastWritten = Math.max(lastWritten, writtenMs[o]);
            }
            double endToEnd = measured / Math.max(1e-3, (lastVisible - first) / 1000.0);
            double running = measured / Math.max(1e-3, (lastWritten - firstWritten) / 1000.0);
            err.printf(
                    Locale.ROOT,
                    "throughput: %,d points produced in %.1f s, all scores committed after %.1f s%n",
                    measured,
                    (produced - first) / 1000.0,
                    (lastVisible - first) / 1000.0);

            // 3. latency: one round paced at half the running rate.
            double rate = Math.max(100, running / 2);
            int from = series * (1 + rounds);
            sendRounds(producer, cfg, pointCodec, 1 + rounds, 2 + rounds, rate, sentMs, failure);
            reader.awaitCount(total, Duration.ofMinutes(10), "the latency round's scores");
            double[] written = new double[series];
            double[] visible = new double[series];
            for (int o = from; o < total; o++) {
                written[o - from] = writtenMs[o] - sentMs[o];
                visible[o - from] = visibleMs[o] - sentMs[o];
            }
            Arrays.sort(written);
            Arrays.sort(visible);

            // 4. the same points offline: every score checked; state bytes per series.
            reader.close();
            Offline offline = offline(cfg, forecast, score);
            double loadEnd = os.getSystemLoadAverage();
            out.printf(
                    Locale.ROOT,
                    "every series scored: %,d series x %d points = %,d scores committed, each once; %,d equal"
                            + " SeriesMonitor offline bit for bit, %,d differ%n",
                    series,
                    totalRounds,
                    total,
                    total - offline.mismatches,
                    offline.mismatches);
            out.printf(
                    Locale.ROOT,
                    "throughput (%,d points, %,d series): end to end %,.0f points/s (first point sent -> last score"
                            + " committed-visible), running %,.0f points/s (first -> last score record timestamp)%n",
                    measured,
                    series,
                    endToEnd,
                    running);
            out.printf(
                    Locale.ROOT,
                    "point-to-score latency at %,.0f points/s (%,d points): score record timestamp - send time p50 %.0f"
                            + " ms p99 %.0f ms; committed-visible - send time p50 %.0f ms p99 %.0f ms%n",
                    rate,
                    series,
                    StreamBenchCommand.percentile(written, 50),
                    StreamBenchCommand.percentile(written, 99),
                    StreamBenchCommand.percentile(visible, 50),
                    StreamBenchCommand.percentile(visible, 99));
            out.printf(
                    Locale.ROOT,
                    "SeriesMonitor offline on the same points (one thread, each series' state kept decoded, one"
                            + " encode per series): %,.0f points/s%n",
                    offline.pointsPerSecond);
            out.printf(
                    Locale.ROOT,
                    "state bytes per series (SeriesMonitor.encode after %d points): mean %.1f, max %d%n",
                    totalRounds,
                    offline.meanBytes,
                    offline.maxBytes);
            out.printf(
                    Locale.ROOT,
                    "load average: %.2f at start, %.2f at end (%d cores)%n",
                    loadStart,
                    loadEnd,
                    Runtime.getRuntime().availableProcessors());
            return offline.mismatches == 0 ? 0 : 1;
        } finally {
            if (watcher.isAlive()) {
                job.cancel(Duration.ofMinutes(1));
            } // else the job has ended already, and its cause was thrown above
        }
    }

    /** The cause chain's messages, outermost first. */
    static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null && b.length() < 2000; c = c.getCause()) {
            b.append(b.length() == 0 ? "" : " <- ").append(c);
        }
        return b.toString();
    }

    /** Sends rounds {@code [fromRound, toRound)}, at {@code rate} points/s (0: flat out); waits for every send. */
    private void sendRounds(
            KafkaProducer<byte[], byte[]> producer,
            JobConfig cfg,
            SingleObjectCodec<SeriesPoint> codec,
            int fromRound,
            int toRound,
            double rate,
            long[] sentMs,
            AtomicReference<Throwable> failure) {
        String topic = cfg.ops().series();
        long start = System.nanoTime();
        long k = 0;
        for (int r = fromRound; r < toRound; r++) {
            for (int i = 0; i < series; i++, k++) {
                if (rate > 0) {
                    long wait = start + (long) (k * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                String key = seriesKey(i);
                byte[] value = codec.encode(SeriesPoint.newBuilder()
                        .setModel(MODEL)
                        .setSeries(key)
                        .setTime(time(r))
                        .setValue(value(i, r))
                        .build());
                long now = System.currentTimeMillis();
                int expected = r * series + i;
                producer.send(
                        new ProducerRecord<>(
                                topic, 0, now, (MODEL + "/" + key).getBytes(StandardCharsets.UTF_8), value),
                        (md, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else if (md.offset() != expected) {
                                failure.compareAndSet(
                                        null,
                                        new IllegalStateException("point " + expected + " was written at offset "
                                                + md.offset() + " of " + topic + " (the bench needs a fresh topic)"));
                            } else {
                                sentMs[expected] = now;
                            }
                        });
            }
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("producing the points failed: " + failure.get(), failure.get());
        }
    }

    /**
     * Reads committed scores on its own thread from the start (so that "visible" is when they become visible, also
     * while points are being produced), recording each by its point's offset.
     */
    private final class Reader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final SingleObjectCodec<SeriesScore> codec;
        private final long[] writtenMs;
        private final long[] visibleMs;
        private final double[] forecast;
        private final double[] score;
        private final AtomicReference<Throwable> failure;
        private final Thread thread;
        private volatile int count;
        private volatile boolean stop;

        Reader(
                KafkaConsumer<byte[], byte[]> consumer,
                SingleObjectCodec<SeriesScore> codec,
                long[] writtenMs,
                long[] visibleMs,
                double[] forecast,
                double[] score,
                AtomicReference<Throwable> failure) {
            this.consumer = consumer;
            this.codec = codec;
            this.writtenMs = writtenMs;
            this.visibleMs = visibleMs;
            this.forecast = forecast;
            this.score = score;
            this.failure = failure;
            this.thread = new Thread(this::loop, "bench-series-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            try {
                while (!stop && count < writtenMs.length) {
                    for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(20))) {
                        long now = System.currentTimeMillis();
                        SeriesScore s = codec.decode(rec.value());
                        long o = s.getSourceOffset();
                        String at = rec.topic() + "-" + rec.partition() + "@" + rec.offset();
                        if (o < 0 || o >= writtenMs.length) {
                            throw new IllegalStateException("a score with source_offset " + o + " (expected 0.."
                                    + (writtenMs.length - 1) + ") at " + at);
                        }
                        int i = (int) o;
                        if (visibleMs[i] != 0) {
                            throw new IllegalStateException(
                                    "point " + o + " was scored twice (" + at + "): exactly once broken");
                        }
                        if (!s.getSeries().toString().equals(seriesKey(i % series))) {
                            throw new IllegalStateException("the score of point " + o + " at " + at + " names series "
                                    + s.getSeries() + ", expected " + seriesKey(i % series));
                        }
                        writtenMs[i] = rec.timestamp();
                        visibleMs[i] = now;
                        forecast[i] = s.getForecast();
                        score[i] = s.getAnomalyScore();
                        count = count + 1; // one writer; the volatile write publishes the arrays' entries
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        /** Waits until {@code n} scores have been read (or something failed, or the timeout passed). */
        void awaitCount(int n, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count < n) {
                if (failure.get() != null) {
                    throw new IllegalStateException(what + ": " + failure.get(), failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("waited " + timeout.toSeconds() + " s for " + what + ": " + count
                            + " of " + n + " committed (is the job failing? see its log)");
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

    record Offline(long mismatches, double meanBytes, int maxBytes, double pointsPerSecond) {}

    /** Every point through SeriesMonitor in the job's order; compares with the job's scores; state sizes. */
    private Offline offline(JobConfig cfg, double[] forecast, double[] score) {
        SeriesMonitor monitor = new SeriesMonitor(cfg.ops().models().config(MODEL));
        // Series by series (they share nothing), so that one series' state is held at a time.
        long mismatches = 0;
        long sum = 0;
        int max = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < series; i++) {
            SeriesMonitor.State state = monitor.newState();
            AlertKey key =
                    new AlertKey(MODEL, seriesKey(i), monitor.config().rule().name());
            for (int r = 0; r < rounds + 2; r++) {
                SeriesMonitor.Result res = monitor.step(state, key, time(r), value(i, r));
                int o = r * series + i;
                if (Double.doubleToLongBits(res.forecast()) != Double.doubleToLongBits(forecast[o])
                        || Double.doubleToLongBits(res.score()) != Double.doubleToLongBits(score[o])) {
                    if (mismatches == 0) {
                        err.printf(
                                Locale.ROOT,
                                "point %d (series %s, round %d): job forecast %s score %s, offline %s %s%n",
                                o,
                                seriesKey(i),
                                r,
                                forecast[o],
                                score[o],
                                res.forecast(),
                                res.score());
                    }
                    mismatches++;
                }
            }
            int n = SeriesMonitor.encode(state).length;
            sum += n;
            max = Math.max(max, n);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Offline(mismatches, (double) sum / series, max, (double) series * (rounds + 2) / seconds);
    }

    private JobConfig config() {
        String yaml = """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: bs-examples, models: bs-models, metrics: bs-metrics, dead_letters: bs-dead,
                         series: bs-series, scores: bs-scores, alerts: bs-alerts}
                group_id: bench-series
                start: earliest
                restart: {attempts: 0}
                checkpoint_dir: "%s"
                models:
                  %s: {model: {type: forecast}}
                """.formatted(
                        kafka.bootstrapServers(), dir.resolve("checkpoints").toUri(), MODEL);
        return JobConfigParser.parse(yaml, "bench-series");
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

package io.streamgrad.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.DataReaders;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.data.ReadOptions;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.metrics.PrequentialMetrics;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.OfflineTrainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.JsonExamples;
import io.streamgrad.schemas.SingleObjectCodec;
import io.streamgrad.schemas.V1Fixtures;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job on a real in-process Kafka broker and a real Flink MiniCluster: examples in, snapshots, metrics and
 * dead letters out, read back as a downstream read_committed consumer sees them.
 */
class StreamingJobIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    static Path dir;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    static JobConfig config(String prefix, String extra, String models) {
        String yaml = """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: %s-examples, models: %s-models, metrics: %s-metrics, dead_letters: %s-dead}
                group_id: %s
                start: earliest
                checkpoint_interval_ms: 500
                batch_timeout_ms: 0
                %s
                models:
                %s
                """.formatted(
                        kafka.bootstrapServers(), prefix, prefix, prefix, prefix, prefix, extra, models.indent(2));
        return JobConfigParser.parse(yaml, prefix + ".yaml");
    }

    static JobClient start(JobConfig cfg) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg);
        return env.executeAsync(cfg.groupId());
    }

    static Properties client() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    static <T> List<T> decodeAll(String topic, java.util.function.Function<byte[], T> decode) {
        return kafka.readCommitted(topic).stream()
                .map(ConsumerRecord::value)
                .map(decode)
                .toList();
    }

    static List<ModelSnapshot> snapshots(JobConfig cfg) {
        var codec = SingleObjectCodec.modelSnapshot();
        return decodeAll(cfg.topics().models(), b -> uncheck(() -> codec.decode(b)));
    }

    static List<TrainingMetrics> metrics(JobConfig cfg) {
        var codec = SingleObjectCodec.trainingMetrics();
        return decodeAll(cfg.topics().metrics(), b -> uncheck(() -> codec.decode(b)));
    }

    static List<DeadLetter> deadLetters(JobConfig cfg) {
        var codec = SingleObjectCodec.deadLetter();
        return decodeAll(cfg.topics().deadLetters(), b -> uncheck(() -> codec.decode(b)));
    }

    static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    interface Check<T> {
        T get() throws Exception;
    }

    static <T> T uncheck(Check<T> c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Per model: the versions in topic order. */
    static Map<String, List<Long>> versions(List<ModelSnapshot> snapshots) {
        return snapshots.stream()
                .collect(Collectors.groupingBy(
                        ModelSnapshot::getModelId,
                        LinkedHashMap::new,
                        Collectors.mapping(ModelSnapshot::getVersion, Collectors.toList())));
    }

    static void assertEachVersionOnceAndIncreasing(List<ModelSnapshot> snapshots) {
        versions(snapshots).forEach((model, v) -> {
            for (int i = 1; i < v.size(); i++) {
                assertThat(v.get(i))
                        .as("snapshot versions of %s in topic order: %s", model, v)
                        .isGreaterThan(v.get(i - 1));
            }
            assertThat(v.get(0)).as("first version of %s", model).isEqualTo(1L);
        });
    }

    @Test
    void modelsTrainSideBySide_badRecordsGoToDeadLetters_v1AndJsonExamplesTrain() throws Exception {
        JobConfig cfg = config("side", """
                bounded: true
                restart: {attempts: 0}
                snapshot: {every_steps: 20, every_seconds: 0}
                metrics_every_batches: 10
                """, """
                blobs: {model: {type: logistic, features: 4}, loss: binary_cross_entropy,
                        optimizer: {type: adam, learning_rate: 0.05}, batch_size: 16}
                reg: {model: {type: linear, features: 3}, loss: mse, optimizer: {type: sgd, learning_rate: 0.05},
                      batch_size: 8}
                """);
        kafka.createJobTopics(cfg.topics(), 2);
        List<Example> blobs = SyntheticData.separable("blobs", 1610, 11);
        List<Example> reg = SyntheticData.regression("reg", 800, 12);
        JsonExamples json = new JsonExamples();
        String ex = cfg.topics().examples();
        int v1 = 0;
        try (ExampleProducer p = new ExampleProducer(client())) {
            for (int i = 0; i < blobs.size(); i++) {
                Example e = blobs.get(i);
                // Every 16th example is written by a v1 producer (no named/weight fields).
                byte[] value = i % 16 == 0
                        ? V1Fixtures.exampleV1Bytes("blobs", e.getDense(), e.getLabel())
                        : p.encode(e, false);
                v1 += i % 16 == 0 ? 1 : 0;
                p.send(ex, 0, "blobs", value);
                if (i == 400) {
                    p.send(ex, 0, "blobs", "garbage".getBytes(StandardCharsets.UTF_8));
                    p.send(
                            ex,
                            0,
                            "blobs",
                            p.encode(SyntheticData.dense("blobs", List.of(1f, Float.NaN, 0f, 0f), 1f), false));
                    p.send(ex, 0, "blobs", p.encode(SyntheticData.dense("blobs", List.of(1f, 1f, 0f, 0f), 2f), false));
                }
            }
            for (int i = 0; i < reg.size(); i++) {
                p.send(ex, 1, "reg", json.toJson(reg.get(i)));
                if (i == 100) {
                    p.send(ex, 1, "reg", p.encode(SyntheticData.dense("reg", List.of(1f, 1f), 2f), false));
                    p.send(ex, 1, "ghost", p.encode(SyntheticData.dense("ghost", List.of(1f), 0f), false));
                }
            }
            p.flush();
        }

        long t0 = System.nanoTime();
        start(cfg).getJobExecutionResult().get(180, java.util.concurrent.TimeUnit.SECONDS);
        System.err.printf(
                "bounded job over %d records: %.1f s%n", blobs.size() + reg.size() + 5, (System.nanoTime() - t0) / 1e9);

        List<DeadLetter> dead = deadLetters(cfg);
        assertThat(dead)
                .extracting(DeadLetter::getReason)
                .satisfiesExactlyInAnyOrder(
                        r -> assertThat(r).startsWith(ex + "-0@401: ").contains("neither Avro"),
                        r -> assertThat(r).startsWith(ex + "-0@402: ").contains("dense[1] is NaN"),
                        r -> assertThat(r).startsWith(ex + "-0@403: ").contains("label 2.0 is not 0 or 1"),
                        r -> assertThat(r).startsWith(ex + "-1@101: ").contains("dense has 2 values"),
                        r -> assertThat(r).startsWith(ex + "-1@102: ").contains("unknown model 'ghost'"));
        assertThat(dead).allSatisfy(d -> assertThat(d.getValue()).isNotNull());

        List<ModelSnapshot> snaps = snapshots(cfg);
        assertEachVersionOnceAndIncreasing(snaps);
        Map<String, ModelSnapshot> latest = new LinkedHashMap<>();
        snaps.forEach(s -> latest.merge(s.getModelId(), s, (a, b) -> b.getVersion() > a.getVersion() ? b : a));
        assertThat(latest.keySet()).containsExactlyInAnyOrder("blobs", "reg");
        // Every good example trained exactly once (v1 ones included); partial last batches flushed at the end.
        assertThat(latest.get("blobs").getExamplesSeen()).isEqualTo(1610);
        assertThat(latest.get("blobs").getStep()).isEqualTo(101); // 100 full batches + the partial one at the end
        assertThat(latest.get("reg").getExamplesSeen()).isEqualTo(800);
        assertThat(state(latest.get("blobs")).examplesSeen()).isEqualTo(1610);
        assertThat(latest.get("blobs").getSourceOffsets()).containsEntry(ex + "-0", 1613L);
        assertThat(versions(snaps).get("blobs")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(v1).isEqualTo(101);

        List<TrainingMetrics> m = metrics(cfg);
        List<TrainingMetrics> b = m.stream()
                .filter(x -> x.getModelId().equals("blobs"))
                .sorted(Comparator.comparingLong(TrainingMetrics::getStep))
                .toList();
        assertThat(b).hasSize(11); // 10 full windows + the last partial one, published at the end of input
        assertThat(b.get(b.size() - 1).getLoss()).isLessThan(b.get(0).getLoss());
        assertThat(b.get(b.size() - 1).getAccuracy()).isGreaterThan(0.93);
        List<TrainingMetrics> r = m.stream()
                .filter(x -> x.getModelId().equals("reg"))
                .sorted(Comparator.comparingLong(TrainingMetrics::getStep))
                .toList();
        assertThat(r.get(r.size() - 1).getRmse()).isLessThan(0.1);
        assertThat(r.get(r.size() - 1).getRmse()).isLessThan(r.get(0).getRmse());
    }

    @Test
    void latestSnapshot_equalsOfflineTraining_bitForBit_evenAcrossATaskManagerFailure(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        String modelYaml = """
                model: {type: logistic, features: 4}
                loss: binary_cross_entropy
                optimizer: {type: adam, learning_rate: 0.02}
                schedule: {type: inverse_time, decay_steps: 10, decay_rate: 0.1}
                regularization: {l2: 0.001}
                batch_size: 16
                shuffle: false
                seed: 3
                """;
        Path modelFile = Files.writeString(dir.resolve("file-model.yaml"), modelYaml);
        Path data = SyntheticData.writeLibSvm(SyntheticData.separable("file", 1280, 21), dir.resolve("file.libsvm"));
        JobConfig cfg = config("eo", """
                bounded: false
                snapshot: {every_steps: 10, every_seconds: 0}
                metrics_every_batches: 5
                restart: {attempts: 5, delay_ms: 200}
                """, "file:\n" + modelYaml.indent(2));
        kafka.createJobTopics(cfg.topics(), 1);
        TrainerConfig config = ConfigParser.parse(modelFile);
        Dataset dataset = DataReaders.read(data, config, ReadOptions.defaults());

        JobClient job = start(cfg);
        try (ExampleProducer p = new ExampleProducer(client())) {
            for (int i = 0; i < 640; i++) {
                p.send(
                        cfg.topics().examples(),
                        0,
                        "file",
                        p.encode(ExampleProducer.toExample("file", dataset, i, i), false));
            }
            p.flush();
            KafkaTestSupport.await(
                    "a committed snapshot at step >= 20",
                    Duration.ofSeconds(120),
                    () -> snapshots(cfg).stream().anyMatch(s -> s.getStep() >= 20) ? true : null);

            // Lose the TaskManager running the job; the job restarts from its last checkpoint on a new one.
            cluster.terminateTaskManager(0).get();
            cluster.startTaskManager();

            for (int i = 640; i < 1280; i++) {
                p.send(
                        cfg.topics().examples(),
                        0,
                        "file",
                        p.encode(ExampleProducer.toExample("file", dataset, i, i), false));
            }
            p.flush();
        }
        ModelSnapshot last = KafkaTestSupport.await(
                "a committed snapshot of all 1280 examples",
                Duration.ofSeconds(180),
                () -> snapshots(cfg).stream()
                        .filter(s -> s.getExamplesSeen() == 1280)
                        .findFirst()
                        .orElse(null));
        job.cancel().get();

        // The offline trainer (the code path of `streamgrad train`), one pass in file order.
        OfflineTrainer offlineTrainer = new OfflineTrainer(config);
        ModelState offline = offlineTrainer.initState();
        offlineTrainer.pass(offline, dataset, PrequentialMetrics.forConfig(config));

        assertThat(state(last)).isEqualTo(offline); // params and optimizer state bit for bit, and the counters
        assertThat(state(last).step()).isEqualTo(80);
        List<ModelSnapshot> snaps = snapshots(cfg);
        assertEachVersionOnceAndIncreasing(snaps);
        assertThat(snaps).extracting(ModelSnapshot::getStep).containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L);
        assertThat(metrics(cfg))
                .extracting(TrainingMetrics::getStep)
                .containsExactly(5L, 10L, 15L, 20L, 25L, 30L, 35L, 40L, 45L, 50L, 55L, 60L, 65L, 70L, 75L, 80L);
    }

    /**
     * The same rows, written in each input encoding a user may choose, train bit for bit as {@code streamgrad train}
     * on the file they came from: dense JSON and dense Avro from a dense CSV, sparse JSON ({@code indices/values},
     * the mapping of a LibSVM line whose rows store more than half of their values) from that LibSVM file, named
     * JSON from a CSV whose columns are hashed.
     */
    @Test
    void streamingEqualsOffline_bitForBit_forDenseSparseNamedJsonAndAvro() throws Exception {
        String common = "loss: binary_cross_entropy, optimizer: {type: adam, learning_rate: 0.05}, batch_size: 16,"
                + " shuffle: false, seed: 5";
        Map<String, String> yaml = new LinkedHashMap<>();
        yaml.put("densejson", "{model: {type: logistic, features: 6}, " + common + "}");
        yaml.put("avro", "{model: {type: logistic, features: 6}, " + common + "}");
        yaml.put("sparsejson", "{model: {type: logistic, features: 6}, " + common + "}");
        yaml.put("named", "{model: {type: logistic, features: 16}, " + common + "}");
        JobConfig cfg = config(
                "enc",
                "bounded: true\nrestart: {attempts: 0}\nsnapshot: {every_steps: 0, every_seconds: 0}",
                yaml.entrySet().stream()
                        .map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining("\n")));
        kafka.createJobTopics(cfg.topics(), 1);

        // 300 rows of 6 values in multiples of 1/8 (exact in text and float), about 2/3 of them non-zero.
        java.util.Random rnd = new java.util.Random(17);
        int n = 300;
        float[][] x = new float[n][6];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            float score = 0;
            for (int j = 0; j < 6; j++) {
                x[i][j] = rnd.nextInt(3) == 0 ? 0f : (rnd.nextInt(33) - 16) / 8f;
                score += (j % 2 == 0 ? 1 : -1) * x[i][j];
            }
            y[i] = score > 0 ? 1 : 0;
        }
        StringBuilder csv = new StringBuilder("label,f0,f1,f2,f3,f4,f5\n");
        StringBuilder libsvm = new StringBuilder();
        StringBuilder hashed = new StringBuilder("label,a,b,c,d,e,f\n");
        List<String> denseJson = new java.util.ArrayList<>();
        List<String> sparseJson = new java.util.ArrayList<>();
        List<String> namedJson = new java.util.ArrayList<>();
        String names = "abcdef";
        for (int i = 0; i < n; i++) {
            csv.append(y[i]);
            libsvm.append(y[i]);
            hashed.append(y[i]);
            List<String> dense = new java.util.ArrayList<>();
            List<String> idx = new java.util.ArrayList<>();
            List<String> val = new java.util.ArrayList<>();
            List<String> named = new java.util.ArrayList<>();
            for (int j = 0; j < 6; j++) {
                String v = Float.toString(x[i][j]);
                csv.append(',').append(v);
                dense.add(v);
                hashed.append(',').append(x[i][j] == 0f ? "" : v);
                if (x[i][j] != 0f) {
                    libsvm.append(' ').append(j + 1).append(':').append(v);
                    idx.add(Integer.toString(j));
                    val.add(v);
                    named.add("\"" + names.charAt(j) + "\": " + v);
                }
            }
            csv.append('\n');
            libsvm.append('\n');
            hashed.append('\n');
            denseJson.add("{\"model_id\": \"densejson\", \"label\": " + y[i] + ", \"dense\": ["
                    + String.join(", ", dense) + "]}");
            sparseJson.add("{\"model_id\": \"sparsejson\", \"label\": " + y[i] + ", \"indices\": ["
                    + String.join(", ", idx) + "], \"values\": [" + String.join(", ", val) + "]}");
            namedJson.add("{\"model_id\": \"named\", \"label\": " + y[i] + ", \"named\": {" + String.join(", ", named)
                    + "}}");
        }
        Path csvFile = Files.writeString(dir.resolve("enc-dense.csv"), csv);
        Path libsvmFile = Files.writeString(dir.resolve("enc-sparse.libsvm"), libsvm);
        Path hashedFile = Files.writeString(dir.resolve("enc-named.csv"), hashed);
        Map<String, Path> files =
                Map.of("densejson", csvFile, "avro", csvFile, "sparsejson", libsvmFile, "named", hashedFile);

        Map<String, TrainerConfig> configs = new LinkedHashMap<>();
        Map<String, Dataset> datasets = new LinkedHashMap<>();
        for (var e : yaml.entrySet()) {
            Path f = Files.writeString(
                    dir.resolve("enc-" + e.getKey() + ".yaml"),
                    e.getValue()
                            .substring(1, e.getValue().length() - 1)
                            .replace(", loss", "\nloss")
                            .replace(", optimizer", "\noptimizer")
                            .replace(", batch_size", "\nbatch_size")
                            .replace(", shuffle", "\nshuffle")
                            .replace(", seed", "\nseed"));
            configs.put(e.getKey(), ConfigParser.parse(f));
            datasets.put(
                    e.getKey(),
                    DataReaders.read(files.get(e.getKey()), configs.get(e.getKey()), ReadOptions.defaults()));
        }
        // The case that used to differ: the LibSVM rows store more than half of their values.
        assertThat(datasets.get("sparsejson").nnz() * 2).isGreaterThan(6L * n);
        assertThat(datasets.get("sparsejson").isDense()).isFalse();
        assertThat(datasets.get("densejson").isDense()).isTrue();

        String ex = cfg.topics().examples();
        try (ExampleProducer p = new ExampleProducer(client())) {
            for (int i = 0; i < n; i++) {
                p.send(ex, 0, "densejson", denseJson.get(i).getBytes(StandardCharsets.UTF_8));
                p.send(ex, 0, "avro", p.encode(ExampleProducer.toExample("avro", datasets.get("avro"), i, i), false));
                p.send(ex, 0, "sparsejson", sparseJson.get(i).getBytes(StandardCharsets.UTF_8));
                p.send(ex, 0, "named", namedJson.get(i).getBytes(StandardCharsets.UTF_8));
            }
            p.flush();
        }
        start(cfg).getJobExecutionResult().get(180, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(deadLetters(cfg)).isEmpty();
        Map<String, ModelSnapshot> latest = new LinkedHashMap<>();
        snapshots(cfg).forEach(s -> latest.merge(s.getModelId(), s, (a, b) -> b.getVersion() > a.getVersion() ? b : a));
        assertThat(latest.keySet()).containsExactlyInAnyOrderElementsOf(yaml.keySet());
        for (String model : yaml.keySet()) {
            OfflineTrainer trainer = new OfflineTrainer(configs.get(model));
            ModelState offline = trainer.initState();
            trainer.pass(offline, datasets.get(model), PrequentialMetrics.forConfig(configs.get(model)));
            assertThat(state(latest.get(model))).as(model).isEqualTo(offline);
            assertThat(offline.examplesSeen()).as(model).isEqualTo(n);
        }
    }

    /**
     * {@code output_format: both}, default snapshot policy, a small unbounded input: a first version comes within
     * seconds (not after every_seconds = 60), and every metrics window, dead letter and snapshot is also on the
     * JSON topics, read with a plain JSON parser, field by field equal to the Avro record of the same run.
     */
    @Test
    void jsonOutputs_matchTheAvroRecordsFieldByField_andAFirstVersionComesWithinSeconds() throws Exception {
        JobConfig cfg = config("json", """
                bounded: false
                output_format: both
                metrics_every_batches: 2
                """, """
                blobs: {model: {type: logistic, features: 4}, loss: binary_cross_entropy,
                        optimizer: {type: adam, learning_rate: 0.05}, batch_size: 16}
                """);
        assertThat(cfg.snapshotEverySeconds()).isEqualTo(60); // the defaults: nothing would show for a minute
        assertThat(cfg.snapshotEverySteps()).isEqualTo(100);
        JobConfig.Topics t = cfg.topics();
        kafka.createJobTopics(t, 1); // the JSON siblings too
        assertThat(t.jsonSiblings()).containsExactly("json-metrics.json", "json-dead.json", "json-models.json");

        List<Example> blobs = SyntheticData.separable("blobs", 64, 3);
        JobClient job = start(cfg);
        com.fasterxml.jackson.databind.ObjectMapper plain = new com.fasterxml.jackson.databind.ObjectMapper();
        try (ExampleProducer p = new ExampleProducer(client())) {
            long t0 = System.nanoTime();
            for (Example e : blobs) {
                p.send(t.examples(), 0, "blobs", p.encode(e, false));
            }
            p.send(
                    t.examples(),
                    0,
                    "blobs",
                    "{\"model_id\": \"blobs\", \"label\": 2, \"dense\": [1, 2, 3, 4]}"
                            .getBytes(StandardCharsets.UTF_8));
            p.flush();
            ModelSnapshot first = KafkaTestSupport.await(
                    "version 1 of blobs",
                    Duration.ofSeconds(30),
                    () -> snapshots(cfg).stream().findFirst().orElse(null));
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.err.printf("first version after %.1f s%n", seconds);
            assertThat(first.getVersion()).isEqualTo(1);
            assertThat(seconds).isLessThan(30); // every_seconds is 60: published by snapshot.first_after_ms
            KafkaTestSupport.await(
                    "the JSON topics to catch up",
                    Duration.ofSeconds(60),
                    () -> System.err.printf(
                                                    "metrics %d/%d, dead %d/%d, models %d/%d%n",
                                                    metrics(cfg).size(),
                                                    kafka.readCommitted(t.metricsJson())
                                                            .size(),
                                                    deadLetters(cfg).size(),
                                                    kafka.readCommitted(t.deadLettersJson())
                                                            .size(),
                                                    snapshots(cfg).size(),
                                                    kafka.readCommitted(t.modelsJson())
                                                            .size())
                                            != null
                                    && kafka.readCommitted(t.metricsJson()).size() == 2
                                    && kafka.readCommitted(t.deadLettersJson()).size() == 1
                                    && kafka.readCommitted(t.modelsJson()).size()
                                            == snapshots(cfg).size()
                                    && metrics(cfg).size() == 2
                            ? true
                            : null);
        } finally {
            job.cancel().get();
        }

        List<TrainingMetrics> avroMetrics = metrics(cfg);
        List<ConsumerRecord<byte[], byte[]>> jsonMetrics = kafka.readCommitted(t.metricsJson());
        for (int i = 0; i < avroMetrics.size(); i++) {
            TrainingMetrics a = avroMetrics.get(i);
            com.fasterxml.jackson.databind.JsonNode j =
                    plain.readTree(jsonMetrics.get(i).value());
            List<String> names = new java.util.ArrayList<>();
            j.fieldNames().forEachRemaining(names::add);
            assertThat(names)
                    .containsExactlyElementsOf(TrainingMetrics.getClassSchema().getFields().stream()
                            .map(org.apache.avro.Schema.Field::name)
                            .toList());
            assertThat(new String(jsonMetrics.get(i).key(), StandardCharsets.UTF_8))
                    .isEqualTo("blobs");
            assertThat(j.get("model_id").textValue()).isEqualTo(a.getModelId());
            assertThat(j.get("step").longValue()).isEqualTo(a.getStep());
            assertThat(j.get("examples_seen").longValue()).isEqualTo(a.getExamplesSeen());
            assertThat(j.get("window_batches").intValue()).isEqualTo(a.getWindowBatches());
            assertThat(j.get("loss").doubleValue()).isEqualTo(a.getLoss());
            assertThat(j.get("accuracy").doubleValue()).isEqualTo(a.getAccuracy());
            assertThat(j.get("rmse").isNull()).isTrue(); // not a regression model: null, as in Avro
            assertThat(a.getRmse()).isNull();
            assertThat(j.get("learning_rate").doubleValue()).isEqualTo(a.getLearningRate());
            assertThat(j.get("gradient_norm").doubleValue()).isEqualTo(a.getGradientNorm());
            assertThat(j.get("created_at").textValue())
                    .isEqualTo(a.getCreatedAt().toString());
        }

        DeadLetter dead = deadLetters(cfg).get(0);
        com.fasterxml.jackson.databind.JsonNode dj =
                plain.readTree(kafka.readCommitted(t.deadLettersJson()).get(0).value());
        assertThat(dj.get("topic").textValue()).isEqualTo(dead.getTopic()).isEqualTo(t.examples());
        assertThat(dj.get("partition").intValue()).isEqualTo(dead.getPartition());
        assertThat(dj.get("offset").longValue()).isEqualTo(dead.getOffset()).isEqualTo(64L);
        assertThat(dj.get("reason").textValue()).isEqualTo(dead.getReason());
        assertThat(dj.get("model_id").textValue()).isEqualTo(dead.getModelId()).isEqualTo("blobs");
        assertThat(java.util.Base64.getDecoder().decode(dj.get("value").textValue()))
                .isEqualTo("{\"model_id\": \"blobs\", \"label\": 2, \"dense\": [1, 2, 3, 4]}"
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(dj.get("failed_at").textValue()).isEqualTo(dead.getFailedAt().toString());

        List<ModelSnapshot> snaps = snapshots(cfg);
        List<ConsumerRecord<byte[], byte[]>> meta = kafka.readCommitted(t.modelsJson());
        for (int i = 0; i < snaps.size(); i++) {
            ModelSnapshot s = snaps.get(i);
            com.fasterxml.jackson.databind.JsonNode j =
                    plain.readTree(meta.get(i).value());
            byte[] state = new byte[s.getState().remaining()];
            s.getState().duplicate().get(state);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(state, 0, state.length - 4);
            assertThat(j.has("state")).isFalse();
            assertThat(j.get("model_id").textValue()).isEqualTo(s.getModelId());
            assertThat(j.get("version").longValue()).isEqualTo(s.getVersion());
            assertThat(j.get("step").longValue()).isEqualTo(s.getStep());
            assertThat(j.get("examples_seen").longValue()).isEqualTo(s.getExamplesSeen());
            assertThat(j.get("config_yaml").textValue()).isEqualTo(s.getConfigYaml());
            assertThat(j.get("build_version").textValue()).isEqualTo(s.getBuildVersion());
            assertThat(j.get("schema_version").intValue()).isEqualTo(s.getSchemaVersion());
            assertThat(j.get("source_offsets").get(t.examples() + "-0").longValue())
                    .isEqualTo(s.getSourceOffsets().get(t.examples() + "-0"));
            s.getMetrics()
                    .forEach((k, v) -> assertThat(j.get("metrics").get(k).doubleValue())
                            .as(k)
                            .isEqualTo(v));
            assertThat(j.get("metrics").size()).isEqualTo(s.getMetrics().size());
            assertThat(j.get("state_bytes").intValue()).isEqualTo(state.length);
            assertThat(j.get("state_crc32").longValue()).isEqualTo(crc.getValue());
            assertThat(j.get("state_format_version").intValue()).isEqualTo(ModelStateCodec.CURRENT_VERSION);
            assertThat(j.get("parameters").intValue())
                    .isEqualTo(state(s).params().length)
                    .isEqualTo(5);
        }
    }
}

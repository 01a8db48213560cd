package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming commands as a user runs them, against a real broker: produce a file, run the job on it (bounded),
 * list and save the model, read the metrics — and the saved model equals `streamgrad train` on the same file. The
 * job keeps its state in RocksDB here (the other ITs use the heap backend).
 */
class CommandsIT {
    @TempDir
    static Path dir;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    /**
     * {@code metrics --follow}: records already on the topic and records produced while it runs are printed as they
     * arrive (filtered by --model), until it is stopped.
     */
    @Test
    void metricsFollow_printsRecordsAsTheyArrive_forTheChosenModel_untilStopped() throws Exception {
        String bs = kafka.bootstrapServers();
        String topic = "follow.metrics";
        JobTopics.create(kafka.admin(), java.util.List.of(new NewTopic(topic, 1, (short) 1)));
        SingleObjectCodec<TrainingMetrics> codec = SingleObjectCodec.trainingMetrics();
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bs);
        p.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer =
                new org.apache.kafka.clients.producer.KafkaProducer<>(p)) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            topic, codec.encode(metricsRecord("ctr", 10))))
                    .get();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            topic, codec.encode(metricsRecord("other", 11))))
                    .get();

            java.util.concurrent.CompletableFuture<Integer> follower =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return MetricsCommand.run(
                                    List.of("--bootstrap-servers", bs, "--topic", topic, "--model", "ctr", "--follow"),
                                    out,
                                    System.err,
                                    stop::get);
                        } catch (Exception e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    });
            awaitOutput(buf, " 10 ", follower);
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            topic, codec.encode(metricsRecord("ctr", 20))))
                    .get();
            awaitOutput(buf, " 20 ", follower);
            stop.set(true);
            assertThat(follower.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
        }
        List<String> lines =
                buf.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).startsWith("time (UTC)");
        assertThat(lines.subList(1, lines.size())).hasSize(2).allMatch(l -> l.contains(" ctr "));
        assertThat(lines.get(1)).contains(" 10 ");
        assertThat(lines.get(2)).contains(" 20 ");
    }

    private static java.util.Properties bytesProducer(String bootstrapServers) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        return p;
    }

    private static void awaitOutput(
            java.io.ByteArrayOutputStream buf, String text, java.util.concurrent.CompletableFuture<Integer> follower)
            throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!buf.toString(java.nio.charset.StandardCharsets.UTF_8).contains(text)) {
            if (follower.isDone()) {
                throw new AssertionError("metrics --follow ended before printing '" + text + "': " + follower.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("metrics --follow printed no '" + text + "' in 60 s; output so far:\n"
                        + buf.toString(java.nio.charset.StandardCharsets.UTF_8));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }

    private static TrainingMetrics metricsRecord(String model, long step) {
        return TrainingMetrics.newBuilder()
                .setModelId(model)
                .setStep(step)
                .setExamplesSeen(32 * step)
                .setWindowBatches(1)
                .setWindowExamples(32)
                .setLoss(0.5)
                .setGradientNorm(1)
                .setLearningRate(0.1)
                .setExamplesPerSecond(10)
                .setSkippedBatches(0)
                .setCreatedAt(java.time.Instant.ofEpochMilli(1_700_000_000_000L + step))
                .build();
    }

    @Test
    void models_beforeAnyVersion_saysNoVersionYetAndWhatToWaitFor_forAMissingAndAnEmptyTopic() throws Exception {
        String bs = kafka.bootstrapServers();
        MainTest.Result missing = MainTest.run("models", "--bootstrap-servers", bs, "--topic", "nv.models");
        assertThat(missing.status()).as(missing.err()).isZero();
        assertThat(missing.err())
                .startsWith("no model has a version yet in nv.models (topic 'nv.models' does not exist on " + bs + ")")
                .contains("snapshot.first_after_ms")
                .contains("--create-topics");

        kafka.createTopics(new org.apache.kafka.clients.admin.NewTopic("nv2.models", 1, (short) 1));
        MainTest.Result empty = MainTest.run(
                "models",
                "--bootstrap-servers",
                bs,
                "--topic",
                "nv2.models",
                "--model",
                "ctr",
                "--save",
                dir.resolve("nv.sgm").toString());
        assertThat(empty.status()).isEqualTo(1);
        assertThat(empty.err())
                .startsWith("model 'ctr' has no version yet in nv2.models. A running job publishes")
                .contains("checkpoint_interval_ms")
                .doesNotContain("does not exist");
    }

    @Test
    void produceRunModelsMetrics_endToEnd_andTheSavedModelEqualsOfflineTraining() throws Exception {
        String model = """
                model: {type: logistic, features: 4}
                loss: binary_cross_entropy
                optimizer: {type: momentum, learning_rate: 0.05}
                batch_size: 32
                """;
        Path modelFile = Files.writeString(dir.resolve("ctr.yaml"), model);
        Path data = SyntheticData.writeLibSvm(SyntheticData.separable("ctr", 1000, 5), dir.resolve("ctr.libsvm"));
        Path job = Files.writeString(dir.resolve("job.yaml"), """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: c.examples, models: c.models, metrics: c.metrics, dead_letters: c.dead}
                group_id: cli
                start: earliest
                bounded: true
                state_backend: rocksdb
                checkpoint_interval_ms: 500
                restart: {attempts: 0}
                snapshot: {every_steps: 10, every_seconds: 0}
                metrics_every_batches: 8
                batch_timeout_ms: 0
                models:
                  ctr:
                %s""".formatted(kafka.bootstrapServers(), model.indent(4)));
        String bs = kafka.bootstrapServers();

        MainTest.Result ran = MainTest.run("run", "--config", job.toString(), "--create-topics");
        assertThat(ran.status()).as(ran.err()).isZero(); // an empty bounded input: nothing to train, ends at once
        assertThat(ran.out())
                .contains("summary (read back from the committed outputs):")
                .contains("model 'ctr': no version published by this run")
                .contains("dead letters: 0 records refused");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(
                bytesProducer(kafka.bootstrapServers()))) { // one record the job must refuse, before the file
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            "c.examples",
                            0,
                            null,
                            "{\"model_id\": \"ctr\", \"dense\": [1, 2, 3, 4], \"lable\": 1}"
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .get();
        }
        MainTest.Result produced = MainTest.run(
                "produce",
                "--bootstrap-servers",
                bs,
                "--topic",
                "c.examples",
                "--model",
                "ctr",
                "--data",
                data.toString(),
                "--config",
                job.toString(),
                "--format",
                "json");
        assertThat(produced.status()).as(produced.err()).isZero();
        assertThat(produced.out()).contains("sent 1000 examples");

        ran = MainTest.run("run", "--config", job.toString());
        assertThat(ran.status()).as(ran.err()).isZero();
        assertThat(ran.out())
                .contains("job finished")
                .contains("model 'ctr': 1,000 examples trained, 4 versions published (newest v4, step 32, 1,000"
                        + " examples in total)")
                .contains("dead letters: 1 record refused (on c.dead")
                .contains("c.examples-0@0: unknown field 'lable'")
                .contains("./streamgrad models --bootstrap-servers " + bs + " --topic c.models")
                .contains("./streamgrad metrics --bootstrap-servers " + bs + " --topic c.metrics");

        MainTest.Result listed = MainTest.run("models", "--bootstrap-servers", bs, "--topic", "c.models");
        assertThat(listed.status()).isZero();
        assertThat(listed.out()).contains("ctr").contains(" 32 ");
        Path saved = dir.resolve("ctr-latest.sgm");
        MainTest.Result save = MainTest.run(
                "models",
                "--bootstrap-servers",
                bs,
                "--topic",
                "c.models",
                "--model",
                "ctr",
                "--save",
                saved.toString());
        assertThat(save.status()).as(save.err()).isZero();
        Snapshot streamed = SnapshotFile.read(saved);
        assertThat(streamed.state().examplesSeen()).isEqualTo(1000);
        assertThat(streamed.state().step()).isEqualTo(32);
        assertThat(streamed.sourceOffsets()).containsEntry("c.examples-0", 1001L) /* after the refused record at 0 */;

        // The same version as ONNX: ONNX Runtime predicts what the learner predicts with the saved snapshot.
        Path onnx = dir.resolve("ctr-latest.onnx");
        MainTest.Result saveOnnx = MainTest.run(
                "models",
                "--bootstrap-servers",
                bs,
                "--topic",
                "c.models",
                "--model",
                "ctr",
                "--save",
                onnx.toString(),
                "--format",
                "onnx");
        assertThat(saveOnnx.status()).as(saveOnnx.err()).isZero();
        assertThat(saveOnnx.out()).contains("saved ctr version 4 (step 32) to " + onnx + " as ONNX");
        io.streamgrad.learner.data.Batch rows = io.streamgrad.learner.data.DataReaders.read(
                        data, streamed.config(), io.streamgrad.learner.data.ReadOptions.defaults())
                .batch(0, 1000);
        io.streamgrad.learner.io.onnx.OnnxRuntimeRun.Outputs ort = io.streamgrad.learner.io.onnx.OnnxRuntimeRun.run(
                Files.readAllBytes(onnx), rows.toDenseArray(), rows.size(), 4);
        float[] expected = new io.streamgrad.learner.train.Predictor(streamed.config())
                .predict(streamed.state().params(), rows, null);
        assertThat(io.streamgrad.learner.io.onnx.OnnxRuntimeRun.maxRelativeError(
                        ort.get(io.streamgrad.learner.io.onnx.OnnxExporter.OUTPUT), expected))
                .isLessThanOrEqualTo(1e-5);
        assertThat(ort.meta()).containsEntry("streamgrad.version", "4").containsEntry("streamgrad.step", "32");

        Path offline = dir.resolve("offline.sgm");
        MainTest.Result trained = MainTest.run(
                "train", "--config", modelFile.toString(), "--data", data.toString(), "--save", offline.toString());
        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(streamed.state()).isEqualTo(SnapshotFile.read(offline).state());
        assertThat(streamed.config()).isEqualTo(SnapshotFile.read(offline).config());

        MainTest.Result evaluated = MainTest.run("evaluate", "--model", saved.toString(), "--data", data.toString());
        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("accuracy");

        MainTest.Result metrics = MainTest.run("metrics", "--bootstrap-servers", bs, "--topic", "c.metrics");
        assertThat(metrics.status()).isZero();
        List<String> lines =
                metrics.out().lines().filter(l -> l.contains(" ctr ")).toList();
        assertThat(lines).hasSize(4); // 32 batches, a window every 8

        MainTest.Result missing = MainTest.run(
                "models",
                "--bootstrap-servers",
                bs,
                "--topic",
                "c.models",
                "--model",
                "nope",
                "--save",
                dir.resolve("x.sgm").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("model 'nope' has no version yet in c.models");
    }

    @Test
    void demo_runsToTheEnd_writesItsReport_andExits0() throws Exception {
        Path report = dir.resolve("reports/demo.html");
        Path dataDir = Path.of("..", "data");
        MainTest.Result r = MainTest.run(
                "demo",
                "--drift-examples",
                "4000",
                "--passes",
                "1",
                "--rate",
                "20000",
                "--report",
                report.toString(),
                "--data-dir",
                dataDir.toString(),
                "--work-dir",
                dir.resolve("demo-work").toString());

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("summary")
                .contains("dead letters: 5")
                .contains("drift")
                .contains("segment")
                .contains("serve (what `streamgrad serve")
                .contains("prediction server stopped");
        // The served answers: iris (3 classes) one and two examples, drift (binary) from named features.
        assertThat(r.out())
                .containsPattern(
                        "POST /v1/models/iris:predict \\{\"dense\": \\[5\\.1.*\\R"
                                + "    -> 200 \\{\"model_id\":\"iris\",\"version\":\\d+,\"predictions\":\\[\\[[^\\[\\]]+\\]\\]}")
                .containsPattern(
                        "POST /v1/models/iris:predict \\{\"examples\".*\\R"
                                + "    -> 200 \\{\"model_id\":\"iris\",\"version\":\\d+,\"predictions\":\\[\\[[^\\]]+\\],\\[[^\\]]+\\]\\]}")
                .containsPattern("POST /v1/models/drift:predict \\{\"named\".*\\R"
                        + "    -> 200 \\{\"model_id\":\"drift\",\"version\":\\d+,\"predictions\":\\[[0-9.Ee-]+\\]}");
        String html = Files.readString(report);
        assertThat(html)
                .startsWith("<!DOCTYPE html>")
                .contains("<svg")
                .contains("<polyline")
                .doesNotContain("<script");
        assertThat(dir.resolve("demo-work")).doesNotExist();
    }
}

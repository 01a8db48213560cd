package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.embedded.EmbeddedKafka;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming commands as a user runs them, against a real broker: produce a file, run the job on it (bounded),
 * list and save the model, read the metrics — and the saved model equals `streamgrad train` on the same file. The
 * job keeps its state in RocksDB here (the other ITs use the heap backend).
 */
class CommandsIT {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
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
        MainTest.Result produced = MainTest.run("produce", "--bootstrap-servers", bs, "--topic", "c.examples", "--model", "ctr",
                "--data", data.toString(), "--config", job.toString(), "--format", "json");
        assertThat(produced.status()).as(produced.err()).isZero();
        assertThat(produced.out()).contains("sent 1000 examples");

        ran = MainTest.run("run", "--config", job.toString());
        assertThat(ran.status()).as(ran.err()).isZero();
        assertThat(ran.out()).contains("job finished");

        MainTest.Result listed = MainTest.run("models", "--bootstrap-servers", bs, "--topic", "c.models");
        assertThat(listed.status()).isZero();
        assertThat(listed.out()).contains("ctr").contains(" 32 ");
        Path saved = dir.resolve("ctr-latest.sgm");
        MainTest.Result save = MainTest.run("models", "--bootstrap-servers", bs, "--topic", "c.models", "--model", "ctr",
                "--save", saved.toString());
        assertThat(save.status()).as(save.err()).isZero();
        Snapshot streamed = SnapshotFile.read(saved);
        assertThat(streamed.state().examplesSeen()).isEqualTo(1000);
        assertThat(streamed.state().step()).isEqualTo(32);
        assertThat(streamed.sourceOffsets()).containsEntry("c.examples-0", 1000L);

        Path offline = dir.resolve("offline.sgm");
        MainTest.Result trained = MainTest.run("train", "--config", modelFile.toString(), "--data", data.toString(),
                "--save", offline.toString());
        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(streamed.state()).isEqualTo(SnapshotFile.read(offline).state());
        assertThat(streamed.config()).isEqualTo(SnapshotFile.read(offline).config());

        MainTest.Result evaluated = MainTest.run("evaluate", "--model", saved.toString(), "--data", data.toString());
        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("accuracy");

        MainTest.Result metrics = MainTest.run("metrics", "--bootstrap-servers", bs, "--topic", "c.metrics");
        assertThat(metrics.status()).isZero();
        List<String> lines = metrics.out().lines().filter(l -> l.contains(" ctr ")).toList();
        assertThat(lines).hasSize(4); // 32 batches, a window every 8

        MainTest.Result missing = MainTest.run("models", "--bootstrap-servers", bs, "--topic", "c.models", "--model",
                "nope", "--save", dir.resolve("x.sgm").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("no committed snapshot of model 'nope'");
    }

    @Test
    void demo_runsToTheEnd_writesItsReport_andExits0() throws Exception {
        Path report = dir.resolve("reports/demo.html");
        Path dataDir = Path.of("..", "data");
        MainTest.Result r = MainTest.run("demo", "--drift-examples", "4000", "--passes", "1", "--rate", "20000",
                "--report", report.toString(), "--data-dir", dataDir.toString(), "--work-dir",
                dir.resolve("demo-work").toString());

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("summary").contains("dead letters: 5").contains("drift").contains("segment");
        String html = Files.readString(report);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("<polyline").doesNotContain("<script");
        assertThat(dir.resolve("demo-work")).doesNotExist();
    }
}

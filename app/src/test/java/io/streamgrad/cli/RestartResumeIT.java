package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.KafkaTestSupport;
import io.streamgrad.job.SyntheticData;
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
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart = resume, as an operator does it: {@code streamgrad run --config job.yaml} in its own JVM is killed with
 * SIGKILL (after the 1st and after the 3rd committed snapshot) and started again with the very same command line.
 * Each restart resumes from the newest complete checkpoint under {@code <checkpoint_dir>/<job_name>} by itself: every
 * example is trained once, a read_committed follower of the models topic sees versions 1, 2, ... once each, and the
 * final model equals the offline trainer's on the same examples in the same order, bit for bit.
 */
class RestartResumeIT {
    private static final String MODEL = "clicks";
    private static final int EXAMPLES = 960; // 60 steps of 16
    private static final int EVERY_STEPS = 5; // versions 1..12
    private static final int RETAINED_RUNS = 2;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @Test
    void killedRunProcess_restartedWithThePlainRunCommand_resumesAndTrainsEveryExampleOnce() throws Exception {
        String modelYaml = """
                model: {type: logistic, features: 4}
                loss: binary_cross_entropy
                optimizer: {type: adam, learning_rate: 0.05}
                batch_size: 16
                shuffle: false
                seed: 7
                """;
        Path checkpoints = dir.resolve("checkpoints");
        Path jobYaml = Files.writeString(dir.resolve("job.yaml"), """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: rr-examples, models: rr-models, metrics: rr-metrics, dead_letters: rr-dead}
                group_id: restart-resume
                start: committed
                checkpoint_interval_ms: 300
                checkpoint_dir: "%s"
                checkpoint_retained_runs: %d
                batch_timeout_ms: 0
                snapshot: {every_steps: %d, every_seconds: 0}
                metrics_every_batches: 5
                restart: {attempts: 3, delay_ms: 200}
                models:
                  %s:
                %s""".formatted(
                kafka.bootstrapServers(), checkpoints.toUri(), RETAINED_RUNS, EVERY_STEPS, MODEL, modelYaml.indent(4)));
        JobConfig cfg = JobConfigParser.parse(jobYaml);
        kafka.createJobTopics(cfg.topics(), 1);
        Path data = SyntheticData.writeLibSvm(SyntheticData.separable(MODEL, EXAMPLES, 31), dir.resolve("data.svm"));
        TrainerConfig config = ConfigParser.parse(Files.writeString(dir.resolve("model.yaml"), modelYaml));
        Dataset dataset = DataReaders.read(data, config, ReadOptions.defaults());

        try (ExampleProducer producer = new ExampleProducer(kafka.clientProperties())) {
            // Run 1: nothing to resume from; killed once version 1 is committed (training goes on to step 10).
            RunProcess run1 = RunProcess.start(jobYaml, dir.resolve("run-1.log"));
            produce(producer, cfg, dataset, 0, 160);
            awaitSnapshot(cfg, run1, "version 1", s -> s.getVersion() >= 1);
            run1.kill();
            assertThat(run1.output()).contains("no complete checkpoint or savepoint under");

            // Run 2: the same command resumes; killed once version 3 is committed, in the middle of its input.
            RunProcess run2 = RunProcess.start(jobYaml, dir.resolve("run-2.log"));
            produce(producer, cfg, dataset, 160, 480);
            awaitSnapshot(cfg, run2, "version 3", s -> s.getVersion() >= 3);
            run2.kill();
            assertThat(run2.output()).containsPattern("resuming from checkpoint \\d+ \\(file:.*chk-\\d+, completed ");

            // Run 3: resumes again and finishes the stream.
            RunProcess run3 = RunProcess.start(jobYaml, dir.resolve("run-3.log"));
            produce(producer, cfg, dataset, 480, EXAMPLES);
            awaitSnapshot(cfg, run3, "the snapshot of all examples", s -> s.getExamplesSeen() == EXAMPLES);
            Path jobDir = checkpoints.resolve(cfg.jobName());
            KafkaTestSupport.await(
                    "older runs removed down to checkpoint_retained_runs", Duration.ofSeconds(60), () -> {
                        run3.assertAlive();
                        return runDirectories(jobDir) <= RETAINED_RUNS ? true : null;
                    });
            run3.kill();
            assertThat(run3.output())
                    .containsPattern("resuming from checkpoint \\d+ ")
                    .contains("removed the older run");
        }

        List<ModelSnapshot> snapshots = snapshots(cfg);
        assertThat(snapshots)
                .as("versions a read_committed follower sees, in topic order: increasing, none twice")
                .extracting(ModelSnapshot::getVersion)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, EXAMPLES / 16 / EVERY_STEPS)
                        .boxed()
                        .toList());
        assertThat(snapshots)
                .as("each version at its step")
                .allSatisfy(s -> assertThat(s.getStep()).isEqualTo(s.getVersion() * EVERY_STEPS));
        ModelSnapshot last = snapshots.get(snapshots.size() - 1);
        assertThat(last.getExamplesSeen()).as("examples trained").isEqualTo(EXAMPLES);

        OfflineTrainer offline = new OfflineTrainer(config);
        ModelState reference = offline.initState();
        offline.pass(reference, dataset, PrequentialMetrics.forConfig(config));
        assertThat(state(last))
                .as("final model vs the offline trainer on the same examples in the same order")
                .isEqualTo(reference);
    }

    /**
     * Turning outputs off between runs (deltas.enabled true -> false, output_format both -> avro) leaves the
     * checkpoint with state of sinks the new job does not have. The same run command resumes anyway, dropping only
     * that state, and says so: every example is still trained once and no version is published twice. State no
     * setting explains (here: the trainer's, as a build with another trainer uid would see it) is refused, named.
     */
    @Test
    void outputsTurnedOffBetweenRuns_thePlainRunCommandResumes_droppingOnlyTheirState() throws Exception {
        String modelYaml = """
                model: {type: logistic, features: 4}
                loss: binary_cross_entropy
                optimizer: {type: sgd, learning_rate: 0.1}
                batch_size: 16
                shuffle: false
                seed: 11
                """;
        Path checkpoints = dir.resolve("checkpoints");
        String template = """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: ro-examples, models: ro-models, metrics: ro-metrics, dead_letters: ro-dead, \
                updates: ro-updates}
                group_id: outputs-off
                start: committed
                checkpoint_interval_ms: 300
                checkpoint_dir: "%s"
                batch_timeout_ms: 0
                snapshot: {every_steps: %d, every_seconds: 0}
                metrics_every_batches: 5
                restart: {attempts: 3, delay_ms: 200}
                %s
                models:
                  %s:
                %s""";
        Path jobYaml = dir.resolve("job.yaml");
        String outputsOn = "deltas: {enabled: true}\noutput_format: both";
        Files.writeString(
                jobYaml,
                template.formatted(
                        kafka.bootstrapServers(),
                        checkpoints.toUri(),
                        EVERY_STEPS,
                        outputsOn,
                        MODEL,
                        modelYaml.indent(4)));
        JobConfig cfg = JobConfigParser.parse(jobYaml);
        kafka.createJobTopics(cfg.topics(), 1);
        int examples = 480; // 30 steps: versions 1..6
        Path data = SyntheticData.writeLibSvm(SyntheticData.separable(MODEL, examples, 37), dir.resolve("data.svm"));
        TrainerConfig config = ConfigParser.parse(Files.writeString(dir.resolve("model.yaml"), modelYaml));
        Dataset dataset = DataReaders.read(data, config, ReadOptions.defaults());

        try (ExampleProducer producer = new ExampleProducer(kafka.clientProperties())) {
            RunProcess run1 = RunProcess.start(jobYaml, dir.resolve("off-1.log"));
            produce(producer, cfg, dataset, 0, 240);
            awaitSnapshot(cfg, run1, "version 2", s -> s.getVersion() >= 2);
            run1.kill();

            // The same job with both outputs turned off.
            Files.writeString(
                    jobYaml,
                    template.formatted(
                            kafka.bootstrapServers(),
                            checkpoints.toUri(),
                            EVERY_STEPS,
                            "",
                            MODEL,
                            modelYaml.indent(4)));
            Path jobDir = checkpoints.resolve(cfg.jobName());
            String checkpoint = new io.streamgrad.job.checkpoint.CheckpointStore(
                            jobDir.toUri().toString())
                    .newest()
                    .orElseThrow()
                    .path();
            java.util.Set<String> withoutTrainer = new java.util.HashSet<>();
            JobGraphs.streamGraph(JobConfigParser.parse(jobYaml))
                    .getStreamNodes()
                    .forEach(n -> withoutTrainer.add(n.getTransformationUID()));
            withoutTrainer.remove("trainer");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> io.streamgrad.job.checkpoint.ResumeCheck.check(checkpoint, withoutTrainer))
                    .hasMessageContaining("1 operator(s) this job does not have: 'trainer'")
                    .hasMessageContaining("--fresh");

            RunProcess run2 = RunProcess.start(jobYaml, dir.resolve("off-2.log"));
            produce(producer, cfg, dataset, 240, examples);
            awaitSnapshot(cfg, run2, "the snapshot of all examples", s -> s.getExamplesSeen() == examples);
            run2.kill();
            assertThat(run2.output())
                    .containsPattern("resuming from checkpoint \\d+ ")
                    .contains("resume: outputs turned off since the checkpoint: ")
                    .contains("updates-sink (deltas.enabled)")
                    .contains("metrics-json-sink (output_format)")
                    .contains("models-json-sink (output_format)");
        }

        List<ModelSnapshot> snapshots = snapshots(cfg);
        assertThat(snapshots)
                .as("versions on the models topic: each once, in order")
                .extracting(ModelSnapshot::getVersion)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, examples / 16 / EVERY_STEPS)
                        .boxed()
                        .toList());
        OfflineTrainer offline = new OfflineTrainer(config);
        ModelState reference = offline.initState();
        offline.pass(reference, dataset, PrequentialMetrics.forConfig(config));
        assertThat(state(snapshots.get(snapshots.size() - 1)))
                .as("final model vs the offline trainer: every example trained once")
                .isEqualTo(reference);
    }

    private static void produce(ExampleProducer p, JobConfig cfg, Dataset dataset, int from, int to) {
        for (int i = from; i < to; i++) {
            p.send(cfg.topics().examples(), 0, MODEL, p.encode(ExampleProducer.toExample(MODEL, dataset, i, i), false));
        }
        p.flush();
    }

    private static void awaitSnapshot(JobConfig cfg, RunProcess run, String what, Predicate<ModelSnapshot> match) {
        KafkaTestSupport.await("a committed snapshot: " + what, Duration.ofSeconds(150), () -> {
            run.assertAlive();
            return snapshots(cfg).stream().anyMatch(match) ? true : null;
        });
    }

    private static List<ModelSnapshot> snapshots(JobConfig cfg) {
        var codec = SingleObjectCodec.modelSnapshot();
        List<ModelSnapshot> out = new ArrayList<>();
        for (var r : KafkaTestSupport.readCommitted(
                kafka.bootstrapServers(), cfg.topics().models())) {
            try {
                out.add(codec.decode(r.value()));
            } catch (InvalidRecordException e) {
                throw new AssertionError(
                        "undecodable snapshot on " + cfg.topics().models(), e);
            }
        }
        return out;
    }

    private static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    private static long runDirectories(Path jobDir) {
        try (Stream<Path> s = Files.list(jobDir)) {
            return s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{32}"))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.streamgrad.job.reliability;

import static io.streamgrad.job.reliability.ReliabilitySupport.allAtStep;
import static io.streamgrad.job.reliability.ReliabilitySupport.assertTrainedExactlyOnce;
import static io.streamgrad.job.reliability.ReliabilitySupport.finalSnapshots;
import static io.streamgrad.job.reliability.ReliabilitySupport.jobConfig;
import static io.streamgrad.job.reliability.ReliabilitySupport.produce;
import static io.streamgrad.job.reliability.ReliabilitySupport.producerProps;
import static io.streamgrad.job.reliability.ReliabilitySupport.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Savepoints, upgrades and rescaling: a job stopped with a savepoint resumes with another parallelism and another
 * set of models, every existing model exactly where it stopped; and a savepoint committed to the repository
 * ({@code savepoints/v1}, written by {@link SavepointFixtureGenerator}) still restores, so a change of the state
 * format or of an operator uid that would strand users' savepoints fails the build.
 */
class SavepointIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    static Path dir;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    private static final List<String> figures = new ArrayList<>();

    @AfterAll
    static void printFigures() {
        figures.forEach(System.err::println);
    }

    @Test
    void stopWithSavepoint_resumeWithParallelism2AndANewModel_keepsEachModelsState_newModelStartsFresh(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        // clicks and prices in different partitions: at parallelism 2 they may be read by different source subtasks.
        List<ModelStream> before = List.of(ModelStream.clicks(640, 0, 21), ModelStream.prices(320, 1, 22));
        List<ModelStream> after = List.of(before.get(0), before.get(1), ModelStream.species(400, 0, 23));
        JobConfig v1 = jobConfig(kafka.bootstrapServers(), "upgrade", before, Map.of());
        JobConfig v2 = jobConfig(kafka.bootstrapServers(), "upgrade", after, Map.of("parallelism", "2"));
        kafka.createJobTopics(v1.topics(), 2);

        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), v1);
                CommittedTopic<TrainingMetrics> metrics =
                        ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), v1)) {
            JobClient job1 = ReliabilitySupport.start(v1, new Configuration(), s -> s);
            // 42%: clicks 269 (16 batches + 13 waiting in the batcher), prices 134 (16 batches + 6 waiting).
            produce(producer, v1.topics().examples(), before, 0, 0.42);
            snapshots.await("both models at step 10", Duration.ofSeconds(120), s -> allAtStep(s, before, 10));
            long t0 = System.nanoTime();
            String savepoint = job1.stopWithSavepoint(
                            false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(120, TimeUnit.SECONDS);
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(job1.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
            int publishedByV1 = snapshots.readToEnd(Duration.ofSeconds(30)).size();

            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            JobClient job2 = ReliabilitySupport.start(v2, restore, s -> s);
            try {
                produce(producer, v2.topics().examples(), before, 0.42, 1.0);
                produce(producer, v2.topics().examples(), after.subList(2, 3), 0, 1.0);
                snapshots.await("every model's final snapshot", Duration.ofSeconds(120), s -> finalSnapshots(s, after));

                AccessExecutionGraph graph =
                        cluster.getExecutionGraph(job2.getJobID()).get();
                assertThat(graph.getCheckpointStatsSnapshot()
                                .getLatestRestoredCheckpoint()
                                .getExternalPath())
                        .as("restored from the savepoint")
                        .isEqualTo(savepoint);
                assertThat(graph.getAllVertices().values())
                        .as("the upgraded job runs at parallelism 2")
                        .filteredOn(v -> v.getName().contains("trainer"))
                        .extracting(AccessExecutionJobVertex::getParallelism)
                        .containsExactly(2);
            } finally {
                CrashRecoveryIT.cancel(job2);
            }

            List<ModelSnapshot> all = snapshots.readToEnd(Duration.ofSeconds(30));
            // Existing models continue their versions (v1 published version 1 at step 10, v2 goes on from 2);
            // their final state equals one uninterrupted learner over all their examples; species starts at 1.
            assertTrainedExactlyOnce(all, metrics.readToEnd(Duration.ofSeconds(30)), after);
            assertThat(all.subList(0, publishedByV1))
                    .extracting(ModelSnapshot::getModelId, ModelSnapshot::getVersion)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("clicks", 1L),
                            org.assertj.core.groups.Tuple.tuple("prices", 1L));
            assertThat(all.subList(publishedByV1, all.size()))
                    .filteredOn(s -> !s.getModelId().equals("species"))
                    .extracting(ModelSnapshot::getVersion)
                    .doesNotContain(1L);
            figures.add(String.format(
                    "SavepointIT: stop-with-savepoint %d ms, savepoint %d bytes (2 models, 1 -> 2" + " parallelism)",
                    stopMs, treeSize(Path.of(java.net.URI.create(savepoint)))));
        }
    }

    @Test
    void committedV1Savepoint_restores_eachModelContinuesFromItsSavedState() throws Exception {
        Path fixture = copyFixture();
        List<ModelStream> models = SavepointFixture.models();
        Map<String, ModelState> saved = Map.of(
                "clicks", ModelStateCodec.decode(Files.readAllBytes(fixture.resolve("clicks.state"))),
                "prices", ModelStateCodec.decode(Files.readAllBytes(fixture.resolve("prices.state"))));
        // Known values of the fixture (see its README): step 20, 20 batches of examples, a few parameters.
        assertThat(saved.get("clicks").step()).isEqualTo(SavepointFixture.STEP_AT_SAVEPOINT);
        assertThat(saved.get("clicks").examplesSeen()).isEqualTo(320);
        assertThat(saved.get("clicks").params()).startsWith(0.89011824f, -0.6922664f, 0.2705974f);
        assertThat(saved.get("prices").step()).isEqualTo(SavepointFixture.STEP_AT_SAVEPOINT);
        assertThat(saved.get("prices").examplesSeen()).isEqualTo(160);
        assertThat(saved.get("prices").params()).startsWith(1.4813557f, -1.9844967f, 0.47869402f);

        JobConfig cfg = SavepointFixture.config(kafka.bootstrapServers());
        kafka.createJobTopics(cfg.topics(), 1);
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                CommittedTopic<TrainingMetrics> metrics =
                        ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), cfg)) {
            // The records the fixture job had read are replaced by filler that fails decoding: a restored source
            // that re-read any of them would dead-letter it; the examples waiting in the batcher come from state.
            for (int i = 0; i < SavepointFixture.RECORDS_BEFORE_SAVEPOINT; i++) {
                producer.send(
                        cfg.topics().examples(),
                        0,
                        "filler",
                        ("filler " + i + ": read before the savepoint").getBytes(StandardCharsets.UTF_8));
            }
            produce(producer, cfg.topics().examples(), models, SavepointFixture.READ_BEFORE_SAVEPOINT, 1.0);

            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, fixture.toUri().toString());
            JobClient job = ReliabilitySupport.start(cfg, restore, s -> s);
            try {
                snapshots.await(
                        "every model's final snapshot", Duration.ofSeconds(120), s -> finalSnapshots(s, models));
            } finally {
                CrashRecoveryIT.cancel(job);
            }

            List<ModelSnapshot> all = snapshots.readToEnd(Duration.ofSeconds(30));
            List<TrainingMetrics> windows = metrics.readToEnd(Duration.ofSeconds(30));
            for (ModelStream m : models) {
                int b = m.batchSize();
                ModelState start = saved.get(m.id());
                List<ModelSnapshot> mine =
                        all.stream().filter(s -> s.getModelId().equals(m.id())).toList();
                assertThat(mine)
                        .as("versions of %s after the fixture's version 2", m.id())
                        .extracting(ModelSnapshot::getVersion)
                        .containsExactly(3L, 4L);
                assertThat(mine).extracting(ModelSnapshot::getStep).containsExactly(30L, 40L);
                assertThat(mine).allSatisfy(s -> assertThat(s.getExamplesSeen()).isEqualTo(s.getStep() * b));
                assertThat(state(mine.get(1)))
                        .as("%s: the fixture's state, trained on by the learner", m.id())
                        .isEqualTo(m.continueFrom(start, (int) (start.step() * b)));
                assertThat(windows)
                        .filteredOn(t -> t.getModelId().equals(m.id()))
                        .as("metrics windows of %s continue the fixture's (closed at step 20)", m.id())
                        .extracting(TrainingMetrics::getStep)
                        .containsExactly(25L, 30L, 35L, 40L);
            }
            assertThat(kafka.readCommitted(cfg.topics().deadLetters()))
                    .as("records before the savepoint's offsets were not read again")
                    .isEmpty();
        }
    }

    /** The fixture, copied out of the classpath (the restore must not depend on where test resources live). */
    private static Path copyFixture() throws Exception {
        Path from = Path.of(SavepointIT.class
                        .getResource(SavepointFixture.RESOURCE + "/_metadata")
                        .toURI())
                .getParent();
        Path to = Files.createDirectories(dir.resolve("fixture-v1"));
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName().toString()));
            }
        }
        return to;
    }

    static long treeSize(Path p) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }
}

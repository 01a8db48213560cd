package io.streamgrad.job.reliability;

import static io.streamgrad.job.reliability.ReliabilitySupport.allAtStep;
import static io.streamgrad.job.reliability.ReliabilitySupport.assertTrainedExactlyOnce;
import static io.streamgrad.job.reliability.ReliabilitySupport.finalSnapshots;
import static io.streamgrad.job.reliability.ReliabilitySupport.jobConfig;
import static io.streamgrad.job.reliability.ReliabilitySupport.produce;
import static io.streamgrad.job.reliability.ReliabilitySupport.producerProps;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.KafkaTestSupport;
import io.streamgrad.job.config.JobConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash recovery, exactly once: a task fails in the middle of the stream (an injected exception at a record
 * chosen by a seeded RNG), Flink restores the job from its last completed checkpoint and replays the source from
 * the offsets in it. Afterwards every example has been trained exactly once, each model's final parameters and
 * optimizer state equal the learner's on the same examples bit for bit, and a read_committed consumer sees each
 * snapshot version and each metrics window exactly once.
 *
 * <p>Three models, two input partitions; input is produced in four chunks, each after the previous chunk's
 * outputs were committed, so every kill point (in chunks 2-4) lies after at least one checkpoint with progress.
 */
class CrashRecoveryIT {
    private static final long SEED = 0x5EED_C0DEL;
    private static final int KILL_POINTS = 5;
    private static final int CHUNKS = 4;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    static Path dir;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    private static final List<String> timings = new ArrayList<>();

    @AfterAll
    static void printFigures() {
        timings.forEach(System.err::println);
    }

    /** clicks and prices share partition 0, species has partition 1; each model's order is fixed by its partition. */
    static List<ModelStream> models() {
        return List.of(ModelStream.clicks(640, 0, 11), ModelStream.prices(320, 0, 12), ModelStream.species(400, 1, 13));
    }

    /**
     * Kill points drawn by a seeded RNG: a partition (by its share of records) and an offset in one of chunks 2-4
     * (taken in turn, so every chunk after the first is hit).
     */
    static Stream<Arguments> killPoints() {
        int p0 = 640 + 320;
        int p1 = 400;
        Random rnd = new Random(SEED);
        List<Arguments> points = new ArrayList<>();
        for (int k = 0; k < KILL_POINTS; k++) {
            int partition = rnd.nextInt(p0 + p1) < p0 ? 0 : 1;
            int chunk = (partition == 0 ? p0 : p1) / CHUNKS;
            int offset = chunk * (1 + k % (CHUNKS - 1)) + rnd.nextInt(chunk);
            points.add(Arguments.of(partition, offset));
        }
        return points.stream();
    }

    @ParameterizedTest(name = "task failure at examples-{0}@{1}")
    @MethodSource("killPoints")
    void taskFailureAtARandomRecord_restoresFromCheckpoint_trainsEveryExampleExactlyOnce(
            int partition, int offset, @InjectMiniCluster MiniCluster cluster) throws Exception {
        String prefix = "crash-p" + partition + "-o" + offset;
        List<ModelStream> models = models();
        JobConfig cfg = jobConfig(kafka.bootstrapServers(), prefix, models, Map.of());
        kafka.createJobTopics(cfg.topics(), 2);

        long t0 = System.nanoTime();
        JobClient job = ReliabilitySupport.start(
                cfg,
                new Configuration(),
                examples -> examples.map(new FailOnceAt(prefix, partition, offset))
                        .uid("failure-injector")
                        .name("failure injector"));
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                CommittedTopic<TrainingMetrics> metrics =
                        ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), cfg)) {
            for (int c = 0; c < CHUNKS; c++) {
                produce(producer, cfg.topics().examples(), models, (double) c / CHUNKS, (double) (c + 1) / CHUNKS);
                long step = 40L * (c + 1) / CHUNKS;
                snapshots.await(
                        "every model's committed snapshot at step " + step,
                        Duration.ofSeconds(120),
                        s -> allAtStep(s, models, step));
            }
            snapshots.await("final snapshots of all examples", Duration.ofSeconds(120), s -> finalSnapshots(s, models));
            double seconds = (System.nanoTime() - t0) / 1e9;

            assertThat(FailOnceAt.fired(prefix))
                    .as("the injected failure fired")
                    .isTrue();
            RestoredCheckpointStats restored =
                    ReliabilitySupport.restoredCheckpoint(cluster, job, Duration.ofSeconds(30));
            assertThat(restored).as("the job was restored from a checkpoint").isNotNull();
            cancel(job);

            assertTrainedExactlyOnce(
                    snapshots.readToEnd(Duration.ofSeconds(30)), metrics.readToEnd(Duration.ofSeconds(30)), models);
            timings.add(String.format(
                    "CrashRecoveryIT: failure at examples-%d@%d, restored from checkpoint %d,"
                            + " recovery (failure -> first record processed again) %d ms, job %.1f s",
                    partition,
                    offset,
                    restored.getCheckpointId(),
                    FailOnceAt.recoveryNanos(prefix) / 1_000_000,
                    seconds));
        } finally {
            cancel(job);
        }
    }

    static void cancel(JobClient job) {
        KafkaTestSupport.await("job " + job.getJobID() + " ended", Duration.ofSeconds(60), () -> {
            try {
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    return true;
                }
                job.cancel().get();
                return null;
            } catch (Exception e) {
                return true; // the MiniCluster no longer knows the job: it ended
            }
        });
    }
}

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
import io.streamgrad.job.JobFailures;
import io.streamgrad.job.KafkaTestSupport;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker faults: the Kafka broker (the only one, so sources, sinks and the transaction coordinator all lose it)
 * stops in the middle of the stream. Back soon, the job carries on and nothing is lost or counted twice; away
 * longer than the restart strategy tolerates, the job fails naming Kafka, and a new job resumed from the
 * retained last checkpoint finishes the stream, again exactly once.
 */
class BrokerFaultIT {
    private static final int CHUNKS = 4;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    static Path dir;

    private static RestartableKafka kafka;
    private static final List<String> figures = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = RestartableKafka.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() throws Exception {
        figures.forEach(System.err::println);
        if (kafka != null) {
            kafka.close();
        }
    }

    static List<ModelStream> models() {
        return List.of(ModelStream.clicks(640, 0, 31), ModelStream.prices(320, 0, 32), ModelStream.species(400, 1, 33));
    }

    static long step(int chunk) {
        return 40L * (chunk + 1) / CHUNKS;
    }

    @Test
    void brokerStopsMidStreamAndReturns_jobCarriesOn_everyExampleTrainedExactlyOnce(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        List<ModelStream> models = models();
        JobConfig cfg = jobConfig(kafka.bootstrapServers(), "outage", models, Map.of());
        JobTopics.create(kafka.admin(), cfg.topics(), 2, (short) 1);
        JobClient job = ReliabilitySupport.start(cfg, new Configuration(), s -> s);
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                CommittedTopic<TrainingMetrics> metrics =
                        ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), cfg)) {
            for (int c = 0; c < 2; c++) {
                produce(producer, cfg.topics().examples(), models, (double) c / CHUNKS, (double) (c + 1) / CHUNKS);
                long step = step(c);
                snapshots.await(
                        "every model at step " + step, Duration.ofSeconds(120), s -> allAtStep(s, models, step));
            }
            // Chunk 3 is in the log, partly read and trained, its outputs in open transactions, when the broker goes.
            produce(producer, cfg.topics().examples(), models, 2.0 / CHUNKS, 3.0 / CHUNKS);
            long stoppedAt = System.currentTimeMillis();
            long t0 = System.nanoTime();
            kafka.stopBroker();
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            // The outage lasts until the job has felt it: a checkpoint triggered after the stop cannot complete
            // (the sinks cannot start their next transaction) or has failed.
            AbstractCheckpointStats stalled = KafkaTestSupport.await(
                    "a checkpoint stalled by the outage",
                    Duration.ofSeconds(60),
                    () -> checkpointAfter(cluster, job.getJobID(), stoppedAt));
            long t1 = System.nanoTime();
            kafka.startBroker();
            long startMs = (System.nanoTime() - t1) / 1_000_000;
            long downMs = (System.nanoTime() - t0) / 1_000_000;
            snapshots.await(
                    "every model at step 30 after the outage", Duration.ofSeconds(120), s -> allAtStep(s, models, 30));
            long backMs = (System.nanoTime() - t1) / 1_000_000;

            produce(producer, cfg.topics().examples(), models, 3.0 / CHUNKS, 1.0);
            snapshots.await("final snapshots of all examples", Duration.ofSeconds(120), s -> finalSnapshots(s, models));
            var graph = cluster.getExecutionGraph(job.getJobID()).get();
            String failure = graph.getFailureInfo() == null
                    ? "none"
                    : graph.getFailureInfo()
                            .getExceptionAsString()
                            .lines()
                            .findFirst()
                            .orElse("");
            CrashRecoveryIT.cancel(job);

            assertTrainedExactlyOnce(
                    snapshots.readToEnd(Duration.ofSeconds(30)), metrics.readToEnd(Duration.ofSeconds(30)), models);
            figures.add(String.format(
                    "BrokerFaultIT outage: broker stop %d ms, start %d ms, down %d ms in all;"
                            + " checkpoint %d stalled over it; from restart to committed outputs at step 30: %d ms;"
                            + " job failure while down: %s",
                    stopMs, startMs, downMs, stalled.getCheckpointId(), backMs, failure));
        } finally {
            CrashRecoveryIT.cancel(job);
        }
    }

    @Test
    void brokerAwayLongerThanRestartsAllow_jobFailsNamingKafka_resumesFromRetainedCheckpointExactlyOnce(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        List<ModelStream> models = models();
        Path checkpoints = dir.resolve("checkpoints");
        Map<String, String> settings = Map.of(
                // Short client timeouts, so "away too long" takes seconds, not the defaults' minutes.
                "kafka",
                        "{bootstrap.servers: \"" + kafka.bootstrapServers() + "\", max.block.ms: 3000,"
                                + " request.timeout.ms: 2000, delivery.timeout.ms: 5000, default.api.timeout.ms: 3000}",
                "restart", "{attempts: 1, delay_ms: 200}",
                "checkpoint_dir", "\"" + checkpoints.toUri() + "\"");
        JobConfig cfg = jobConfig(kafka.bootstrapServers(), "away", models, settings);
        JobTopics.create(kafka.admin(), cfg.topics(), 2, (short) 1);
        JobClient job = ReliabilitySupport.start(cfg, new Configuration(), s -> s);
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                CommittedTopic<TrainingMetrics> metrics =
                        ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), cfg)) {
            for (int c = 0; c < 2; c++) {
                produce(producer, cfg.topics().examples(), models, (double) c / CHUNKS, (double) (c + 1) / CHUNKS);
                long step = step(c);
                snapshots.await(
                        "every model at step " + step, Duration.ofSeconds(120), s -> allAtStep(s, models, step));
            }
            produce(producer, cfg.topics().examples(), models, 2.0 / CHUNKS, 3.0 / CHUNKS);
            long t0 = System.nanoTime();
            kafka.stopBroker();
            // Flink 2.2 treats an exception from an operator's close() during failure clean-up as fatal for the
            // TaskManager, and the Kafka sink's close() cannot abort its transaction without a broker: the
            // TaskManager exits. A process supervisor (systemd, Kubernetes) starts it again; so does this loop.
            int[] taskManagersRestarted = {0};
            Throwable failure = KafkaTestSupport.await("the job to fail", Duration.ofSeconds(120), () -> {
                taskManagersRestarted[0] += superviseTaskManagers(cluster);
                try {
                    job.getJobExecutionResult().get(1, TimeUnit.SECONDS);
                    throw new AssertionError("the job finished although Kafka is away");
                } catch (ExecutionException e) {
                    return e.getCause();
                } catch (java.util.concurrent.TimeoutException e) {
                    return null;
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            long failMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ExceptionUtils.findThrowable(
                            failure, t -> t.getClass().getName().startsWith("org.apache.kafka.")))
                    .as("a Kafka client error in the failure's causes:%n%s", ExceptionUtils.stringifyException(failure))
                    .isPresent();
            String explained = JobFailures.explainKafka(failure, cfg).orElseThrow();
            assertThat(explained)
                    .contains("Kafka at kafka.bootstrap.servers=" + kafka.bootstrapServers())
                    .contains("restart attempt")
                    .contains(checkpoints.toUri().toString());

            kafka.startBroker();
            superviseTaskManagers(cluster);
            Path last = lastRetainedCheckpoint(
                    checkpoints.resolve(cfg.jobName()).resolve(job.getJobID().toHexString()));
            Configuration resume = new Configuration();
            resume.set(StateRecoveryOptions.SAVEPOINT_PATH, last.toUri().toString());
            JobClient resumed = ReliabilitySupport.start(cfg, resume, s -> s);
            try {
                snapshots.await(
                        "every model at step 30 after the resume",
                        Duration.ofSeconds(120),
                        s -> allAtStep(s, models, 30));
                produce(producer, cfg.topics().examples(), models, 3.0 / CHUNKS, 1.0);
                snapshots.await(
                        "final snapshots of all examples", Duration.ofSeconds(120), s -> finalSnapshots(s, models));
            } finally {
                CrashRecoveryIT.cancel(resumed);
            }
            assertTrainedExactlyOnce(
                    snapshots.readToEnd(Duration.ofSeconds(30)), metrics.readToEnd(Duration.ofSeconds(30)), models);
            figures.add(String.format(
                    "BrokerFaultIT away: job failed %d ms after the broker stopped (%d TaskManager"
                            + " restarts); resumed from %s; message: %s",
                    failMs, taskManagersRestarted[0], last.getFileName(), explained));
        } finally {
            CrashRecoveryIT.cancel(job);
        }
    }

    /**
     * Starts a TaskManager when none is registered (what a process supervisor does for one that exited on a fatal
     * error) and waits until it is; returns the number started.
     */
    static int superviseTaskManagers(MiniCluster cluster) {
        try {
            if (cluster.requestClusterOverview().get().getNumTaskManagersConnected() > 0) {
                return 0;
            }
            cluster.startTaskManager();
            KafkaTestSupport.await("a TaskManager registered", Duration.ofSeconds(60), () -> {
                try {
                    return cluster.requestClusterOverview().get().getNumTaskManagersConnected() > 0 ? true : null;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            return 1;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The newest checkpoint triggered after {@code afterMs} that is still in progress or failed, else null. */
    static AbstractCheckpointStats checkpointAfter(MiniCluster cluster, JobID job, long afterMs) {
        try {
            CheckpointStatsSnapshot stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
            return stats.getHistory().getCheckpoints().stream()
                    .filter(c -> c.getTriggerTimestamp() > afterMs && c.getStatus() != CheckpointStatsStatus.COMPLETED)
                    .findFirst()
                    .orElse(null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The newest {@code chk-<n>} with a {@code _metadata} file under a job's checkpoint directory. */
    static Path lastRetainedCheckpoint(Path jobDir) throws Exception {
        try (Stream<Path> s = Files.list(jobDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .filter(p -> Files.exists(p.resolve("_metadata")))
                    .max(Comparator.comparingLong(
                            p -> Long.parseLong(p.getFileName().toString().substring(4))))
                    .orElseThrow(() -> new AssertionError("no retained checkpoint under " + jobDir));
        }
    }
}

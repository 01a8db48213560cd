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
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.security.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A checkpoint slower than the Kafka transaction timeout must not lose a committed output. One checkpoint is held
 * (a test operator stalls in its snapshot) for longer than {@code transaction_timeout_ms} plus the broker's abort
 * sweep (10 s), while the sinks' transactions of that checkpoint hold snapshots and metrics. Before the fix the
 * checkpoint completed after the broker had aborted those transactions, the committer logged
 * {@code InvalidTxnStateException} and the job carried on without them. Now {@code checkpoint_timeout_ms} (derived
 * from the transaction timeout) expires the checkpoint first, the job restores from the previous one, and a
 * read_committed consumer sees every version 1..N exactly once. The restore is an ordinary one: it must not print
 * the connector's false "producer is already fenced ... data loss" line.
 */
class SlowCheckpointIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    @Test
    void checkpointSlowerThanTheTransactionTimeout_losesNoCommittedSnapshot(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        String prefix = "slow-checkpoint";
        List<ModelStream> models = List.of(ModelStream.clicks(640, 0, 21), ModelStream.species(400, 1, 23));
        // transaction_timeout_ms 5000: checkpoint_timeout_ms is derived as 2000 (max(200, T) + T <= 5000 - 1000).
        JobConfig cfg = jobConfig(
                kafka.bootstrapServers(),
                prefix,
                models,
                Map.of("transaction_timeout_ms", "5000", "restart", "{attempts: 5, delay_ms: 100}"));
        assertThat(cfg.checkpointTimeoutMs()).isEqualTo(2000);
        kafka.createJobTopics(cfg.topics(), 2);

        try (LogCapture logs = new LogCapture(Level.INFO)) {
            JobClient job = ReliabilitySupport.start(
                    cfg,
                    new Configuration(),
                    examples -> examples.map(new StallOneSnapshot(prefix))
                            .uid("snapshot-staller")
                            .name("snapshot staller"));
            try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                    CommittedTopic<ModelSnapshot> snapshots =
                            ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                    CommittedTopic<TrainingMetrics> metrics =
                            ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), cfg)) {
                produce(producer, cfg.topics().examples(), models, 0, 0.5);
                snapshots.await(
                        "committed snapshots of the first half",
                        Duration.ofSeconds(120),
                        s -> allAtStep(s, models, 10));
                // The next checkpoint stalls while the sinks' open transactions hold the second half's outputs.
                StallOneSnapshot.arm(prefix);
                produce(producer, cfg.topics().examples(), models, 0.5, 1.0);
                snapshots.await("final snapshots", Duration.ofSeconds(120), s -> finalSnapshots(s, models));

                assertThat(StallOneSnapshot.stalled(prefix))
                        .as("a checkpoint was held longer than the transaction timeout")
                        .isTrue();
                RestoredCheckpointStats restored = cluster.getExecutionGraph(job.getJobID())
                        .get()
                        .getCheckpointStatsSnapshot()
                        .getLatestRestoredCheckpoint();
                assertThat(restored)
                        .as("the slow checkpoint expired and the job restored from the previous one")
                        .isNotNull();
                CrashRecoveryIT.cancel(job);
                assertTrainedExactlyOnce(
                        snapshots.readToEnd(Duration.ofSeconds(30)), metrics.readToEnd(Duration.ofSeconds(30)), models);
            } finally {
                CrashRecoveryIT.cancel(job);
            }
            assertThat(logs.events())
                    .as("no transaction was dropped, and no false data-loss alarm on the restore")
                    .noneMatch(e -> e.contains("already fenced"))
                    .noneMatch(e -> e.contains("InvalidTxnStateException"))
                    .noneMatch(e -> e.contains("data has been potentially lost"));
        }
    }

    /**
     * Passes records through; once armed, its next snapshot waits (up to 20 s, until the task is cancelled by the
     * checkpoint's expiry), holding that checkpoint's barrier. "Once" is static: the MiniCluster runs in this JVM.
     */
    static final class StallOneSnapshot implements MapFunction<BatcherInput, BatcherInput>, CheckpointedFunction {
        private static final long serialVersionUID = 1L;
        private static final Map<String, Boolean> ARMED = new ConcurrentHashMap<>();
        private static final Map<String, Boolean> STALLED = new ConcurrentHashMap<>();
        private final String runId;

        StallOneSnapshot(String runId) {
            this.runId = runId;
        }

        static void arm(String runId) {
            ARMED.put(runId, true);
        }

        static boolean stalled(String runId) {
            return STALLED.containsKey(runId);
        }

        @Override
        public BatcherInput map(BatcherInput e) {
            return e;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            if (ARMED.remove(runId) != null) {
                STALLED.put(runId, true);
                // Longer than transaction_timeout_ms (5 s) + the broker's timed-out-transaction sweep (10 s).
                // The expiry of the checkpoint cancels the task, which interrupts this wait.
                boolean ignored = new CountDownLatch(1).await(20, TimeUnit.SECONDS);
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}
    }
}

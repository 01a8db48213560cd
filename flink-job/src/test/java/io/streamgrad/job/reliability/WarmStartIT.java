package io.streamgrad.job.reliability;

import static io.streamgrad.job.reliability.ReliabilitySupport.allAtStep;
import static io.streamgrad.job.reliability.ReliabilitySupport.assertTrainedExactlyOnce;
import static io.streamgrad.job.reliability.ReliabilitySupport.finalSnapshots;
import static io.streamgrad.job.reliability.ReliabilitySupport.jobConfig;
import static io.streamgrad.job.reliability.ReliabilitySupport.produce;
import static io.streamgrad.job.reliability.ReliabilitySupport.producerProps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.warmstart.WarmStart;
import io.streamgrad.job.warmstart.WarmStartException;
import io.streamgrad.job.warmstart.WarmStartSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A model's versions never go backwards: a job that lost its checkpoints (a new job, no restore) continues every
 * model from its newest committed snapshot on the models topic, as a follower of the topics sees it; or, with
 * {@code existing_versions: refuse}, does not start.
 */
class WarmStartIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    private static JobClient start(JobConfig cfg, WarmStartSet warm) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg, warm);
        return env.executeAsync(cfg.groupId());
    }

    /** A condition: every model has committed metrics up to {@code step}. */
    private static Boolean metricsAtStep(List<TrainingMetrics> metrics, List<ModelStream> models, long step) {
        for (ModelStream m : models) {
            if (metrics.stream().noneMatch(t -> t.getModelId().equals(m.id()) && t.getStep() >= step)) {
                return null;
            }
        }
        return true;
    }

    @Test
    void lostCheckpoints_newJobOnMoreData_continuesEachModelsVersions_trainsEveryExampleOnce_equalsOffline()
            throws Exception {
        // clicks and prices share partition 0 (their snapshots name different offsets of it: the source starts at
        // the smaller one and the other model skips what it trained); species reads partition 1.
        List<ModelStream> models = List.of(
                ModelStream.clicks(640, 0, 41), ModelStream.prices(320, 0, 42), ModelStream.species(400, 1, 43));
        JobConfig cfg = jobConfig(kafka.bootstrapServers(), "warm", models, Map.of());
        kafka.createJobTopics(cfg.topics(), 2);

        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                CommittedTopic<TrainingMetrics> metrics =
                        ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), cfg)) {
            assertThat(WarmStart.load(cfg, false).isEmpty())
                    .as("nothing published yet")
                    .isTrue();
            JobClient first = start(cfg, WarmStart.load(cfg, false));
            // 40%: 16 steps of each model; snapshot version 1 at step 10, metrics windows at steps 5, 10 and 15.
            produce(producer, cfg.topics().examples(), models, 0, 0.4);
            snapshots.await("every model's version 1", Duration.ofSeconds(120), s -> allAtStep(s, models, 10));
            metrics.await(
                    "every model's window at step 15", Duration.ofSeconds(120), t -> metricsAtStep(t, models, 15));
            CrashRecoveryIT.cancel(first);
            // The checkpoints are gone for the next job: it is a new job without restore.
            List<ModelSnapshot> byFirst = List.copyOf(snapshots.readToEnd(Duration.ofSeconds(30)));
            Map<String, Long> lastVersion = byFirst.stream()
                    .collect(Collectors.toMap(ModelSnapshot::getModelId, ModelSnapshot::getVersion, Math::max));
            assertThat(lastVersion).containsOnlyKeys("clicks", "prices", "species");

            WarmStartSet warm = WarmStart.load(cfg, false);
            assertThat(warm.modelIds()).containsExactlyInAnyOrder("clicks", "prices", "species");
            JobClient second = start(cfg, warm);
            try {
                produce(producer, cfg.topics().examples(), models, 0.4, 1.0);
                snapshots.await(
                        "every model's final snapshot", Duration.ofSeconds(120), s -> finalSnapshots(s, models));
            } finally {
                CrashRecoveryIT.cancel(second);
            }

            List<ModelSnapshot> all = snapshots.readToEnd(Duration.ofSeconds(30));
            // The follower's view: versions 1, 2, ... per model with no version twice (so none with other content),
            // each at its step; windows once per step (none repeated for the replayed batches); the continued
            // model equal, bit for bit, to the learner trained once on all the examples.
            assertTrainedExactlyOnce(all, metrics.readToEnd(Duration.ofSeconds(30)), models);
            for (ModelSnapshot s : all.subList(byFirst.size(), all.size())) {
                assertThat(s.getVersion())
                        .as("version of %s published by the second job", s.getModelId())
                        .isGreaterThan(lastVersion.get(s.getModelId()));
            }
        }
    }

    @Test
    void refuse_modelWithVersionsOnTheTopic_failsFastNamingTheModelTheVersionAndTheChoices() throws Exception {
        List<ModelStream> models = List.of(ModelStream.clicks(320, 0, 51));
        JobConfig cfg = jobConfig(kafka.bootstrapServers(), "refuse", models, Map.of("bounded", "true"));
        JobConfig refusing = jobConfig(
                kafka.bootstrapServers(), "refuse", models, Map.of("bounded", "true", "existing_versions", "refuse"));
        kafka.createJobTopics(cfg.topics(), 1);
        assertThat(WarmStart.load(refusing, false).isEmpty())
                .as("nothing published yet: the refusing job may start")
                .isTrue();
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()))) {
            produce(producer, cfg.topics().examples(), models, 0, 1.0);
        }
        start(cfg, WarmStart.load(cfg, false)).getJobExecutionResult().get();

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> WarmStart.load(refusing, false))
                .isInstanceOf(WarmStartException.class)
                .hasMessageContaining("existing_versions is refuse")
                .hasMessageContaining("refuse-models")
                .hasMessageContaining("model 'clicks' (newest version 2, step 20")
                .hasMessageContaining("--from-savepoint")
                .hasMessageContaining("existing_versions: warm_start")
                .hasMessageContaining("new id")
                .hasMessageContaining("new topic");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(WarmStart.load(refusing, true).isEmpty())
                .as("a job restoring its checkpoint continues its own versions: not refused")
                .isTrue();
    }
}

package io.streamgrad.job.reliability;

import static io.streamgrad.job.reliability.ReliabilitySupport.produce;
import static io.streamgrad.job.reliability.ReliabilitySupport.producerProps;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.ops.OpsTopics;
import io.streamgrad.schemas.SingleObjectCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Training health inside the job: a linear model whose SGD learning rate is past the stable range (1.05 on
 * standard-normal features: each step overshoots, the squared error grows by a factor per batch while staying
 * finite) gets one firing {@code training_loss_rising} alert on the alerts topic, exactly once; a healthy model
 * trained beside it gets no loss alert; once the input ends, both get a {@code training_stalled} alert.
 */
class TrainingHealthIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    private static final String CLIMB = """
            model: {type: linear, features: 3}
            loss: mse
            optimizer: {type: sgd, learning_rate: 1.05}
            batch_size: 32
            """;

    @Test
    void aModelWhoseLossClimbsWhileFinite_firesTrainingLossRisingOnce_andAStalledJobFiresStalled() throws Exception {
        String prefix = "health";
        List<ModelStream> models = List.of(
                new ModelStream("climb", CLIMB, 0, SyntheticData.regression("climb", 32 * 60, 5)),
                ModelStream.clicks(640, 0, 11));
        JobConfig cfg = ReliabilitySupport.jobConfig(
                kafka.bootstrapServers(),
                prefix,
                models,
                Map.of(
                        "topics",
                        "{examples: %1$s-examples, models: %1$s-models, metrics: %1$s-metrics, dead_letters: %1$s-dead,"
                                        .formatted(prefix)
                                + " alerts: " + prefix + "-alerts}",
                        "metrics_every_batches",
                        "1",
                        "training_health",
                        "{enabled: true, stall_seconds: 3, keep_firing_seconds: 1}"));
        kafka.createJobTopics(cfg.topics(), 1);
        kafka.createTopics(OpsTopics.specs(cfg, 1, (short) 1).toArray(NewTopic[]::new));

        JobClient job = ReliabilitySupport.start(cfg, new Configuration(), s -> s);
        var alertCodec = SingleObjectCodec.alert();
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<Alert> alerts = new CommittedTopic<>(
                        kafka.bootstrapServers(),
                        cfg.ops().alerts(),
                        b -> ReliabilitySupport.decode(() -> alertCodec.decode(b)));
                CommittedTopic<TrainingMetrics> metrics =
                        ReliabilitySupport.metricsTopic(kafka.bootstrapServers(), cfg)) {
            produce(producer, cfg.topics().examples(), models, 0, 1);
            alerts.await(
                    "both models stalled after their input",
                    Duration.ofSeconds(90),
                    l -> l.stream()
                                            .filter(a -> a.getRule().toString().equals("training_stalled")
                                                    && a.getStatus() == AlertStatus.firing)
                                            .count()
                                    >= 2
                            ? l
                            : null);
            List<TrainingMetrics> windows = metrics.readToEnd(Duration.ofSeconds(30));
            List<Double> climbing = windows.stream()
                    .filter(w -> w.getModelId().toString().equals("climb"))
                    .map(TrainingMetrics::getLoss)
                    .toList();
            assertThat(climbing)
                    .as("one window per batch of the climbing model")
                    .hasSize(60);
            assertThat(climbing).as("the loss stays finite").allMatch(Double::isFinite);
            assertThat(climbing.get(59)).as("... and climbs").isGreaterThan(1000 * climbing.get(0));

            List<Alert> all = alerts.readToEnd(Duration.ofSeconds(30));
            assertThat(all)
                    .filteredOn(a -> a.getModel().toString().equals("climb")
                            && a.getRule().toString().equals("training_loss_rising")
                            && a.getStatus() == AlertStatus.firing)
                    .as("the climbing loss fired once")
                    .hasSize(1)
                    .allSatisfy(a -> {
                        assertThat(a.getSeries().toString()).isEqualTo("-");
                        assertThat(a.getFingerprint().toString()).isEqualTo("climb/-/training_loss_rising");
                        assertThat(a.getActual()).isFinite();
                    });
            assertThat(all)
                    .filteredOn(a -> a.getModel().toString().equals("clicks"))
                    .as("the healthy model: no loss alert")
                    .extracting(a -> a.getRule().toString())
                    .containsOnly("training_stalled");
            assertThat(all)
                    .filteredOn(a -> a.getRule().toString().equals("training_loss_not_finite"))
                    .isEmpty();
        } finally {
            CrashRecoveryIT.cancel(job);
        }
    }
}

package io.streamgrad.job.divergence;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The divergence guard end to end, on a real in-process Kafka broker and a real Flink MiniCluster: a stream with
 * poisoned batches — valid-looking examples (every value finite, so validation lets them through) whose feature
 * 1e30 overflows Adam's second moment — trains two models side by side, one with the rollback policy
 * ({@code divergence.max_bad_batches: 2}) and one without. Both must equal the learner's {@link Trainer} run over the
 * same batches bit for bit (marked good where the job publishes snapshots), the rejections must be counted in the
 * snapshot state, the metrics records and the Flink counters, and each rejection must reach the metrics topic as an
 * alert naming its reason.
 */
class DivergenceIT {
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final int BATCH = 16;
    private static final int BATCHES = 60;
    private static final long SNAPSHOT_EVERY = 10;
    /** Batch 17 is rejected alone; 33 and 34 make two in a row: a rollback to the snapshot at step 30. */
    private static final Set<Integer> POISONED = Set.of(17, 33, 34);

    private static final String MODEL = """
            model: {type: logistic, features: 4}
            loss: binary_cross_entropy
            optimizer: {type: adam, learning_rate: 0.05}
            batch_size: 16
            shuffle: false
            seed: 7
            """;
    private static final String GUARDED = MODEL + "divergence: {max_bad_batches: 2, lr_backoff: 0.5}\n";

    @TempDir
    static Path dir;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    /** The stream of one model: separable examples, the first example of each poisoned batch replaced. */
    static List<Example> stream(String model) {
        List<Example> examples = new ArrayList<>(SyntheticData.separable(model, BATCHES * BATCH, 31));
        for (int b : POISONED) {
            // Finite, so it passes validation; the model predicts x0 > 0 as positive, so label 0 is maximally wrong
            // and the gradient on w0 (~ 1e30 / 16) squares to beyond Float.MAX_VALUE in Adam's second moment.
            examples.set(b * BATCH, SyntheticData.dense(model, List.of(1e30f, 0f, 0f, 0f), 0f));
        }
        return examples;
    }

    /**
     * The reference: the learner's trainer over the same batches, in order, marked good (the state a rollback
     * returns to) where the job publishes a snapshot: after an update that takes the step {@link #SNAPSHOT_EVERY}
     * past the last snapshot.
     */
    static ModelState reference(String yaml, List<Example> examples, Set<Integer> skip, List<String> rejections) {
        TrainerConfig config = ConfigParser.parse(yaml);
        Trainer trainer = new Trainer(config);
        ModelState s = trainer.initState();
        long lastSnapshot = 0;
        for (int b = 0; b < BATCHES; b++) {
            if (skip.contains(b)) {
                continue;
            }
            float[] x = new float[BATCH * 4];
            float[] y = new float[BATCH];
            float[] w = new float[BATCH];
            for (int i = 0; i < BATCH; i++) {
                Example e = examples.get(b * BATCH + i);
                for (int j = 0; j < 4; j++) {
                    x[i * 4 + j] = e.getDense().get(j);
                }
                y[i] = e.getLabel();
                w[i] = e.getWeight();
            }
            StepResult r = trainer.train(s, Batch.dense(BATCH, 4, x, y, w));
            if (!r.applied()) {
                rejections.add(b + ": " + r.rejectReason());
            }
            if (s.step() - lastSnapshot >= SNAPSHOT_EVERY) {
                trainer.markGood(s);
                lastSnapshot = s.step();
            }
        }
        return s.withoutLastGood();
    }

    @Test
    void poisonedBatches_areRejected_rolledBackWithK_countedAndAlerted_andTheModelsEqualTheLearnersRun()
            throws Exception {
        JobConfig cfg = JobConfigParser.parse(
                """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: div-examples, models: div-models, metrics: div-metrics, dead_letters: div-dead}
                group_id: div
                start: earliest
                bounded: true
                checkpoint_interval_ms: 500
                batch_timeout_ms: 0
                restart: {attempts: 0}
                snapshot: {every_steps: %d, every_seconds: 0}
                metrics_every_batches: 5
                # The poison (1e30) must reach the trainer: lift the validator's magnitude cap above it.
                limits: {max_abs_value: 1.0e31}
                models:
                  guarded:
                %s
                  unguarded:
                %s
                """.formatted(kafka.bootstrapServers(), SNAPSHOT_EVERY, GUARDED.indent(4), MODEL.indent(4)),
                "div.yaml");
        kafka.createJobTopics(cfg.topics(), 2);
        List<Example> guarded = stream("guarded");
        List<Example> unguarded = stream("unguarded");
        Properties client = new Properties();
        client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (ExampleProducer p = new ExampleProducer(client)) {
            for (int i = 0; i < guarded.size(); i++) {
                p.send(cfg.topics().examples(), 0, "guarded", p.encode(guarded.get(i), false));
                p.send(cfg.topics().examples(), 1, "unguarded", p.encode(unguarded.get(i), false));
            }
            p.flush();
        }

        long t0 = System.nanoTime();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg);
        JobClient job = env.executeAsync(cfg.groupId());
        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        System.err.printf("bounded job over %d examples: %.1f s%n", 2 * guarded.size(), (System.nanoTime() - t0) / 1e9);

        // Nothing was dead-lettered: the poison is valid input; the trainer is what stops it.
        assertThat(kafka.readCommitted(cfg.topics().deadLetters())).isEmpty();

        List<String> guardedRejections = new ArrayList<>();
        ModelState guardedExpected = reference(GUARDED, guarded, Set.of(), guardedRejections);
        List<String> unguardedRejections = new ArrayList<>();
        ModelState unguardedExpected = reference(MODEL, unguarded, Set.of(), unguardedRejections);
        ModelState cleanRun = reference(MODEL, unguarded, POISONED, new ArrayList<>());
        assertThat(guardedRejections).hasSize(3);
        assertThat(guardedRejections.get(0)).startsWith("17: update would make the adam optimizer state non-finite");
        assertThat(guardedRejections.get(2))
                .startsWith("34: ")
                .contains("rolled back to the state marked good at " + "step 30, learning-rate scale now 0.5");

        Map<String, ModelSnapshot> latest = latestSnapshots(cfg);
        ModelState g = state(latest.get("guarded"));
        ModelState u = state(latest.get("unguarded"));
        // Bit for bit: parameters, optimizer state, step, counters and the guard's scale, streak and rollbacks.
        assertThat(g).isEqualTo(guardedExpected);
        assertThat(u).isEqualTo(unguardedExpected);
        // Rejected batches did not change the model: without the policy it equals a run that never saw them.
        assertThat(u.params()).isEqualTo(cleanRun.params());
        assertThat(u.optimizerState()).isEqualTo(cleanRun.optimizerState());
        assertThat(u.skippedBatches()).isEqualTo(3);
        assertThat(u.rollbacks()).isZero();
        assertThat(u.lrScale()).isEqualTo(1.0);
        // With K = 2 the model went back to its step-30 snapshot once and runs at half the rate since.
        assertThat(g.skippedBatches()).isEqualTo(3);
        assertThat(g.rollbacks()).isEqualTo(1);
        assertThat(g.lrScale()).isEqualTo(0.5);
        assertThat(g.step()).isEqualTo(BATCHES - 3);
        assertThat(g.examplesSeen()).isEqualTo((BATCHES - 3) * BATCH);
        assertThat(g.hasLastGood())
                .as("published snapshots carry no last-good copy")
                .isFalse();
        assertThat(latest.get("guarded").getMetrics())
                .containsEntry("skipped_batches", 3.0)
                .containsEntry("rollbacks", 1.0)
                .containsEntry("lr_scale", 0.5);

        // Alerts on the metrics topic: the first rejection after a clean window is published with its batch; the
        // rollback (the second of two in a row) with the window it falls in.
        List<TrainingMetrics> alerts = metrics(cfg).stream()
                .filter(m -> m.getModelId().equals("guarded"))
                .filter(m -> m.getAlert() != null)
                .sorted(Comparator.comparingLong(TrainingMetrics::getSkippedBatches))
                .toList();
        assertThat(alerts).extracting(TrainingMetrics::getSkippedBatches).containsExactly(1L, 2L, 3L);
        assertThat(alerts.get(0).getStep())
                .as("published at the rejected batch 17")
                .isEqualTo(17);
        assertThat(alerts.get(0).getAlert())
                .startsWith("divergence guard: 1 of 3 batches rejected")
                .contains("update would make the adam optimizer state non-finite");
        assertThat(alerts.get(1).getStep())
                .as("published at the rejected batch 33")
                .isEqualTo(32);
        assertThat(alerts.get(1).getWindowBatches()).isEqualTo(1);
        assertThat(alerts.get(2).getAlert())
                .contains("rolled back to the state marked good at step 30")
                .contains("learning-rate scale 0.5, rollbacks so far 1");
        assertThat(metrics(cfg).stream()
                        .filter(m -> m.getModelId().equals("unguarded"))
                        .filter(m -> m.getAlert() != null))
                .hasSize(3)
                .allSatisfy(m -> assertThat(m.getAlert()).contains("non-finite").doesNotContain("rolled back"));

        // Flink counters per model.
        assertThat(counter(job.getJobID(), "guarded", "skippedBatches")).isEqualTo(3);
        assertThat(counter(job.getJobID(), "guarded", "rollbacks")).isEqualTo(1);
        assertThat(counter(job.getJobID(), "unguarded", "skippedBatches")).isEqualTo(3);
        assertThat(counter(job.getJobID(), "unguarded", "rollbacks")).isZero();
    }

    static Map<String, ModelSnapshot> latestSnapshots(JobConfig cfg) {
        var codec = SingleObjectCodec.modelSnapshot();
        Map<String, ModelSnapshot> latest = new java.util.LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readCommitted(cfg.topics().models())) {
            ModelSnapshot s = decode(() -> codec.decode(r.value()));
            latest.merge(s.getModelId(), s, (a, b) -> b.getVersion() > a.getVersion() ? b : a);
        }
        return latest;
    }

    static List<TrainingMetrics> metrics(JobConfig cfg) {
        var codec = SingleObjectCodec.trainingMetrics();
        return kafka.readCommitted(cfg.topics().metrics()).stream()
                .map(r -> decode(() -> codec.decode(r.value())))
                .toList();
    }

    static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    /** The trainer's counter {@code name} in the group {@code model=<model>}. */
    static long counter(JobID job, String model, String name) {
        Map<String, Metric> found = REPORTER.findMetrics(job, ".*\\.model\\." + model + "\\." + name + "$");
        assertThat(found)
                .as("counter model.%s.%s among the job's metrics", model, name)
                .hasSize(1);
        return ((Counter) found.values().iterator().next()).getCount();
    }

    interface Decode<T> {
        T get() throws Exception;
    }

    static <T> T decode(Decode<T> d) {
        try {
            return d.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

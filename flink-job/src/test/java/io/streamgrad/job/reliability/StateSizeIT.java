package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Example;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.KafkaTestSupport;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
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
 * Bytes of checkpointed state per model, measured on real checkpoints: the trainer's keyed state (parameters,
 * optimizer state, bookkeeping, the open metrics window) must stay within what the model needs, so a state leak
 * (an INDArray falling back to Kryo, a window that is never cleared) fails here. Figures go to RELIABILITY.md.
 *
 * <p>Each job trains {@value #MODELS} models of one configuration for 14 whole batches each (the metrics window,
 * closed every 5 batches, then holds 4: its largest), and the trainer task's checkpointed size is compared before
 * and after.
 */
class StateSizeIT {
    private static final int MODELS = 4;
    private static final int BATCHES = 14;
    private static final InMemoryReporter METRICS = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
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

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("logistic-4-adam", """
                        model: {type: logistic, features: 4}
                        loss: binary_cross_entropy
                        optimizer: {type: adam, learning_rate: 0.05}
                        batch_size: 16
                        """, false),
                Arguments.of("softmax-100x10-adam", """
                        model: {type: softmax, features: 100, classes: 10}
                        loss: categorical_cross_entropy
                        optimizer: {type: adam, learning_rate: 0.01}
                        batch_size: 32
                        """, false),
                Arguments.of("logistic-100k-sparse-ftrl", """
                        model: {type: logistic, features: 100000}
                        loss: binary_cross_entropy
                        optimizer: {type: ftrl, learning_rate: 0.1}
                        batch_size: 64
                        """, true),
                Arguments.of("mlp-50-64-32-3-adam", """
                        model: {type: mlp, features: 50, classes: 3, hidden: [64, 32], activation: relu}
                        loss: categorical_cross_entropy
                        optimizer: {type: adam, learning_rate: 0.005}
                        batch_size: 32
                        """, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void checkpointedStatePerModel_isParamsPlusOptimizerPlusAWindow(
            String name, String yaml, boolean sparse, @InjectMiniCluster MiniCluster cluster) throws Exception {
        TrainerConfig config = io.streamgrad.job.TestConfigs.parse(yaml);
        List<ModelStream> models = new ArrayList<>();
        for (int m = 0; m < MODELS; m++) {
            models.add(new ModelStream(name + "-" + m, yaml, 0, examples(name + "-" + m, config, sparse, 100 + m)));
        }
        JobConfig cfg = ReliabilitySupport.jobConfig(
                kafka.bootstrapServers(), "size-" + name, models, Map.of("checkpoint_interval_ms", "30000"));
        kafka.createJobTopics(cfg.topics(), 1);
        JobClient job = ReliabilitySupport.start(cfg, new Configuration(), s -> s);
        try (ExampleProducer producer =
                new ExampleProducer(ReliabilitySupport.producerProps(kafka.bootstrapServers()))) {
            KafkaTestSupport.await(
                    "the job running", Duration.ofSeconds(60), () -> running(cluster, job) ? true : null);
            long before = trainerStateBytes(cluster, job);
            ReliabilitySupport.produce(producer, cfg.topics().examples(), models, 0, 1);
            for (ModelStream m : models) {
                KafkaTestSupport.await(
                        m.id() + " trained " + BATCHES + " batches",
                        Duration.ofSeconds(120),
                        () -> batches(job, m.id()) >= BATCHES ? true : null);
            }
            long after = trainerStateBytes(cluster, job);
            long perModel = (after - before) / MODELS;

            Trainer t = new Trainer(config);
            long core = 4L * (t.initState().params().length + t.initState().optimizerState().length);
            long window = 4L * (ReliabilitySupport.METRICS_EVERY_BATCHES - 1) * config.batchSize() * (t.outputs() + 2);
            assertThat(perModel)
                    .as("%s: checkpointed bytes per model vs params + optimizer state (%d bytes)", name, core)
                    .isGreaterThanOrEqualTo(core)
                    .isLessThanOrEqualTo(core + window + 2048);
            figures.add(String.format(
                    "StateSizeIT %-24s params+optimizer %,9d B, window (4 batches) <= %,7d B,"
                            + " measured %,9d B per model (trainer task %,d -> %,d B)",
                    name, core, window, perModel, before, after));
        } finally {
            CrashRecoveryIT.cancel(job);
        }
    }

    private static boolean running(MiniCluster cluster, JobClient job) {
        AccessExecutionGraph g;
        try {
            g = cluster.getExecutionGraph(job.getJobID()).get();
        } catch (Exception e) {
            return false; // still initialising
        }
        boolean any = false;
        for (var v : g.getAllExecutionVertices()) {
            any = true;
            if (v.getExecutionState() != org.apache.flink.runtime.execution.ExecutionState.RUNNING) {
                return false;
            }
        }
        return any && g.getState() == org.apache.flink.api.common.JobStatus.RUNNING;
    }

    /** The trainer task's state in a checkpoint triggered now. */
    private static long trainerStateBytes(MiniCluster cluster, JobClient job) throws Exception {
        long id = cluster.triggerCheckpoint(job.getJobID(), CheckpointType.FULL).get();
        AccessExecutionGraph g = cluster.getExecutionGraph(job.getJobID()).get();
        AccessExecutionJobVertex trainer = g.getAllVertices().values().stream()
                .filter(v -> v.getName().contains("trainer"))
                .findFirst()
                .orElseThrow();
        AbstractCheckpointStats stats =
                g.getCheckpointStatsSnapshot().getHistory().getCheckpointById(id);
        return stats.getTaskStateStats(trainer.getJobVertexId()).getStateSize();
    }

    /** The trainer's per-model batch counter (metric group {@code model=<id>}). */
    private static long batches(JobClient job, String modelId) {
        return METRICS.getMetricsByIdentifiers(job.getJobID()).entrySet().stream()
                .filter(e -> e.getKey().endsWith(".model." + modelId + ".batches"))
                .mapToLong(e -> ((Counter) e.getValue()).getCount())
                .sum();
    }

    /** BATCHES whole batches of learnable examples for the config: dense, or 20 non-zeros out of many features. */
    private static List<Example> examples(String model, TrainerConfig config, boolean sparse, long seed) {
        Random rnd = new Random(seed);
        int d = config.model().features();
        int classes = Math.max(2, config.model().classes());
        int n = BATCHES * config.batchSize();
        List<Example> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Example.Builder b = Example.newBuilder()
                    .setModelId(model)
                    .setEventTime(Instant.ofEpochMilli(i))
                    .setNamed(Map.of())
                    .setWeight(1f)
                    .setLabel(rnd.nextInt(classes));
            if (sparse) {
                List<Integer> idx = new ArrayList<>();
                List<Float> val = new ArrayList<>();
                for (int k = 0; k < 20; k++) {
                    idx.add(rnd.nextInt(d));
                    val.add((float) rnd.nextGaussian());
                }
                b.setDense(List.of()).setIndices(idx).setValues(val);
            } else {
                List<Float> x = new ArrayList<>(d);
                for (int j = 0; j < d; j++) {
                    x.add((float) rnd.nextGaussian());
                }
                b.setDense(x).setIndices(List.of()).setValues(List.of());
            }
            out.add(b.build());
        }
        return out;
    }
}

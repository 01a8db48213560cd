package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerConfig;

/** The job configuration, input and output checks shared by the reliability ITs. */
final class ReliabilitySupport {
    /** Snapshot policy of every reliability job: by steps only, so versions map to steps exactly. */
    static final int SNAPSHOT_EVERY_STEPS = 10;

    static final int METRICS_EVERY_BATCHES = 5;

    private ReliabilitySupport() {}

    /**
     * A job over {@code <prefix>-*} topics: short checkpoints, count-only batching (so a one-partition model's
     * batches are the same in every run), snapshots every {@link #SNAPSHOT_EVERY_STEPS} steps, a bounded
     * fixed-delay restart strategy. {@code overrides} replace or add top-level keys (YAML values).
     */
    static JobConfig jobConfig(
            String bootstrap, String prefix, List<ModelStream> models, Map<String, String> overrides) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("kafka", "{bootstrap.servers: \"" + bootstrap + "\"}");
        keys.put(
                "topics",
                "{examples: %1$s-examples, models: %1$s-models, metrics: %1$s-metrics, dead_letters: %1$s-dead}"
                        .formatted(prefix));
        keys.put("group_id", prefix);
        keys.put("start", "earliest");
        keys.put("checkpoint_interval_ms", "200");
        keys.put("batch_timeout_ms", "0");
        keys.put("snapshot", "{every_steps: " + SNAPSHOT_EVERY_STEPS + ", every_seconds: 0}");
        keys.put("metrics_every_batches", String.valueOf(METRICS_EVERY_BATCHES));
        keys.put("restart", "{attempts: 3, delay_ms: 100}");
        keys.putAll(overrides);
        StringBuilder yaml = new StringBuilder();
        keys.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        yaml.append("models:\n");
        for (ModelStream m : models) {
            yaml.append(("%s:\n%s").formatted(m.id(), m.yaml().indent(2)).indent(2));
        }
        return JobConfigParser.parse(yaml.toString(), prefix + ".yaml");
    }

    /** Submits the job to the MiniCluster of the test (the context environment), with extra Flink settings. */
    static JobClient start(JobConfig cfg, Configuration extra, UnaryOperator<DataStream<BatcherInput>> tap)
            throws Exception {
        Configuration conf = StreamgradJob.flinkConfiguration(cfg);
        conf.addAll(extra);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StreamgradJob.build(env, cfg, tap);
        return env.executeAsync(cfg.groupId());
    }

    /**
     * The checkpoint the job restored from after a failure, polled until the job's checkpoint statistics show it (the
     * statistics are a snapshot the JobManager refreshes on its own schedule, so right after the failure they can
     * still lack the restore); fails naming the job if none shows up within {@code deadline}.
     */
    static org.apache.flink.runtime.checkpoint.RestoredCheckpointStats restoredCheckpoint(
            org.apache.flink.runtime.minicluster.MiniCluster cluster, JobClient job, java.time.Duration deadline) {
        return io.streamgrad.job.KafkaTestSupport.await(
                "a restored checkpoint of job " + job.getJobID()
                        + " (it was not restored from a checkpoint after the failure)",
                deadline,
                () -> {
                    try {
                        var stats =
                                cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot();
                        return stats == null ? null : stats.getLatestRestoredCheckpoint();
                    } catch (Exception e) {
                        throw new IllegalStateException("reading job " + job.getJobID() + "'s checkpoint stats", e);
                    }
                });
    }

    static Properties producerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /**
     * Sends examples {@code [from, to)} of each model (a fraction of each) to its partition, round-robin across
     * the models, then waits until the broker has them all.
     *
     * @return per partition, the number of records sent
     */
    static Map<Integer, Integer> produce(
            ExampleProducer p, String topic, List<ModelStream> models, double from, double to) {
        Map<Integer, Integer> sent = new LinkedHashMap<>();
        int longest = models.stream().mapToInt(m -> m.examples().size()).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (ModelStream m : models) {
                int n = m.examples().size();
                if (i >= (int) Math.round(n * from) && i < (int) Math.round(n * to)) {
                    p.send(topic, m.partition(), m.id(), p.encode(m.examples().get(i), false));
                    sent.merge(m.partition(), 1, Integer::sum);
                }
            }
        }
        p.flush();
        return sent;
    }

    static CommittedTopic<ModelSnapshot> snapshotsTopic(String bootstrap, JobConfig cfg) {
        var codec = SingleObjectCodec.modelSnapshot();
        return new CommittedTopic<>(bootstrap, cfg.topics().models(), b -> decode(() -> codec.decode(b)));
    }

    static CommittedTopic<TrainingMetrics> metricsTopic(String bootstrap, JobConfig cfg) {
        var codec = SingleObjectCodec.trainingMetrics();
        return new CommittedTopic<>(bootstrap, cfg.topics().metrics(), b -> decode(() -> codec.decode(b)));
    }

    interface Decode<T> {
        T get() throws Exception;
    }

    static <T> T decode(Decode<T> d) {
        try {
            return d.get();
        } catch (Exception e) {
            throw new AssertionError("undecodable output record", e);
        }
    }

    /** A condition for {@link CommittedTopic#await}: every model has a committed snapshot at {@code step}. */
    static Boolean allAtStep(List<ModelSnapshot> snapshots, List<ModelStream> models, long step) {
        for (ModelStream m : models) {
            if (snapshots.stream().noneMatch(s -> s.getModelId().equals(m.id()) && s.getStep() >= step)) {
                return null;
            }
        }
        return true;
    }

    /** A condition: every model's last committed snapshot covers all its examples; returns those snapshots. */
    static Map<String, ModelSnapshot> finalSnapshots(List<ModelSnapshot> snapshots, List<ModelStream> models) {
        Map<String, ModelSnapshot> out = new LinkedHashMap<>();
        for (ModelStream m : models) {
            ModelSnapshot last = snapshots.stream()
                    .filter(s -> s.getModelId().equals(m.id())
                            && s.getExamplesSeen() == m.examples().size())
                    .findFirst()
                    .orElse(null);
            if (last == null) {
                return null;
            }
            out.put(m.id(), last);
        }
        return out;
    }

    static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    /**
     * Exactly once, as a read_committed consumer sees the outputs of a job that trained every example of
     * {@code models}: per model, snapshot versions 1, 2, ... in topic order with no duplicate and no gap, each at
     * the step the snapshot policy says ({@code version * SNAPSHOT_EVERY_STEPS}) with {@code step * batch size}
     * examples seen; metrics windows once per {@code (model, step)}, every {@link #METRICS_EVERY_BATCHES} steps;
     * and the last snapshot equal, bit for bit, to the learner trained on the same examples.
     */
    static void assertTrainedExactlyOnce(
            List<ModelSnapshot> snapshots, List<TrainingMetrics> metrics, List<ModelStream> models) {
        for (ModelStream m : models) {
            int b = m.batchSize();
            long steps = m.examples().size() / b;
            List<ModelSnapshot> mine = snapshots.stream()
                    .filter(s -> s.getModelId().equals(m.id()))
                    .toList();
            assertThat(mine)
                    .as("snapshots of %s (versions, steps) in topic order", m.id())
                    .extracting(ModelSnapshot::getVersion)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, steps / SNAPSHOT_EVERY_STEPS)
                            .boxed()
                            .toList());
            assertThat(mine)
                    .as("steps of the snapshots of %s", m.id())
                    .extracting(ModelSnapshot::getStep)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, steps / SNAPSHOT_EVERY_STEPS)
                            .map(v -> v * SNAPSHOT_EVERY_STEPS)
                            .boxed()
                            .toList());
            assertThat(mine)
                    .as("examples seen by the snapshots of %s", m.id())
                    .allSatisfy(s -> assertThat(s.getExamplesSeen()).isEqualTo(s.getStep() * b));
            ModelSnapshot last = mine.get(mine.size() - 1);
            assertThat(last.getExamplesSeen())
                    .as("examples seen by %s", m.id())
                    .isEqualTo(m.examples().size());
            assertThat(state(last))
                    .as("final state of %s vs the learner on the same examples", m.id())
                    .isEqualTo(m.reference());

            List<Long> windows = metrics.stream()
                    .filter(t -> t.getModelId().equals(m.id()))
                    .map(TrainingMetrics::getStep)
                    .sorted()
                    .toList();
            assertThat(windows)
                    .as("metrics windows (steps) of %s: one per step, no duplicates", m.id())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, steps / METRICS_EVERY_BATCHES)
                            .map(w -> w * METRICS_EVERY_BATCHES)
                            .boxed()
                            .toList());
        }
        assertThat(snapshots)
                .extracting(ModelSnapshot::getModelId)
                .allMatch(id -> models.stream().anyMatch(m -> m.id().equals(id)));
    }

    /** Per model, the snapshot versions in topic order (for messages). */
    static Map<String, List<Long>> versions(List<ModelSnapshot> snapshots) {
        return snapshots.stream()
                .collect(Collectors.groupingBy(
                        ModelSnapshot::getModelId,
                        LinkedHashMap::new,
                        Collectors.mapping(ModelSnapshot::getVersion, Collectors.toList())));
    }
}

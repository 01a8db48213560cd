package io.streamgrad.job.reliability;

import static io.streamgrad.job.reliability.ReliabilitySupport.jobConfig;
import static io.streamgrad.job.reliability.ReliabilitySupport.produce;
import static io.streamgrad.job.reliability.ReliabilitySupport.producerProps;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.warmstart.WarmStart;
import io.streamgrad.job.warmstart.WarmStartSet;
import io.streamgrad.schemas.SingleObjectCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Delta versions, exactly once, on the real broker and MiniCluster: a hashed sparse logistic model
 * ({@code sparse_updates: true}) publishes deltas between full versions, with {@code deltas.full_copies} so every
 * version's full snapshot can be compared. Three task failures (injected at seeded records in the middle of the
 * stream) restore the job from checkpoints, taken (almost surely) while the dirty set was non-empty. A read_committed reader of both topics then sees versions 1..N once each (no gap, no duplicate, in
 * order per topic), and every delta version rebuilt from its full version + the deltas is bit-identical to its full
 * copy; the last version equals the learner alone on the same examples.
 */
class DeltaRecoveryIT {
    private static final int FEATURES = 1 << 12;
    private static final int EXAMPLES = 960; // 120 batches of 8, in 4 chunks of 30 batches
    private static final int CHUNKS = 4;
    /**
     * A version every 7 steps: at 6 of 7 step positions (and at the end of every chunk: 30, 60, 90 are not multiples
     * of 7) the dirty set holds rows of unpublished steps, so a restored checkpoint almost surely carries some.
     */
    private static final int EVERY_STEPS = 7;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    static ModelStream hashed(int n, long seed) {
        String yaml = """
                model: {type: logistic, features: %d}
                loss: binary_cross_entropy
                optimizer: {type: adam, learning_rate: 0.05}
                batch_size: 8
                sparse_updates: true
                seed: 7
                """.formatted(FEATURES);
        Random rnd = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> idx =
                    rnd.ints(0, FEATURES).distinct().limit(5).sorted().boxed().toList();
            List<Float> val = new ArrayList<>();
            double score = 0;
            for (int j : idx) {
                float v = (float) rnd.nextGaussian();
                val.add(v);
                score += (j % 2 == 0 ? 1 : -1) * v;
            }
            out.add(Example.newBuilder()
                    .setModelId("ctr")
                    .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
                    .setDense(List.of())
                    .setIndices(idx)
                    .setValues(val)
                    .setNamed(Map.of())
                    .setLabel(score > 0 ? 1 : 0)
                    .setWeight(1f)
                    .build());
        }
        return new ModelStream("ctr", yaml, 0, out);
    }

    private static CommittedTopic<ModelDelta> updatesTopic(JobConfig cfg) {
        var codec = SingleObjectCodec.modelDelta();
        return new CommittedTopic<>(
                kafka.bootstrapServers(),
                cfg.topics().updates(),
                b -> ReliabilitySupport.decode(() -> codec.decode(b)));
    }

    private static JobConfig config(String prefix, List<ModelStream> models, String deltas) {
        return jobConfig(
                kafka.bootstrapServers(),
                prefix,
                models,
                Map.of(
                        "topics",
                        "{examples: %1$s-examples, models: %1$s-models, metrics: %1$s-metrics, dead_letters: %1$s-dead,"
                                        .formatted(prefix)
                                + " updates: " + prefix + "-updates}",
                        "snapshot",
                        "{every_steps: " + EVERY_STEPS + ", every_seconds: 0}",
                        "restart",
                        "{attempts: 5, delay_ms: 100}",
                        "deltas",
                        deltas));
    }

    @Test
    void taskFailuresBetweenVersions_everyDeltaVersionRebuildsBitIdentically_andEachVersionIsSeenOnce()
            throws Exception {
        String prefix = "delta-crash";
        ModelStream ctr = hashed(EXAMPLES, 21);
        List<ModelStream> models = List.of(ctr);
        JobConfig cfg = config(
                prefix, models, "{enabled: true, full_every_versions: 4, full_every_seconds: 3600, full_copies: true}");
        kafka.createJobTopics(cfg.topics(), 1);
        assertThat(JobTopics.checkUpdatesTopic(kafka.admin(), cfg, Duration.ofSeconds(30)))
                .as("the updates topic as --create-topics makes it")
                .isEmpty();

        // One failure in each of chunks 2-4, at a seeded record.
        Random rnd = new Random(0xDE17AL);
        int chunk = EXAMPLES / CHUNKS;
        long[] killAt = {chunk + rnd.nextInt(chunk), 2L * chunk + rnd.nextInt(chunk), 3L * chunk + rnd.nextInt(chunk)};
        UnaryOperator<org.apache.flink.streaming.api.datastream.DataStream<io.streamgrad.job.records.BatcherInput>>
                failures = s -> {
                    var out = s;
                    for (int k = 0; k < killAt.length; k++) {
                        out = out.map(new FailOnceAt(prefix + "-" + k, 0, killAt[k]))
                                .uid("failure-injector-" + k)
                                .name("failure injector " + k);
                    }
                    return out;
                };
        long lastVersion = (EXAMPLES / 8) / EVERY_STEPS; // 17
        JobClient job = ReliabilitySupport.start(cfg, new Configuration(), failures);
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                CommittedTopic<ModelDelta> updates = updatesTopic(cfg)) {
            for (int c = 0; c < CHUNKS; c++) {
                produce(producer, cfg.topics().examples(), models, (double) c / CHUNKS, (double) (c + 1) / CHUNKS);
                long version = (30L * (c + 1)) / EVERY_STEPS;
                // The next chunk goes out once this one's last version is committed.
                snapshots.await(
                        "version " + version + " committed",
                        Duration.ofSeconds(120),
                        s -> s.stream().anyMatch(x -> x.getVersion() == version) ? true : null);
            }
            for (int k = 0; k < killAt.length; k++) {
                assertThat(FailOnceAt.fired(prefix + "-" + k))
                        .as("failure %d fired", k)
                        .isTrue();
            }
            CrashRecoveryIT.cancel(job);

            List<ModelSnapshot> fulls = snapshots.readToEnd(Duration.ofSeconds(30));
            List<ModelDelta> deltas = updates.readToEnd(Duration.ofSeconds(30));
            DeltaChains.Checked c = DeltaChains.assertEveryVersionRebuilds(fulls, deltas);
            assertThat(c.versions()).isEqualTo(lastVersion);
            assertThat(deltas)
                    .extracting(ModelDelta::getVersion)
                    .as("full every 4 versions: 1, 5, 9, 13, 17")
                    .containsExactly(2L, 3L, 4L, 6L, 7L, 8L, 10L, 11L, 12L, 14L, 15L, 16L);
            ModelSnapshot last = fulls.get(fulls.size() - 1);
            assertThat(DeltaChains.state(last))
                    .as("the last version vs the learner alone on the same examples")
                    .isEqualTo(ctr.reference((int) (lastVersion * EVERY_STEPS * 8)));
        } finally {
            CrashRecoveryIT.cancel(job);
        }
    }

    /**
     * Warm start without a checkpoint while the models topic holds only full version 1 and the updates topic deltas
     * 2..5: the model continues from version 1's state, numbers its next version 6 (above the deltas) and publishes it
     * full (it cannot base a delta on state it does not have).
     */
    @Test
    void warmStartAboveDeltas_continuesTheNumbering_withAFullVersion() throws Exception {
        String prefix = "delta-warm";
        ModelStream ctr = hashed(80, 33); // 10 batches
        List<ModelStream> models = List.of(ctr);
        JobConfig cfg = config(prefix, models, "{enabled: true, full_every_seconds: 3600}");
        JobConfig everyStep = jobConfig(
                kafka.bootstrapServers(),
                prefix,
                models,
                Map.of(
                        "topics",
                        "{examples: %1$s-examples, models: %1$s-models, metrics: %1$s-metrics, dead_letters: %1$s-dead,"
                                        .formatted(prefix)
                                + " updates: " + prefix + "-updates}",
                        "snapshot",
                        "{every_steps: 1, every_seconds: 0}",
                        "deltas",
                        "{enabled: true, full_every_seconds: 3600}"));
        kafka.createJobTopics(cfg.topics(), 1);
        try (ExampleProducer producer = new ExampleProducer(producerProps(kafka.bootstrapServers()));
                CommittedTopic<ModelSnapshot> snapshots =
                        ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg);
                CommittedTopic<ModelDelta> updates = updatesTopic(cfg)) {
            JobClient first = start(everyStep, WarmStartSet.none());
            try {
                produce(producer, cfg.topics().examples(), models, 0, 0.5);
                updates.await(
                        "deltas 2..5",
                        Duration.ofSeconds(120),
                        d -> d.stream().anyMatch(x -> x.getVersion() == 5) ? true : null);
            } finally {
                CrashRecoveryIT.cancel(first);
            }
            assertThat(snapshots.readToEnd(Duration.ofSeconds(30)))
                    .extracting(ModelSnapshot::getVersion)
                    .containsExactly(1L);

            WarmStartSet warm = WarmStart.load(everyStep, false);
            assertThat(warm.snapshot("ctr").getVersion()).isEqualTo(1);
            assertThat(warm.newestDeltaVersion("ctr")).isEqualTo(5);
            JobClient second = start(everyStep, warm);
            try {
                produce(producer, cfg.topics().examples(), models, 0.5, 1);
                snapshots.await(
                        "the first version after the warm start",
                        Duration.ofSeconds(120),
                        s -> s.size() >= 2 ? true : null);
                updates.await(
                        "deltas after it, up to version 14",
                        Duration.ofSeconds(120),
                        d -> d.stream().anyMatch(x -> x.getVersion() == 14) ? true : null);
            } finally {
                CrashRecoveryIT.cancel(second);
            }
            List<ModelSnapshot> fulls = snapshots.readToEnd(Duration.ofSeconds(30));
            List<ModelDelta> deltas = updates.readToEnd(Duration.ofSeconds(30));
            assertThat(fulls).extracting(ModelSnapshot::getVersion).containsExactly(1L, 6L);
            assertThat(fulls.get(1).getStep())
                    .as("version 6: version 1's state trained on batch 2 again")
                    .isEqualTo(2);
            assertThat(deltas)
                    .extracting(ModelDelta::getVersion)
                    .containsExactly(2L, 3L, 4L, 5L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L);
            assertThat(deltas.subList(4, deltas.size()))
                    .allSatisfy(d -> assertThat(d.getFullVersion()).isEqualTo(6));
            assertThat(DeltaChains.state(fulls.get(1)))
                    .as("warm-started state, one batch on")
                    .isEqualTo(ctr.reference(16));
        }
    }

    @Test
    void updatesTopicThatDropsDeltas_isRefusedNamingTheKeys() throws Exception {
        JobConfig cfg = config("delta-retention", List.of(hashed(8, 1)), "{enabled: true, full_every_seconds: 600}");
        kafka.createTopics(new NewTopic(cfg.topics().updates(), 1, (short) 1)
                .configs(Map.of("cleanup.policy", "compact", "retention.ms", "60000")));
        assertThat(String.join("\n", JobTopics.checkUpdatesTopic(kafka.admin(), cfg, Duration.ofSeconds(30))))
                .contains("topics.updates=delta-retention-updates")
                .contains("cleanup.policy=compact")
                .contains("retention.ms=60000, less than twice deltas.full_every_seconds (600 s, so at least 1200000")
                .contains("kafka-configs.sh");
    }

    private static JobClient start(JobConfig cfg, WarmStartSet warm) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg, warm);
        return env.executeAsync(cfg.groupId());
    }
}

package io.streamgrad.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The follower on a real broker: fed by the real job on a Flink MiniCluster, and by snapshots written with the job's
 * codecs for the cases a job cannot be made to produce (old versions to pin, corrupt records).
 */
class ModelFollowerIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    // ------------------------------------------------------------------------------------------ the real job

    @Test
    void realJob_followerSwapsVersionsAtomically_andANewFollowerBootstrapsToTheNewest() throws Exception {
        JobConfig cfg = JobConfigParser.parse("""
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: job-examples, models: job-models, metrics: job-metrics, dead_letters: job-dead}
                group_id: job
                start: earliest
                checkpoint_interval_ms: 300
                batch_timeout_ms: 0
                restart: {attempts: 0}
                snapshot: {every_steps: 4, every_seconds: 0}
                models:
                  clicks: {model: {type: logistic, features: 4}, loss: binary_cross_entropy,
                           optimizer: {type: adam, learning_rate: 0.05}, batch_size: 16}
                """.formatted(KAFKA.bootstrapServers()), "job.yaml");
        KAFKA.createJobTopics(cfg.topics(), 1);
        List<Example> clicks = SyntheticData.separable("clicks", 2400, 5);
        int rounds = 4;
        Batch batch = Snapshots.batch(8);
        List<Long> notified = Collections.synchronizedList(new ArrayList<>());
        // version -> every distinct prediction the reader saw tagged with that version
        Map<Long, Set<String>> seen = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();

        try (ModelFollower follower = ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic(cfg.topics().models())
                .follow("clicks")
                .listener((model, previous) -> notified.add(model.version()))
                .build()
                .start()) {
            Thread reader = new Thread(() -> {
                try {
                    long last = 0;
                    while (!stop.get()) {
                        ServableModel m = follower.model("clicks").orElse(null);
                        if (m == null) {
                            Thread.onSpinWait();
                            continue;
                        }
                        float[] p = m.predict(batch);
                        assertThat(m.version()).as("versions only move forward").isGreaterThanOrEqualTo(last);
                        last = m.version();
                        seen.computeIfAbsent(m.version(), v -> ConcurrentHashMap.newKeySet())
                                .add(Arrays.toString(p));
                    }
                } catch (Throwable t) {
                    readerFailure.set(t);
                }
            });
            reader.start();

            // The examples arrive in rounds while the job runs: each round's versions reach the follower while the
            // reader predicts, so the reader sees versions swapped under it.
            JobClient job = start(cfg);
            try (ExampleProducer p = new ExampleProducer(KAFKA.clientProperties())) {
                int perRound = clicks.size() / rounds;
                for (int round = 1; round <= rounds; round++) {
                    for (Example e : clicks.subList((round - 1) * perRound, round * perRound)) {
                        p.send(cfg.topics().examples(), 0, "clicks", p.encode(e, false));
                    }
                    p.flush();
                    int versionsSeen = round;
                    await("the reader predicts with a version of round " + round, () -> seen.size() >= versionsSeen);
                }
            }
            job.cancel().get();
            List<ModelSnapshot> published = snapshots(cfg.topics().models());
            long newest = published.get(published.size() - 1).getVersion();
            assertThat(published).hasSizeGreaterThan(5);

            await(
                    "follower reaches version " + newest,
                    () -> follower.model("clicks")
                            .map(m -> m.version() == newest)
                            .orElse(false));
            stop.set(true);
            reader.join();

            assertThat(readerFailure.get()).isNull();
            assertThat(seen.keySet()).as("versions the reader predicted with").hasSizeGreaterThanOrEqualTo(2);
            for (ModelSnapshot s : published) {
                Set<String> predictions = seen.get(s.getVersion());
                if (predictions != null) {
                    assertThat(predictions)
                            .as("predictions tagged version %d", s.getVersion())
                            .containsExactly(Arrays.toString(Snapshots.offlinePredict(s, batch)));
                }
            }
            assertThat(published.stream().map(ModelSnapshot::getVersion)).containsAll(seen.keySet());
            assertThat(notified).isSorted().doesNotHaveDuplicates().contains(newest);
            FollowerMetrics metrics = follower.metrics();
            assertThat(metrics.ready()).isTrue();
            assertThat(metrics.offsetsBehind()).isZero();
            assertThat(metrics.models().get("clicks").lastApplyNanos()).isPositive();
        }

        // A service started after the job: bootstraps straight to the newest version on the compacted topic.
        List<ModelSnapshot> published = snapshots(cfg.topics().models());
        ModelSnapshot newest = published.get(published.size() - 1);
        try (ModelFollower late = follower(cfg.topics().models()).start()) {
            assertThat(late.awaitReady(DEADLINE)).isTrue();
            ServableModel m = late.model("clicks").orElseThrow();
            assertThat(m.version()).isEqualTo(newest.getVersion());
            assertThat(m.step()).isEqualTo(newest.getStep());
            assertThat(m.examplesSeen()).isEqualTo(newest.getExamplesSeen());
            assertThat(m.createdAt()).isEqualTo(newest.getCreatedAt());
            assertThat(m.predict(batch)).containsExactly(Snapshots.offlinePredict(newest, batch));
        }
    }

    // ------------------------------------------------------------------------------ snapshots written directly

    @Test
    void pinRollbackUnpin_serveTheChosenRetainedVersion_andNewVersionsWaitWhilePinned() throws Exception {
        String topic = topic("pins");
        Map<Long, ModelSnapshot> v = new java.util.HashMap<>();
        for (long i = 1; i <= 4; i++) {
            v.put(i, Snapshots.logistic("m", i, T0.plusSeconds(i)));
            produce(topic, "m", Snapshots.encode(v.get(i)));
        }
        Batch batch = Snapshots.batch(4);
        try (ModelFollower f = ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic(topic)
                .retainVersions(3)
                .build()
                .start()) {
            assertThat(f.awaitReady(DEADLINE)).isTrue();
            assertThat(f.model("m").orElseThrow().version()).isEqualTo(4);
            assertThat(f.metrics().models().get("m").retainedVersions()).containsExactly(2L, 3L, 4L);

            ServableModel rolled = f.rollback("m");
            assertThat(rolled.version()).isEqualTo(3);
            assertThat(f.model("m").orElseThrow().predict(batch))
                    .containsExactly(Snapshots.offlinePredict(v.get(3L), batch));

            v.put(5L, Snapshots.logistic("m", 5, T0.plusSeconds(5)));
            produce(topic, "m", Snapshots.encode(v.get(5L)));
            await("version 5 read", () -> f.metrics().models().get("m").newestVersion() == 5);
            FollowerMetrics.ModelMetrics m = f.metrics().models().get("m");
            assertThat(m.version()).as("still pinned").isEqualTo(3);
            assertThat(m.pinnedVersion()).hasValue(3);
            assertThat(m.versionsBehindNewest()).isEqualTo(2);

            assertThatThrownBy(() -> f.pin("m", 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("version 1 of model 'm' is not retained (retained: [3, 4, 5])");
            assertThatThrownBy(() -> f.rollback("m", 4)).hasMessageContaining("the live version is 3");
            assertThatThrownBy(() -> f.pin("ghost", 1)).hasMessageContaining("model 'ghost' has no version");

            assertThat(f.pin("m", 4).version()).isEqualTo(4);
            assertThat(f.unpin("m").version()).isEqualTo(5);
            assertThat(f.model("m").orElseThrow().predict(batch))
                    .containsExactly(Snapshots.offlinePredict(v.get(5L), batch));
            assertThat(f.metrics().models().get("m").pinnedVersion()).isEmpty();
        }

        try (ModelFollower pinned = ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic(topic)
                .pin("m", 4)
                .build()
                .start()) {
            assertThat(pinned.awaitReady(DEADLINE)).isTrue();
            assertThat(pinned.model("m").orElseThrow().version())
                    .as("pinned by configuration")
                    .isEqualTo(4);
        }
    }

    @Test
    void metrics_readyOnceEveryFollowedModelHasAVersion_stalenessFromCreatedAt() throws Exception {
        String topic = topic("ready");
        produce(topic, "a", Snapshots.encode(Snapshots.logistic("a", 1, T0)));
        produce(topic, "other", Snapshots.encode(Snapshots.logistic("other", 1, T0)));
        Clock clock = Clock.fixed(T0.plusSeconds(90), ZoneOffset.UTC);
        try (ModelFollower f = ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic(topic)
                .follow("a", "b")
                .clock(clock)
                .build()
                .start()) {
            await("bootstrapped", () -> f.metrics().bootstrapped());
            FollowerMetrics before = f.metrics();
            assertThat(before.ready()).as("b has no version yet").isFalse();
            assertThat(f.isReady()).isFalse();
            assertThat(before.models()).containsOnlyKeys("a");
            assertThat(before.models().get("a").stalenessSeconds()).isEqualTo(90.0);
            assertThat(before.models().get("a").lastApplyNanos()).isPositive();

            produce(topic, "b", Snapshots.encode(Snapshots.logistic("b", 1, T0.plusSeconds(60))));
            assertThat(f.awaitReady(DEADLINE)).isTrue();
            await("caught up", () -> f.metrics().offsetsBehind() == 0);
            FollowerMetrics after = f.metrics();
            assertThat(after.ready()).isTrue();
            assertThat(after.models().get("b").stalenessSeconds()).isEqualTo(30.0);
            assertThat(after.models().get("b").versionsApplied()).isEqualTo(1);
            assertThat(after.models().get("b").createdAt()).isEqualTo(T0.plusSeconds(60));
            assertThat(after.skippedRecords()).isZero();
        }
    }

    @Test
    void corruptRecords_areSkippedWithTopicPartitionOffset_andTheFollowerKeepsServing() throws Exception {
        String topic = topic("corrupt");
        produce(topic, "m", Snapshots.encode(Snapshots.logistic("m", 1, T0)));
        long garbageAtBootstrap = produce(topic, "m", "not a snapshot".getBytes(StandardCharsets.UTF_8));
        Batch batch = Snapshots.batch(2);
        try (ModelFollower f = follower(topic).start()) {
            assertThat(f.awaitReady(DEADLINE)).isTrue();
            assertThat(f.model("m").orElseThrow().version()).isEqualTo(1);
            assertThat(f.metrics().skippedRecords()).isEqualTo(1);
            assertThat(f.metrics().lastError())
                    .contains("models topic '" + topic + "' partition 0 offset " + garbageAtBootstrap)
                    .contains("not a ModelSnapshot");

            // A snapshot whose state does not fit its config (2 parameters for a 5-parameter model).
            long misfit = produce(
                    topic,
                    "m",
                    Snapshots.encode(Snapshots.snapshot("m", 2, T0, Snapshots.LOGISTIC_YAML, new float[] {1f, 2f})));
            await("misfit skipped", () -> f.metrics().skippedRecords() == 2);
            assertThat(f.metrics().lastError())
                    .contains("partition 0 offset " + misfit)
                    .contains("version 2 of model 'm' skipped")
                    .contains("does not belong to its config_yaml");
            assertThat(f.model("m").orElseThrow().version()).as("still serving").isEqualTo(1);

            ModelSnapshot v3 = Snapshots.logistic("m", 3, T0);
            produce(topic, "m", Snapshots.encode(v3));
            await("version 3 live", () -> f.model("m").orElseThrow().version() == 3);
            assertThat(f.model("m").orElseThrow().predict(batch)).containsExactly(Snapshots.offlinePredict(v3, batch));
        }
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private static ModelFollower follower(String topic) {
        return ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic(topic)
                .build();
    }

    private static String topic(String name) throws Exception {
        String topic = "models-" + name;
        KAFKA.createTopics(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")));
        return topic;
    }

    /** Produces one record and returns its offset. */
    private static long produce(String topic, String key, byte[] value) throws Exception {
        Properties p = KAFKA.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            RecordMetadata md = producer.send(
                            new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), value))
                    .get();
            return md.offset();
        }
    }

    private static JobClient start(JobConfig cfg) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg);
        return env.executeAsync(cfg.groupId());
    }

    private static List<ModelSnapshot> snapshots(String topic) throws Exception {
        var codec = SingleObjectCodec.modelSnapshot();
        List<ModelSnapshot> out = new ArrayList<>();
        for (var r : KAFKA.readCommitted(topic)) {
            out.add(codec.decode(r.value()));
        }
        return out;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(DEADLINE, what, condition);
    }
}

package io.streamgrad.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Predictor;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Full versions on the models topic and deltas on the updates topic, on a real broker, built from REAL training
 * states: a hashed logistic model (2^18 features) trained by the learner's {@link Trainer} with sparse updates, each
 * published version a few batches later, its delta {@link ParameterDelta#between} the two trained states. The
 * reference for every version is the learner's offline {@link Predictor} on that version's full trained
 * parameters.
 */
class ModelFollowerDeltaIT {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final int FEATURES = 1 << 18;
    private static final String YAML = """
            model: {type: logistic, features: %d}
            loss: binary_cross_entropy
            optimizer: {type: adagrad, learning_rate: 0.1}
            batch_size: 32
            sparse_updates: true
            seed: 3
            """.formatted(FEATURES);
    private static final int VERSIONS = 14;
    /** A full snapshot (parameters and Adagrad state, 2^18 floats each) is 2 MiB. */
    private static final int MAX_BYTES = 8 << 20;
    /** Published only as a full version, and late: deltas after it arrive first and must wait for it. */
    private static final int LATE_FULL = 9;

    @Test
    void fullVersionAndDeltas_everyVersionPredictsAsTheOfflinePredictorOfItsFullState_andNoReaderSeesAMix()
            throws Exception {
        KAFKA.createTopics(
                new NewTopic("dm-models", 1, (short) 1)
                        .configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "" + MAX_BYTES)),
                new NewTopic("dm-updates", 1, (short) 1));
        TrainerConfig config = ConfigParser.parse(YAML);
        List<ModelState> states = train(config);
        Batch sparse = sparseBatch(new Random(99), 16);
        Predictor offline = new Predictor(config);
        List<float[]> expected = new ArrayList<>();
        expected.add(null);
        for (int v = 1; v <= VERSIONS; v++) {
            expected.add(offline.predict(states.get(v).params(), sparse, null));
        }

        List<ServableModel> notified = Collections.synchronizedList(new ArrayList<>());
        try (ModelFollower f = ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic("dm-models")
                .updatesTopic("dm-updates")
                .follow("ctr")
                .retainVersions(4)
                .listener((m, previous) -> notified.add(m))
                .build()
                .start()) {
            // A reader predicting nonstop: every answer must be exactly its version's offline prediction.
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong predictions = new AtomicLong();
            AtomicReference<String> mixed = new AtomicReference<>();
            Map<Long, Boolean> versionsSeen = new ConcurrentHashMap<>();
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    ServableModel m = f.model("ctr").orElse(null);
                    if (m == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    float[] p = m.predict(sparse);
                    if (!bitsEqual(p, expected.get((int) m.version()))) {
                        mixed.compareAndSet(null, "version " + m.version() + " answered differently");
                    }
                    versionsSeen.put(m.version(), true);
                    predictions.incrementAndGet();
                }
            });
            reader.start();
            try {
                produce("dm-models", full(states, 1));
                await("version 1 live", () -> f.model("ctr").isPresent());
                for (int v = 2; v <= VERSIONS; v++) {
                    if (v != LATE_FULL) {
                        produce("dm-updates", delta(states, v));
                    }
                    if (v == 5) {
                        // Two topics have no order between them: a full version 5 read before deltas 2..5 would
                        // rightly supersede them (the listener would never see 2..4, and 5 would count as full).
                        // Verification mode publishes the full copy of a version its delta already made.
                        await(
                                "version 5 live",
                                () -> f.model("ctr").orElseThrow().version() == 5);
                        produce("dm-models", full(states, 5)); // verification mode: version 5 both ways
                    }
                    if (v == 6) {
                        produce("dm-updates", "not a delta".getBytes(StandardCharsets.UTF_8));
                    }
                    if (v == 7) {
                        produce("dm-updates", delta(states, 7)); // a duplicate
                    }
                }
                await(
                        "deltas after the gap buffered",
                        () -> f.metrics().models().get("ctr").bufferedDeltas() == VERSIONS - LATE_FULL);
                FollowerMetrics.ModelMetrics waiting = f.metrics().models().get("ctr");
                assertThat(waiting.version()).isEqualTo(LATE_FULL - 1);
                assertThat(waiting.missingVersion()).isEqualTo(LATE_FULL);
                assertThat(waiting.newestVersion()).isEqualTo(VERSIONS);
                assertThat(waiting.versionsBehindNewest()).isEqualTo(VERSIONS - LATE_FULL + 1);

                produce("dm-models", full(states, LATE_FULL)); // the gap filled from the other topic
                await(
                        "version " + VERSIONS + " live",
                        () -> f.model("ctr").orElseThrow().version() == VERSIONS);
                await("the reader saw the last version", () -> versionsSeen.containsKey((long) VERSIONS));
            } finally {
                stop.set(true);
                reader.join();
            }
            assertThat(mixed.get()).as("a reader saw a mixed version").isNull();
            assertThat(predictions.get()).isPositive();

            // Listeners saw every version once, in order; each predicts as its full state, bit for bit.
            assertThat(notified.stream().map(ServableModel::version))
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, VERSIONS)
                            .boxed()
                            .toList());
            for (ServableModel m : notified) {
                int v = (int) m.version();
                assertThat(bitsEqual(m.predict(sparse), expected.get(v)))
                        .as("version %d", v)
                        .isTrue();
                assertThat(m.parameters())
                        .as("version %d", v)
                        .isEqualTo(states.get(v).params());
                assertThat(m.step()).isEqualTo(states.get(v).step());
                assertThat(m.examplesSeen()).isEqualTo(states.get(v).examplesSeen());
            }
            // Each version keeps only the blocks that changed: made from a delta, or read as a full version.
            for (int i = 1; i < notified.size(); i++) {
                BlockedParams before = notified.get(i - 1).blockedParameters();
                BlockedParams after = notified.get(i).blockedParameters();
                int shared = 0;
                for (int b = 0; b < after.blockCount(); b++) {
                    shared += after.block(b) == before.block(b) ? 1 : 0;
                }
                assertThat(shared)
                        .as("version %d shares blocks with %d", i + 1, i)
                        .isGreaterThan(after.blockCount() / 2);
            }
            // Dense input too (the same model, a dense batch of the same examples).
            Batch dense = Batch.dense(sparse.size(), FEATURES, sparse.toDenseArray(), new float[sparse.size()], null);
            ServableModel newest = f.model("ctr").orElseThrow();
            assertThat(bitsEqual(
                            newest.predict(dense),
                            offline.predict(states.get(VERSIONS).params(), dense, null)))
                    .isTrue();

            FollowerMetrics metrics = f.metrics();
            FollowerMetrics.ModelMetrics m = metrics.models().get("ctr");
            assertThat(m.fullVersions()).as("versions 1 and " + LATE_FULL).isEqualTo(2);
            assertThat(m.deltaVersions()).isEqualTo(VERSIONS - 2);
            assertThat(m.maxDeltaApplyNanos()).isPositive();
            assertThat(m.bufferedDeltas()).isZero();
            assertThat(m.missingVersion()).isZero();
            assertThat(m.retainedVersions()).containsExactly(11L, 12L, 13L, 14L);
            assertThat(metrics.skippedRecords()).as("the corrupt delta").isEqualTo(1);
            assertThat(metrics.lastError())
                    .contains("updates topic 'dm-updates' partition 0 offset")
                    .contains("not a ModelDelta");
            await("caught up on both topics", () -> f.metrics().offsetsBehind() == 0);

            // Rolling back to a retained version made from a delta serves exactly that version.
            ServableModel rolled = f.rollback("ctr", 12);
            assertThat(bitsEqual(rolled.predict(sparse), expected.get(12))).isTrue();
            assertThat(f.unpin("ctr").version()).isEqualTo(VERSIONS);
        }

        // A follower started now: the full versions retained at bootstrap (1, 5, 9: retainVersions 3), then the
        // deltas after the newest (10..14); older deltas are skipped.
        List<Long> lateNotified = Collections.synchronizedList(new ArrayList<>());
        try (ModelFollower late = ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic("dm-models")
                .updatesTopic("dm-updates")
                .listener((m, previous) -> lateNotified.add(m.version()))
                .build()
                .start()) {
            assertThat(late.awaitReady(DEADLINE)).isTrue();
            ServableModel m = late.model("ctr").orElseThrow();
            assertThat(m.version())
                    .as("ready only once the updates topic was read to its end")
                    .isEqualTo(VERSIONS);
            assertThat(bitsEqual(m.predict(sparse), expected.get(VERSIONS))).isTrue();
            FollowerMetrics.ModelMetrics lm = late.metrics().models().get("ctr");
            assertThat(lm.fullVersions()).isEqualTo(3);
            assertThat(lm.retainedVersions()).containsExactly(12L, 13L, 14L);
            assertThat(lateNotified)
                    .as("the newest full version, then each delta")
                    .containsExactly(9L, 10L, 11L, 12L, 13L, 14L);
            assertThat(lm.deltaVersions()).isEqualTo(VERSIONS - LATE_FULL);
        }
    }

    // ----------------------------------------------------------------------------------------------- helpers

    /** States 1..VERSIONS of real training: a batch of 8 hashed examples between versions (state 0 unused). */
    private static List<ModelState> train(TrainerConfig config) {
        Trainer trainer = new Trainer(config);
        ModelState state = trainer.initState();
        Random r = new Random(5);
        List<ModelState> out = new ArrayList<>();
        out.add(null);
        for (int v = 1; v <= VERSIONS; v++) {
            trainer.train(state, sparseBatch(r, 8));
            out.add(state.copy());
        }
        return out;
    }

    /** Hashed-feature examples: 20 features each out of 2^16, labels from a fixed rule. */
    private static Batch sparseBatch(Random r, int n) {
        int[] ptr = new int[n + 1];
        int[] idx = new int[n * 20];
        float[] val = new float[n * 20];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            ptr[i] = i * 20;
            int odd = 0;
            for (int p = 0; p < 20; p++) {
                int j = r.nextInt(FEATURES);
                idx[i * 20 + p] = j;
                val[i * 20 + p] = 1f;
                odd += j & 1;
            }
            labels[i] = odd > 10 ? 1f : 0f;
        }
        ptr[n] = n * 20;
        return Batch.sparse(n, FEATURES, ptr, idx, val, labels, null);
    }

    private static ModelSnapshot snapshot(List<ModelState> states, int v) {
        ModelState s = states.get(v);
        return ModelSnapshot.newBuilder()
                .setModelId("ctr")
                .setVersion(v)
                .setStep(s.step())
                .setExamplesSeen(s.examplesSeen())
                .setCreatedAt(T0.plusSeconds(v))
                .setConfigYaml(YAML)
                .setState(ByteBuffer.wrap(ModelStateCodec.encode(s)))
                .setMetrics(Map.of())
                .build();
    }

    private static byte[] full(List<ModelState> states, int v) {
        return SingleObjectCodec.modelSnapshot().encode(snapshot(states, v));
    }

    private static byte[] delta(List<ModelState> states, int v) {
        ParameterDelta d =
                ParameterDelta.between(states.get(v - 1).params(), states.get(v).params());
        ModelDelta md = ModelDelta.newBuilder()
                .setModelId("ctr")
                .setVersion(v)
                .setBaseVersion(v - 1)
                .setFullVersion(v < LATE_FULL ? 1 : LATE_FULL)
                .setStep(states.get(v).step())
                .setExamplesSeen(states.get(v).examplesSeen())
                .setCreatedAt(T0.plusSeconds(v))
                .setNumParams(d.numParams())
                .setIndices(ByteBuffer.wrap(d.indicesBytes()))
                .setValues(ByteBuffer.wrap(d.valuesBytes()))
                .setRemoved(ByteBuffer.wrap(d.removedBytes()))
                .build();
        assertThat(d.count()).as("a sparse step touches a few rows").isLessThan(FEATURES / 10);
        return SingleObjectCodec.modelDelta().encode(md);
    }

    private static boolean bitsEqual(float[] a, float[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }

    private static void produce(String topic, byte[] value) throws Exception {
        Properties p = KAFKA.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_BYTES);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, 0, "ctr".getBytes(StandardCharsets.UTF_8), value))
                    .get();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(DEADLINE, what, condition);
    }
}

package io.streamgrad.serving.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.schemas.SingleObjectCodec;
import io.streamgrad.serving.Await;
import io.streamgrad.serving.FollowerMetrics;
import io.streamgrad.serving.ModelFollower;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * A recommendation model trained offline ({@link RecsScenario}: a real {@code MfModel} with admission, expiry and
 * eviction) published on a real broker's updates topic as the job publishes it: FULL versions, DELTAs with
 * tombstones, every version in parts. The {@link ModelFollower} bootstraps from what is there, then follows; every
 * version it serves answers recommend and score exactly as the offline model did at that version, and a reader
 * asking nonstop never sees a mix of two versions.
 */
class RecsFollowerIT {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int VERSIONS = 18;

    @Test
    void fullAndDeltaVersionsInParts_everyServedVersionAnswersAsTheOfflineModel_andNoReaderSeesAMix() throws Exception {
        KAFKA.createTopics(
                new NewTopic("rf-models", 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                new NewTopic("rf-updates", 1, (short) 1));
        List<RecsScenario.Published> versions = RecsScenario.run(VERSIONS, 3, 8, 30);
        assertThat(versions.get(8).full()).isTrue();
        assertThat(versions.stream().filter(p -> p.records().size() > 2)).isNotEmpty();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // before the follower starts: versions 1..6 (the bootstrap reads them)
            for (int v = 1; v <= 6; v++) {
                send(producer, versions.get(v - 1).records());
            }
            List<RecsModel> made = Collections.synchronizedList(new ArrayList<>());
            try (ModelFollower f = ModelFollower.builder()
                    .bootstrapServers(KAFKA.bootstrapServers())
                    .modelsTopic("rf-models")
                    .updatesTopic("rf-updates")
                    .follow("shop")
                    .build()) {
                f.recs().addListener(made::add);
                f.start();
                assertThat(f.awaitReady(DEADLINE))
                        .as("ready after the bootstrap")
                        .isTrue();
                await(
                        "version 6 live",
                        () -> f.recsModel("shop").map(RecsModel::version).orElse(0L) == 6);

                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong answers = new AtomicLong();
                AtomicReference<Throwable> mixed = new AtomicReference<>();
                Thread reader = new Thread(() -> {
                    while (!stop.get()) {
                        RecsModel m = f.recsModel("shop").orElseThrow();
                        try {
                            RecsScenario.check(m, versions.get((int) m.version() - 1));
                        } catch (AssertionError e) {
                            mixed.compareAndSet(null, e);
                        }
                        answers.incrementAndGet();
                    }
                });
                reader.start();
                try {
                    for (int v = 7; v <= VERSIONS; v++) {
                        if (v == 11) {
                            continue; // sent after 12: delta 12 waits for it
                        }
                        if (v == 10) {
                            // a corrupt record that claims to be a RecsVersion: skipped, naming its place
                            byte[] bad = Arrays.copyOf(
                                    SingleObjectCodec.recsVersion()
                                            .encode(versions.get(9).records().get(0)),
                                    30);
                            producer.send(new ProducerRecord<>("rf-updates", key(), bad))
                                    .get();
                        }
                        send(producer, versions.get(v - 1).records());
                        if (v == 12) {
                            // every part of 12 read: it is complete and waits for 11, version 10 stays live
                            await("version 12 complete, waiting for 11", () -> {
                                RecsFollowing.Status s = f.recs().status().get("shop");
                                return s != null && s.missingVersion().isPresent();
                            });
                            assertThat(f.recs().status().get("shop").missingVersion())
                                    .hasValue(11);
                            assertThat(f.recs().status().get("shop").waitingVersions())
                                    .contains(12L);
                            assertThat(f.recsModel("shop").orElseThrow().version())
                                    .isEqualTo(10);
                            send(producer, versions.get(10).records());
                        }
                        long want = v == 11 ? 10 : v;
                        await(
                                "version " + want + " live",
                                () -> f.recsModel("shop")
                                                .map(RecsModel::version)
                                                .orElse(0L)
                                        >= want);
                    }
                } finally {
                    stop.set(true);
                    reader.join();
                }
                assertThat(mixed.get())
                        .as("a reader saw an answer not of its version")
                        .isNull();
                assertThat(answers.get()).isGreaterThan(VERSIONS);
                assertThat(made).extracting(RecsModel::version).containsExactlyElementsOf(range(1, VERSIONS));
                for (RecsModel m : made) {
                    RecsScenario.check(m, versions.get((int) m.version() - 1));
                }
                assertThat(f.metrics().skippedRecords()).isEqualTo(1);
                assertThat(f.metrics().lastError()).contains("updates topic 'rf-updates' partition 0 offset");
                RecsFollowing.Status s = f.recs().status().get("shop");
                assertThat(s.fullVersions()).isEqualTo(3);
                assertThat(s.deltaVersions()).isEqualTo(VERSIONS - 3);

                // pin and rollback through the follower thread, on the last 3 versions it retains (the default)
                assertThat(s.retainedVersions()).containsExactly(16L, 17L, 18L);
                RecsScenario.check(f.pinRecs("shop", 16), versions.get(15));
                assertThat(f.recsModel("shop").orElseThrow().version()).isEqualTo(16);
                FollowerMetrics.ModelMetrics mm = f.metrics().recsModels().get("shop");
                assertThat(mm.pinnedVersion()).hasValue(16);
                assertThat(mm.versionsBehindNewest()).isEqualTo(2);
                assertThat(mm.retainedVersions()).containsExactly(16L, 17L, 18L);
                assertThatThrownBy(() -> f.rollbackRecs("shop", 5))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("retained: versions 16 to 18");
                assertThat(f.unpinRecs("shop").version()).isEqualTo(18);
                RecsScenario.check(f.rollbackRecs("shop"), versions.get(16));
                assertThat(f.metrics().recsModels().get("shop").pinnedVersion()).hasValue(17);
                assertThat(f.metrics().models())
                        .as("mf models are not listed as dense ones")
                        .isEmpty();
            }
        }
    }

    @Test
    void pinnedByConfiguration_servesThePinnedVersionOnceMade_andAPinOfAVersionNeverMadeIsReported() throws Exception {
        KAFKA.createTopics(
                new NewTopic("rp-models", 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                new NewTopic("rf-updates-pin", 1, (short) 1));
        List<RecsScenario.Published> versions = RecsScenario.run(6, 2, 4, 40);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (RecsScenario.Published p : versions) {
                send(producer, "rf-updates-pin", p.records());
            }
        }
        try (ModelFollower f = follower("rf-updates-pin", 4).start();
                ModelFollower missing = follower("rf-updates-pin", 99).start()) {
            assertThat(f.awaitReady(DEADLINE)).isTrue();
            RecsModel served = f.recsModel("shop").orElseThrow();
            RecsScenario.check(served, versions.get(3));
            FollowerMetrics m = f.metrics();
            assertThat(m.models()).isEmpty();
            assertThat(m.recsModels().get("shop").pinnedVersion()).hasValue(4);
            assertThat(m.recsModels().get("shop").versionsBehindNewest()).isEqualTo(2);
            assertThat(m.recsModels().get("shop").retainedVersions()).containsExactly(4L, 5L, 6L);
            assertThatThrownBy(() -> f.pin("shop", 5))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pinRecs");
            assertThat(f.unpinRecs("shop").version()).isEqualTo(6);

            await(
                    "the pin of a version never made is reported",
                    () -> missing.metrics().lastError() != null);
            assertThat(missing.metrics().lastError())
                    .contains("recommendation model 'shop' is pinned to version 99")
                    .contains("[4, 5, 6]");
            assertThat(missing.isReady()).isFalse();
            assertThat(missing.recsModel("shop")).isEmpty();
        }
    }

    private static ModelFollower follower(String updates, long pin) {
        return ModelFollower.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .modelsTopic("rp-models")
                .updatesTopic(updates)
                .follow("shop")
                .pin("shop", pin)
                .build();
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long v = from; v <= to; v++) {
            out.add(v);
        }
        return out;
    }

    private static byte[] key() {
        return "shop".getBytes(StandardCharsets.UTF_8);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, List<RecsVersion> records) throws Exception {
        send(producer, "rf-updates", records);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<RecsVersion> records)
            throws Exception {
        SingleObjectCodec<RecsVersion> codec = SingleObjectCodec.recsVersion();
        for (RecsVersion r : records) {
            producer.send(new ProducerRecord<>(topic, key(), codec.encode(r))).get();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.putAll(KAFKA.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(DEADLINE, what, condition);
    }
}

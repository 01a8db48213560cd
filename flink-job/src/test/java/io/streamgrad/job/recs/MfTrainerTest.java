package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.MfGlobal;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.Prequential;
import io.streamgrad.learner.recs.Row;
import io.streamgrad.learner.recs.RowCodec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mf trainer on its own (Flink's operator harness, real state backends): streaming with a checkpoint and a
 * restore in the middle gives the offline trainer's model bit for bit (every row with its optimizer slots, the
 * global state), its metrics, and versions whose FULL + DELTA chain rebuilds the model's inference values.
 */
class MfTrainerTest {
    private static final int COUNT = 400; // 50 steps of 8
    private static final int METRICS_EVERY = 25;

    /** The fixture's model with the given per-row optimizer (adagrad as shipped, or ftrl). */
    static String yaml(String optimizer) {
        return optimizer.equals("adagrad")
                ? RecsFixtures.MF_YAML
                : RecsFixtures.MF_YAML.replace(
                        "{type: adagrad, learning_rate: 0.1}", "{type: ftrl, learning_rate: 0.5}");
    }

    static KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics> harness(
            StateBackend backend, String yaml) throws Exception {
        return harness(backend, yaml, RecsModels.DEFAULT_CACHED_ROWS);
    }

    /** The trainer in its job operator ({@link MfTrainerOperator}) with a row cache of {@code cachedRows}. */
    static KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics> harness(
            StateBackend backend, String yaml, int cachedRows) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics>(
                new MfTrainerOperator(new MfTrainer(
                        new RecsModels("interactions", Map.of("m", yaml), 1, 7, cachedRows),
                        0,
                        METRICS_EVERY,
                        new MfVersions.Policy(5, 0, 4, 1_000_000, 7))),
                r -> r.modelId,
                Types.STRING,
                128,
                1,
                0);
        h.setStateBackend(backend);
        return h;
    }

    static StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend(true) : new HashMapStateBackend();
    }

    static InteractionRecord record(Interaction x, long offset) {
        return new InteractionRecord("m", x.user(), x.item(), x.rating(), x.timeMs(), "interactions", 0, offset);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"hashmap, adagrad", "rocksdb, adagrad", "rocksdb, ftrl"})
    void restoreInTheMiddle_givesTheOfflineModelBitForBit_andVersionsRebuildIt(String backendName, String optimizer)
            throws Exception {
        String yaml = yaml(optimizer);
        assertThat(yaml).contains("type: " + optimizer);
        List<Interaction> data = RecsFixtures.interactions(COUNT, 42);
        Prequential offline = RecsFixtures.offline(yaml, data);
        MfModel reference = offline.mfModel();
        assertThat(offline.removedUsers().size() + offline.removedItems().size())
                .as("the reference run expires or evicts rows (else this test would not cover deletion)")
                .isPositive();

        int cut = 197; // inside a batch (the partial batch is in the checkpoint), 4 steps after the last version
        OperatorSubtaskState checkpoint;
        List<RecsVersion> versions;
        List<TrainingMetrics> metrics;
        try (var h = harness(backend(backendName), yaml)) {
            h.open();
            for (int n = 0; n < cut; n++) {
                h.processElement(new StreamRecord<>(record(data.get(n), n)));
            }
            h.prepareSnapshotPreBarrier(1); // as the task does before a barrier: the cached rows go to the state
            checkpoint = h.snapshot(1, 1);
            versions = new java.util.ArrayList<>(sideOutput(h));
            metrics = new java.util.ArrayList<>(h.extractOutputValues());
        }
        try (var h = harness(backend(backendName), yaml)) {
            h.initializeState(checkpoint);
            h.open();
            for (int n = cut; n < COUNT; n++) {
                h.processElement(new StreamRecord<>(record(data.get(n), n)));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            versions.addAll(sideOutput(h));
            metrics.addAll(h.extractOutputValues());

            // 1. the state (the end of the input wrote the cached rows to it): every row (params, slots, counts,
            // times), the global state
            KeyedStateBackend<String> state = backendOf(h);
            state.setCurrentKey("m");
            assertThat(rows(state, "mfUsers"))
                    .as("user rows in keyed state vs offline")
                    .isEqualTo(RecsFixtures.rows(reference.users().store().entries()));
            assertThat(rows(state, "mfItems"))
                    .as("item rows in keyed state vs offline")
                    .isEqualTo(RecsFixtures.rows(reference.items().store().entries()));
            ValueState<byte[]> global = state.getPartitionedState(
                    VoidNamespace.INSTANCE,
                    VoidNamespaceSerializer.INSTANCE,
                    new ValueStateDescriptor<>("mfGlobal", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
            assertThat(MfGlobal.decode(reference.spec(), global.value()))
                    .as("global state vs offline")
                    .isEqualTo(reference.global());
        }

        // 2. metrics: two windows of 25 steps; their sums are the offline pass's
        assertThat(metrics).extracting(TrainingMetrics::getStep).containsExactly(25L, 50L);
        double hits = 0;
        double dcg = 0;
        long evaluated = 0;
        for (TrainingMetrics m : metrics) {
            double e = m.getRanking().get("evaluated");
            hits += m.getRanking().get("recall@5") * e;
            dcg += m.getRanking().get("ndcg@5") * e;
            evaluated += (long) e;
        }
        assertThat(evaluated).isEqualTo(COUNT);
        assertThat(hits / evaluated).isCloseTo(offline.model().recall(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(dcg / evaluated).isCloseTo(offline.model().ndcg(), org.assertj.core.data.Offset.offset(1e-12));

        // 3. versions: 1..10 (every 5 steps), FULL at 1 and 6, each once and in order; the chain rebuilds the model
        assertThat(RecsFixtures.versions(versions))
                .extracting(v -> v.get(0).getVersion() + ":" + v.get(0).getKind())
                .containsExactly(
                        "1:FULL",
                        "2:DELTA",
                        "3:DELTA",
                        "4:DELTA",
                        "5:DELTA",
                        "6:FULL",
                        "7:DELTA",
                        "8:DELTA",
                        "9:DELTA",
                        "10:DELTA");
        assertThat(versions)
                .filteredOn(v -> v.getKind() == RecsVersionKind.DELTA)
                .as("some delta carries tombstones of expired or evicted rows")
                .anySatisfy(v -> assertThat(v.getTables())
                        .anySatisfy(t -> assertThat(t.getRemoved()).isNotEmpty()));
        assertThat(versions)
                .as("versions come in parts of at most 7 rows")
                .anySatisfy(v -> assertThat(v.getParts()).isGreaterThan(1));
        RecsFixtures.Replica replica = new RecsFixtures.Replica(4);
        replica.applyAll(versions);
        Map<String, Row> users = RecsFixtures.rows(reference.users().store().entries());
        Map<String, Row> items = RecsFixtures.rows(reference.items().store().entries());
        assertThat(replica.values.get(MfModel.USERS)).isEqualTo(RecsFixtures.values(users));
        assertThat(replica.values.get(MfModel.ITEMS)).isEqualTo(RecsFixtures.values(items));
        assertThat(replica.counts.get(MfModel.ITEMS)).isEqualTo(RecsFixtures.counts(items));
        assertThat(replica.globalBias).isEqualTo(reference.global().globalBias());
        assertThat(replica.step).isEqualTo(50);

        // 4. the first version after the restore (5, a DELTA at step 25) also holds the rows changed between the
        // last version before the checkpoint (step 20) and the checkpoint (step 24): their marks were in memory
        MfModel atStep25 = RecsFixtures.offline(yaml, data.subList(0, 25 * 8)).mfModel();
        RecsFixtures.Replica upTo5 = new RecsFixtures.Replica(4);
        upTo5.applyAll(versions.stream().filter(v -> v.getVersion() <= 5).toList());
        assertThat(upTo5.step).isEqualTo(25);
        assertThat(upTo5.values.get(MfModel.USERS))
                .as("users after versions 1-5 vs offline at step 25")
                .isEqualTo(RecsFixtures.values(
                        RecsFixtures.rows(atStep25.users().store().entries())));
        assertThat(upTo5.values.get(MfModel.ITEMS))
                .as("items after versions 1-5 vs offline at step 25")
                .isEqualTo(RecsFixtures.values(
                        RecsFixtures.rows(atStep25.items().store().entries())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"hashmap", "rocksdb"})
    void checkpoint_writesTheCachedRowsFirst_soAFreshInstanceRestoresTheOfflineModel(String backendName)
            throws Exception {
        String yaml = RecsFixtures.MF_YAML;
        List<Interaction> data = RecsFixtures.interactions(COUNT, 42);
        int cut = 168; // 21 whole batches, nothing buffered
        MfModel atCut = RecsFixtures.offline(yaml, data.subList(0, cut)).mfModel();
        MfModel reference = RecsFixtures.offline(yaml, data).mfModel();
        OperatorSubtaskState checkpoint;
        try (var h = harness(backend(backendName), yaml, 1_000)) {
            h.open();
            for (int n = 0; n < cut; n++) {
                h.processElement(new StreamRecord<>(record(data.get(n), n)));
            }
            KeyedStateBackend<String> state = backendOf(h);
            state.setCurrentKey("m");
            Map<String, Row> offlineUsers =
                    RecsFixtures.rows(atCut.users().store().entries());
            assertThat(((MfTrainerOperator) h.getOperator()).cachedRows("m"))
                    .as("the trained rows are held decoded")
                    .isGreaterThanOrEqualTo(offlineUsers.size());
            assertThat(rows(state, "mfUsers"))
                    .as("between checkpoints the state lags the cached rows (written back, not through)")
                    .isNotEqualTo(offlineUsers);

            // the task's order at a checkpoint (the harness's snapshot() alone does not call the first)
            h.prepareSnapshotPreBarrier(1);
            checkpoint = h.snapshot(1, 1);

            state.setCurrentKey("m");
            assertThat(rows(state, "mfUsers")).as("users after the barrier").isEqualTo(offlineUsers);
            assertThat(rows(state, "mfItems"))
                    .as("items after the barrier")
                    .isEqualTo(RecsFixtures.rows(atCut.items().store().entries()));
        }
        // a new instance: nothing of the first one's memory, only the checkpoint (and a cache too small to load
        // every restored row at once: rows are read from the state on demand and written back when they leave)
        try (var h = harness(backend(backendName), yaml, 5)) {
            h.initializeState(checkpoint);
            h.open();
            for (int n = cut; n < COUNT; n++) {
                h.processElement(new StreamRecord<>(record(data.get(n), n)));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            KeyedStateBackend<String> state = backendOf(h);
            state.setCurrentKey("m");
            assertThat(rows(state, "mfUsers"))
                    .isEqualTo(RecsFixtures.rows(reference.users().store().entries()));
            assertThat(rows(state, "mfItems"))
                    .isEqualTo(RecsFixtures.rows(reference.items().store().entries()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"hashmap", "rocksdb"})
    void tinyRowCache_writesRowsBackWhenTheyLeaveIt_andTrainsTheOfflineModel(String backendName) throws Exception {
        String yaml = RecsFixtures.MF_YAML;
        List<Interaction> data = RecsFixtures.interactions(COUNT, 42);
        Prequential offline = RecsFixtures.offline(yaml, data);
        MfModel reference = offline.mfModel();
        List<RecsVersion> versions;
        try (var h = harness(backend(backendName), yaml, 3)) { // a batch touches far more than 3 rows a map
            h.open();
            for (int n = 0; n < COUNT; n++) {
                h.processElement(new StreamRecord<>(record(data.get(n), n)));
                assertThat(((MfTrainerOperator) h.getOperator()).cachedRows("m"))
                        .as("3 rows at most per row map")
                        .isLessThanOrEqualTo(3 * 3);
            }
            versions = sideOutput(h); // no checkpoint: only eviction wrote rows to the state before the end
            KeyedStateBackend<String> state = backendOf(h);
            state.setCurrentKey("m");
            ValueState<byte[]> global = state.getPartitionedState(
                    VoidNamespace.INSTANCE,
                    VoidNamespaceSerializer.INSTANCE,
                    new ValueStateDescriptor<>("mfGlobal", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
            h.processWatermark(new Watermark(Long.MAX_VALUE)); // the end of the input writes what memory holds
            state.setCurrentKey("m");
            assertThat(MfGlobal.decode(reference.spec(), global.value())).isEqualTo(reference.global());
            assertThat(rows(state, "mfUsers"))
                    .isEqualTo(RecsFixtures.rows(reference.users().store().entries()));
            assertThat(rows(state, "mfItems"))
                    .isEqualTo(RecsFixtures.rows(reference.items().store().entries()));
        }
        RecsFixtures.Replica replica = new RecsFixtures.Replica(4);
        replica.applyAll(versions);
        assertThat(replica.values.get(MfModel.USERS))
                .as("versions (FULL: cache and state together) rebuild the offline model")
                .isEqualTo(RecsFixtures.values(
                        RecsFixtures.rows(reference.users().store().entries())));
        assertThat(replica.values.get(MfModel.ITEMS))
                .isEqualTo(RecsFixtures.values(
                        RecsFixtures.rows(reference.items().store().entries())));
    }

    @org.junit.jupiter.api.Test
    void timers_publishTrainedStepsWithoutWaitingForABatch_andAnIdleModelGetsAFullVersionInTime() throws Exception {
        List<Interaction> data = RecsFixtures.interactions(24, 5);
        // a version every second, a FULL one at least every 10 seconds, never by steps or version count
        var trainer = new MfTrainer(
                new RecsModels("interactions", Map.of("m", RecsFixtures.MF_YAML), 1, 7),
                0,
                METRICS_EVERY,
                new MfVersions.Policy(0, 1, 0, 10, 1_000));
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics>(
                new MfTrainerOperator(trainer), r -> r.modelId, Types.STRING, 128, 1, 0)) {
            h.setStateBackend(new HashMapStateBackend());
            h.open();
            h.setProcessingTime(0);
            for (int n = 0; n < 8; n++) { // one batch at t = 0: the one-second period starts
                h.processElement(new StreamRecord<>(record(data.get(n), n)));
            }
            assertThat(sideOutput(h)).isEmpty();
            h.setProcessingTime(1_000); // no batch since: the timer publishes step 1
            assertThat(RecsFixtures.versions(sideOutput(h)))
                    .extracting(v -> v.get(0).getVersion() + ":" + v.get(0).getKind() + "@"
                            + v.get(0).getStep())
                    .containsExactly("1:FULL@1");
            h.setProcessingTime(1_500);
            for (int n = 8; n < 24; n++) { // two more batches
                h.processElement(new StreamRecord<>(record(data.get(n), n)));
            }
            h.setProcessingTime(2_000);
            h.setProcessingTime(10_999); // idle, newest a DELTA: nothing until 10 s after the FULL one
            h.setProcessingTime(11_000);
            h.setProcessingTime(60_000); // the newest is FULL and nothing was trained: no more versions
            List<List<RecsVersion>> versions = RecsFixtures.versions(sideOutput(h));
            assertThat(versions)
                    .extracting(v -> v.get(0).getVersion() + ":" + v.get(0).getKind() + "@"
                            + v.get(0).getStep())
                    .containsExactly("1:FULL@1", "2:DELTA@3", "3:FULL@3");
            assertThat(versions.get(1).get(0).getCreatedAt().toEpochMilli()).isEqualTo(2_000);
            assertThat(versions.get(2).get(0).getCreatedAt().toEpochMilli()).isEqualTo(11_000);

            // the idle FULL version holds what the chain FULL 1 + DELTA 2 rebuilds, and the offline model
            RecsFixtures.Replica chain = new RecsFixtures.Replica(4);
            chain.apply(versions.get(0));
            chain.apply(versions.get(1));
            RecsFixtures.Replica full = new RecsFixtures.Replica(4);
            full.apply(versions.get(2));
            MfModel reference = RecsFixtures.offline(RecsFixtures.MF_YAML, data).mfModel();
            assertThat(full.values).isEqualTo(chain.values);
            assertThat(full.counts).isEqualTo(chain.counts);
            assertThat(full.values.get(MfModel.ITEMS))
                    .isEqualTo(RecsFixtures.values(
                            RecsFixtures.rows(reference.items().store().entries())));
        }
    }

    static List<RecsVersion> sideOutput(
            KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics> h) {
        var q = h.getSideOutput(MfVersions.VERSIONS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    @SuppressWarnings("unchecked")
    static KeyedStateBackend<String> backendOf(
            KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics> h) {
        Object b = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        return (KeyedStateBackend<String>) b;
    }

    static Map<String, Row> rows(KeyedStateBackend<String> backend, String name) throws Exception {
        MapState<String, byte[]> s = backend.getPartitionedState(
                VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>(name, Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        Map<String, Row> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : s.entries()) {
            out.put(e.getKey(), RowCodec.decode(e.getValue()));
        }
        return out;
    }
}

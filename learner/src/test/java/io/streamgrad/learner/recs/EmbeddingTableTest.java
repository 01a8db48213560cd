package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingTableTest {
    private static final RowOptimizer ADAM = new RowOptimizer(RowOptimizer.Kind.ADAM, 0.01, 0.9, 0.999, 1e-8, 0.1);

    private static EmbeddingTable table(TableSpec spec, RowStore store) {
        return new EmbeddingTable("items", 4, 0.1f, 7, spec, ADAM, store, 0);
    }

    /**
     * A store that keeps rows as bytes (as RocksDB does: every get is a fresh copy) and records which ids were read
     * and written and whether it was scanned.
     */
    static final class RecordingStore implements RowStore {
        final Map<String, byte[]> rows = new java.util.TreeMap<>();
        final List<String> reads = new ArrayList<>();
        final List<String> writes = new ArrayList<>();
        int scans;

        @Override
        public Row get(String id) {
            reads.add(id);
            byte[] b = rows.get(id);
            return b == null ? null : RowCodec.decode(b);
        }

        @Override
        public void put(String id, Row row) {
            writes.add(id);
            rows.put(id, RowCodec.encode(row));
        }

        @Override
        public void remove(String id) {
            writes.add(id);
            rows.remove(id);
        }

        @Override
        public Iterable<Map.Entry<String, Row>> entries() {
            scans++;
            List<Map.Entry<String, Row>> out = new ArrayList<>();
            rows.forEach((id, b) -> out.add(Map.entry(id, RowCodec.decode(b))));
            return out;
        }
    }

    @Test
    void idsAreAdmittedAtTheMinimumCount_eachWithItsOwnRow() {
        EmbeddingTable t = table(new TableSpec(3, 0, TableSpec.Overflow.REJECT, 0, 0, 1), new HashRowStore());
        assertThat(t.observe("a", 1, 0)).isNull();
        assertThat(t.observe("a", 1, 0)).isNull();
        Row a = t.observe("a", 2, 0);
        t.flush();

        assertThat(a).isNotNull();
        assertThat(a.count()).isEqualTo(3);
        assertThat(t.admittedRows()).isEqualTo(1);
        // 10 000 distinct ids: 10 000 distinct rows, no collisions
        EmbeddingTable big = table(TableSpec.unbounded(), new HashRowStore());
        for (int i = 0; i < 10_000; i++) {
            big.observe(Long.toString(1_000_000_000_000L + i), 1, 0);
        }
        big.flush();
        assertThat(big.admittedRows()).isEqualTo(10_000);
        assertThat(big.lookup("1000000000000").params())
                .isNotEqualTo(big.lookup("1000000000001").params());
    }

    @Test
    void initialVector_dependsOnSeedTableAndId_notOnArrivalOrder() {
        EmbeddingTable first = table(TableSpec.unbounded(), new HashRowStore());
        EmbeddingTable second = table(TableSpec.unbounded(), new HashRowStore());
        for (String id : List.of("x", "y", "z")) {
            first.observe(id, 1, 0);
        }
        for (String id : List.of("z", "q", "y", "x")) {
            second.observe(id, 5, 0);
        }

        for (String id : List.of("x", "y", "z")) {
            assertThat(second.lookup(id).params())
                    .containsExactly(first.lookup(id).params());
        }
        EmbeddingTable otherSeed =
                new EmbeddingTable("items", 4, 0.1f, 8, TableSpec.unbounded(), ADAM, new HashRowStore(), 0);
        otherSeed.observe("x", 1, 0);
        assertThat(otherSeed.lookup("x").params())
                .isNotEqualTo(first.lookup("x").params());
    }

    @Test
    void sweep_deletesRowsUnseenForTooManySteps_andReportsThem() {
        EmbeddingTable t = table(new TableSpec(1, 0, TableSpec.Overflow.REJECT, 10, 0, 1), new HashRowStore());
        t.observe("old", 1, 0);
        t.observe("b-old", 2, 0);
        t.observe("fresh", 11, 0);
        t.flush();

        assertThat(t.sweep(12, 0)).isEqualTo(1);
        assertThat(t.drainRemoved()).containsExactly("old");
        assertThat(t.lookup("old")).isNull();
        assertThat(t.lookup("b-old")).isNotNull();
        assertThat(t.sweep(13, 0)).isEqualTo(1);
        assertThat(t.drainRemoved()).containsExactly("b-old");
        assertThat(t.admittedRows()).isEqualTo(1);
    }

    @Test
    void sweep_byEventTime_deletesCandidatesSilently_andRowsReported() {
        EmbeddingTable t = table(new TableSpec(2, 0, TableSpec.Overflow.REJECT, 0, 1000, 1), new HashRowStore());
        t.observe("row", 1, 0);
        t.observe("row", 1, 100);
        t.observe("candidate", 1, 50);
        t.observe("recent", 2, 900);
        t.flush();

        t.sweep(3, 1_200);

        assertThat(t.drainRemoved()).containsExactly("row");
        assertThat(t.store().get("candidate")).isNull();
        assertThat(t.store().get("recent")).isNotNull();
    }

    @Test
    void capacity_reject_keepsTheNewIdACountedCandidate() {
        EmbeddingTable t = table(new TableSpec(1, 2, TableSpec.Overflow.REJECT, 0, 0, 1), new HashRowStore());
        t.observe("a", 1, 0);
        t.observe("b", 1, 0);
        assertThat(t.observe("c", 2, 0)).isNull();
        t.flush();

        assertThat(t.admittedRows()).isEqualTo(2);
        assertThat(t.store().get("c").count()).isEqualTo(1);
        assertThat(t.drainRemoved()).isEmpty();
    }

    @Test
    void capacity_evictLeastRecent_evictsTheOldestRow_tiesBySmallerId() {
        EmbeddingTable t =
                table(new TableSpec(1, 3, TableSpec.Overflow.EVICT_LEAST_RECENT, 0, 0, 1), new HashRowStore());
        t.observe("m", 1, 0);
        t.observe("k", 1, 0);
        t.observe("z", 2, 0);
        t.flush();

        assertThat(t.observe("new", 3, 0)).isNotNull();
        assertThat(t.observe("newer", 4, 0)).isNotNull();
        t.flush();

        assertThat(t.drainRemoved()).containsExactly("k", "m");
        assertThat(t.admittedRows()).isEqualTo(3);
        assertThat(t.lookup("z")).isNotNull();
    }

    @Test
    void trainingStep_readsAndWritesOnlyTheRowsItTouches() {
        MfSpec spec = new MfSpec(
                4,
                0.1,
                MfLoss.BPR,
                2,
                10,
                MfSpec.Sampler.POPULARITY,
                0.0,
                ADAM,
                new TableSpec(1, 0, TableSpec.Overflow.REJECT, 1000, 0, 1000),
                new TableSpec(1, 0, TableSpec.Overflow.REJECT, 1000, 0, 1000),
                5,
                4,
                3);
        RecordingStore users = new RecordingStore();
        RecordingStore items = new RecordingStore();
        MfModel m = new MfModel(spec, new MfGlobal(spec), users, items);
        for (int n = 0; n < 200; n++) {
            m.train(List.of(Interaction.implicit("u" + n, "i" + n, n)));
        }
        users.reads.clear();
        users.writes.clear();
        items.reads.clear();
        items.writes.clear();

        MfModel.StepResult r =
                m.train(List.of(Interaction.implicit("u7", "i3", 300), Interaction.implicit("u9", "i4", 300)));

        java.util.Set<String> touchedItems = new java.util.HashSet<>(List.of("i3", "i4"));
        r.negatives().forEach(touchedItems::addAll);
        assertThat(users.reads).containsOnly("u7", "u9");
        assertThat(users.writes).containsExactlyInAnyOrder("u7", "u9");
        assertThat(items.reads).allMatch(touchedItems::contains);
        assertThat(items.writes).containsExactlyInAnyOrderElementsOf(touchedItems);
        assertThat(users.scans + items.scans).isZero();
        assertThat(r.changedUsers()).containsExactly("u7", "u9");
        assertThat(r.changedItems()).containsExactlyInAnyOrderElementsOf(touchedItems);
        assertThat(users.rows.size()).isEqualTo(200);
    }

    @Test
    void serialisingStore_trainsBitForBitLikeTheHeapStore_withAdmissionAndExpiry() {
        MfSpec spec = new MfSpec(
                4,
                0.1,
                MfLoss.LOGISTIC,
                3,
                20,
                MfSpec.Sampler.UNIFORM_RECENT,
                0.001,
                ADAM,
                new TableSpec(2, 0, TableSpec.Overflow.REJECT, 30, 0, 5),
                new TableSpec(2, 40, TableSpec.Overflow.EVICT_LEAST_RECENT, 30, 0, 5),
                5,
                8,
                11);
        List<Interaction> data = InteractionGenerator.generate(5, 60, 80, 4, 2_000, 1.0, 0.5, 3.0);
        RecordingStore users = new RecordingStore();
        RecordingStore items = new RecordingStore();
        MfModel bytes = new MfModel(spec, new MfGlobal(spec), users, items);
        MfModel heap = new MfModel(spec);
        List<String> removedBytes = new ArrayList<>();
        List<String> removedHeap = new ArrayList<>();
        for (int from = 0; from < data.size(); from += 8) {
            List<Interaction> batch = data.subList(from, from + 8);
            MfModel.StepResult a = bytes.train(batch);
            MfModel.StepResult b = heap.train(batch);
            removedBytes.addAll(a.removedItems());
            removedHeap.addAll(b.removedItems());
            assertThat(a.loss()).isEqualTo(b.loss());
        }

        assertThat(removedBytes).isNotEmpty().isEqualTo(removedHeap);
        assertThat(bytes.global()).isEqualTo(heap.global());
        for (Map.Entry<String, Row> e : heap.items().store().entries()) {
            assertThat(RowCodec.decode(items.rows.get(e.getKey()))).isEqualTo(e.getValue());
        }
        assertThat(items.rows).hasSize(((HashRowStore) heap.items().store()).size());
    }
}

package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A full version and the deltas after it rebuild the trained model's inference values bit for bit at every version,
 * with admission, capacity eviction and expiry producing tombstones, and versions split in parts.
 */
class MfPublicationTest {
    /** Logistic loss (the global bias moves), small tables that evict and expire. */
    static final String CHURNING = """
            model: {type: mf, dim: 4, init_std: 0.1}
            loss: logistic
            negatives: {count: 3, pool: 200}
            optimizer: {type: adam, learning_rate: 0.05}
            tables: {min_count: 2, capacity: 40, overflow: evict_least_recent, expire_after_steps: 6, sweep_every_steps: 3}
            batch_size: 16
            seed: 7
            """;

    @Test
    void fullThenDeltas_rebuildEveryVersionBitForBit_tombstonesIncluded() {
        MfModel model = new MfModel(MfConfig.parse(CHURNING));
        List<Interaction> data = InteractionGenerator.generate(11, 80, 120, 4, 3_200, 1.0, 0.5, 3.0);
        MfPublication.Rebuild reader = new MfPublication.Rebuild(4);
        Map<String, Set<String>> changed =
                Map.of(MfModel.USERS, new LinkedHashSet<>(), MfModel.ITEMS, new LinkedHashSet<>());
        Map<String, Set<String>> removed =
                Map.of(MfModel.USERS, new LinkedHashSet<>(), MfModel.ITEMS, new LinkedHashSet<>());
        int tombstones = 0;
        int versions = 0;
        for (int b = 0; b * 16 < data.size(); b++) {
            MfModel.StepResult r = model.train(data.subList(b * 16, Math.min(data.size(), (b + 1) * 16)));
            changed.get(MfModel.USERS).addAll(r.changedUsers());
            changed.get(MfModel.ITEMS).addAll(r.changedItems());
            removed.get(MfModel.USERS).addAll(r.removedUsers());
            removed.get(MfModel.ITEMS).addAll(r.removedItems());
            if (b == 10 || b % 4 != 3) {
                continue; // a version every 4 steps; the first full one after 11 steps
            }
            List<MfPublication.Part> parts;
            boolean full = b < 12 || b % 40 == 39;
            if (full) {
                parts = MfPublication.full(model, 17);
            } else {
                parts = MfPublication.delta(model, changed, removed, 17);
                tombstones += parts.stream()
                        .flatMap(p -> p.tables().stream())
                        .mapToInt(t -> t.removed().size())
                        .sum();
            }
            reader.apply(full, parts);
            versions++;
            changed.values().forEach(Set::clear);
            removed.values().forEach(Set::clear);
            assertSameInferenceValues(model, reader);
            for (MfPublication.Part p : parts) {
                assertThat(p.parts()).isEqualTo(parts.size());
                int rows = p.tables().stream()
                        .mapToInt(t -> t.ids().size() + t.removed().size())
                        .sum();
                assertThat(rows).isLessThanOrEqualTo(17);
            }
        }
        assertThat(versions).isGreaterThan(40);
        assertThat(tombstones).as("expiry and eviction made tombstones").isGreaterThan(20);
    }

    static void assertSameInferenceValues(MfModel model, MfPublication.Rebuild reader) {
        assertThat(Float.floatToRawIntBits(reader.globalBias()))
                .isEqualTo(Float.floatToRawIntBits(model.global().globalBias()));
        for (EmbeddingTable t : List.of(model.users(), model.items())) {
            List<String> admitted = new ArrayList<>();
            for (Map.Entry<String, Row> e : t.store().entries()) {
                if (e.getValue().admitted()) {
                    admitted.add(e.getKey());
                    assertThat(reader.values(t.name()).get(e.getKey()))
                            .as("%s %s", t.name(), e.getKey())
                            .isEqualTo(e.getValue().params());
                    assertThat(reader.counts(t.name()).get(e.getKey()))
                            .isEqualTo(e.getValue().count());
                }
            }
            assertThat(reader.values(t.name()).keySet()).containsExactlyInAnyOrderElementsOf(admitted);
        }
    }

    @Test
    void aFullVersion_isSplitInParts_idsAscending_usersFirst() {
        MfModel model = new MfModel(MfConfig.parse(CHURNING));
        model.train(InteractionGenerator.generate(3, 10, 10, 4, 64, 1.0, 0.0, 1.0));
        List<MfPublication.Part> parts = MfPublication.full(model, 3);
        List<String> order = new ArrayList<>();
        for (MfPublication.Part p : parts) {
            for (MfPublication.TableRows t : p.tables()) {
                t.ids().forEach(id -> order.add(t.name() + "/" + id));
                assertThat(t.values()).hasSize(t.ids().size() * 5);
                assertThat(MfPublication.floats(java.nio.ByteBuffer.wrap(t.valuesBytes())))
                        .isEqualTo(t.values());
                assertThat(MfPublication.longs(java.nio.ByteBuffer.wrap(t.countsBytes())))
                        .isEqualTo(t.counts());
            }
        }
        List<String> sorted = new ArrayList<>(order);
        sorted.sort((a, b) ->
                a.startsWith("users") != b.startsWith("users") ? (a.startsWith("users") ? -1 : 1) : a.compareTo(b));
        assertThat(order).isEqualTo(sorted).hasSize((int)
                (model.users().admittedRows() + model.items().admittedRows()));
        assertThat(parts).hasSize((order.size() + 2) / 3);
    }

    @Test
    void anEmptyDelta_isOnePartWithNoRows_andAnUnknownTableIsRefused() {
        MfModel model = new MfModel(MfConfig.parse(CHURNING));
        assertThat(MfPublication.delta(model, Map.of(), Map.of(), 10))
                .singleElement()
                .satisfies(p -> assertThat(p.tables()).isEmpty());
        assertThatThrownBy(() -> MfPublication.delta(model, Map.of("item", List.of("a")), Map.of(), 10))
                .hasMessageContaining("unknown mf table 'item'");
    }
}

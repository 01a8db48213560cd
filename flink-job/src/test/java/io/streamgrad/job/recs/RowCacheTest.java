package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.learner.recs.Row;
import io.streamgrad.learner.recs.RowCodec;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RowCache} over a real heap keyed state: which row leaves a full cache, and that a dirty one is written. */
class RowCacheTest {
    private KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics> harness;

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    /** A row as {@link RowCodec} version 1 stores it: admitted, seen {@code count} times, k = 1, no optimizer slots. */
    private static byte[] row(long count, float value) {
        return ByteBuffer.allocate(3 + 4 * 8 + 3 * 4 + 2 * 4)
                .put(RowCodec.MAGIC)
                .put(RowCodec.VERSION)
                .put((byte) 1)
                .putLong(count)
                .putLong(1)
                .putLong(0)
                .putLong(1)
                .putInt(2)
                .putFloat(value)
                .putFloat(0)
                .putInt(0)
                .putInt(0)
                .array();
    }

    /** The {@code mfUsers} map of model {@code m} in a heap keyed backend, holding rows {@code ids}. */
    private MapState<String, byte[]> rows(String... ids) throws Exception {
        harness = MfTrainerTest.harness(MfTrainerTest.backend("hashmap"), RecsFixtures.MF_YAML);
        harness.open();
        KeyedStateBackend<String> backend = MfTrainerTest.backendOf(harness);
        backend.setCurrentKey("m");
        MapState<String, byte[]> state = backend.getPartitionedState(
                VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>(
                        "mfUsers", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        for (String id : ids) {
            state.put(id, row(1, id.charAt(0)));
        }
        return state;
    }

    @Test
    void aFullCacheEvictsARowNotReadSinceTheHandPassed_andSparesOneReadSince() throws Exception {
        MapState<String, byte[]> state = rows("a", "b", "c", "d", "e");
        RowCache cache = new RowCache(state, 3); // 5 rows do not fit: cached on demand
        cache.get("a");
        cache.get("b");
        cache.get("c");
        cache.get("d"); // the hand clears a, b and c, then takes a; c moves into a's place, at the hand
        assertThat(cache.holds("a")).isFalse();
        cache.get("c"); // read again: spared by the next sweep
        cache.get("e");
        assertThat(List.of(cache.holds("b"), cache.holds("c"), cache.holds("d"), cache.holds("e")))
                .as("b, unread since the hand passed, leaves; c, at the hand but read since, stays; d and e are new")
                .containsExactly(false, true, true, true);
        assertThat(cache.size()).isEqualTo(3);
    }

    @Test
    void aDirtyRowThatLeavesTheCacheIsWrittenFirst_andReadBackEqual() throws Exception {
        MapState<String, byte[]> state = rows("a", "b");
        RowCache cache = new RowCache(state, 1);
        Row a = cache.get("a");
        Row changed = RowCodec.decode(row(7, 42f));
        cache.put("a", changed); // dirty, in the cache only
        assertThat(RowCodec.decode(state.get("a"))).isEqualTo(a);
        cache.get("b"); // a leaves the cache
        assertThat(cache.holds("a")).isFalse();
        assertThat(RowCodec.decode(state.get("a"))).isEqualTo(changed);
        assertThat(cache.get("a")).isEqualTo(changed);
    }
}

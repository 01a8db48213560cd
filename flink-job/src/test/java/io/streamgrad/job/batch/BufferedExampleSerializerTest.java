package io.streamgrad.job.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import java.io.IOException;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The mini-batcher's buffer state keeps the bytes of state format v1: what Flink's POJO serializer wrote for the
 * {@code TrainingExample} of that time, {@code batch} field included ({@link LegacyBufferedExample}).
 */
class BufferedExampleSerializerTest {
    private final TypeSerializer<LegacyBufferedExample> legacy =
            TypeInformation.of(LegacyBufferedExample.class).createSerializer(new SerializerConfigImpl());
    private final BufferedExampleSerializer buffer = BufferedExampleSerializer.INSTANCE;

    @Test
    void writes_exactlyTheBytesOfFlinksPojoSerializerOfTheV1Layout_andReadsThemBack() throws IOException {
        Random rnd = new Random(11);
        for (int i = 0; i < 50; i++) {
            TrainingExample e = random(rnd, i);
            byte[] ours = bytes(buffer, e);
            byte[] v1 = bytes(legacy, legacyOf(e));
            assertThat(ours).as("element %d", i).isEqualTo(v1);
            TrainingExample back = buffer.deserialize(new DataInputDeserializer(v1));
            assertThat(bytes(buffer, back)).isEqualTo(v1);
            assertThat(back.modelId).isEqualTo(e.modelId);
            assertThat(back.dense).isEqualTo(e.dense);
            assertThat(back.indices).isEqualTo(e.indices);
            assertThat(back.offset).isEqualTo(e.offset);
        }
    }

    @Test
    void nullFieldsAndNullElements_areWrittenAsThePojoSerializerWroteThem() throws IOException {
        TrainingExample e = new TrainingExample();
        e.dense = null;
        e.indices = null;
        e.values = null;
        LegacyBufferedExample l = new LegacyBufferedExample();
        l.dense = null;
        l.indices = null;
        l.values = null;
        assertThat(bytes(buffer, e)).isEqualTo(bytes(legacy, l));
        assertThat(bytes(buffer, null)).isEqualTo(bytes(legacy, null));
        assertThat(buffer.deserialize(new DataInputDeserializer(bytes(legacy, null))))
                .isNull();
        TrainingExample back = buffer.deserialize(new DataInputDeserializer(bytes(legacy, l)));
        assertThat(back.dense).isNull();
        assertThat(back.modelId).isNull();
    }

    @Test
    void aV1ElementWithABatch_isRefused_notSilentlyDropped() throws IOException {
        LegacyBufferedExample l = new LegacyBufferedExample();
        l.batch = new ExampleBatch();
        byte[] v1 = bytes(legacy, l);
        assertThatThrownBy(() -> buffer.deserialize(new DataInputDeserializer(v1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("producer batch");
    }

    @Test
    void snapshot_isVersioned_andCompatibleWithItself_butNotWithAnotherPojosSnapshot() throws IOException {
        TypeSerializerSnapshot<TrainingExample> snapshot = buffer.snapshotConfiguration();
        assertThat(snapshot.getCurrentVersion()).isEqualTo(1);
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<TrainingExample> back = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(back.restoreSerializer()).isEqualTo(buffer);
        assertThat(snapshot.resolveSchemaCompatibility(back).isCompatibleAsIs()).isTrue();
        assertThatThrownBy(() -> new BufferedExampleSerializer.Snapshot()
                        .readSnapshot(
                                2,
                                new DataInputDeserializer(new byte[0]),
                                getClass().getClassLoader()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
        @SuppressWarnings("unchecked")
        TypeSerializerSnapshot<TrainingExample> other =
                (TypeSerializerSnapshot<TrainingExample>) (TypeSerializerSnapshot<?>) legacy.snapshotConfiguration();
        assertThat(snapshot.resolveSchemaCompatibility(other).isIncompatible()).isTrue();
    }

    /**
     * A savepoint of today's layout (the POJO serializer with the {@code batch} field) resolves as it is: the POJO
     * serializer Flink restores from its snapshot, now without that field, reads the old bytes (what a heap backend
     * does on restore), and this serializer reads them too (what RocksDB does).
     */
    @Test
    void snapshotOfTheLayoutWithTheBatchField_isCompatibleAsIs_andItsRestoredSerializerReadsTheBytes()
            throws IOException {
        TypeSerializerSnapshot<TrainingExample> written =
                org.apache.flink.api.java.typeutils.runtime.RemovedFieldPojoSnapshots.asReadFor(
                        LegacyBufferedExample.class, TrainingExample.class);
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, written);
        TypeSerializerSnapshot<TrainingExample> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        assertThat(buffer.snapshotConfiguration()
                        .resolveSchemaCompatibility(read)
                        .isCompatibleAsIs())
                .isTrue();
        TypeSerializer<TrainingExample> restored = read.restoreSerializer();
        Random rnd = new Random(5);
        for (int i = 0; i < 20; i++) {
            TrainingExample e = random(rnd, i);
            byte[] v1 = bytes(legacy, legacyOf(e));
            DataInputDeserializer in = new DataInputDeserializer(v1);
            TrainingExample viaFlink = restored.deserialize(in);
            assertThat(in.available()).isZero();
            assertThat(bytes(buffer, viaFlink)).isEqualTo(v1);
        }
    }

    static <T> byte[] bytes(TypeSerializer<T> s, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        return out.getCopyOfBuffer();
    }

    private static TrainingExample random(Random rnd, int i) {
        TrainingExample e = new TrainingExample();
        e.modelId = i % 7 == 3 ? null : "model-" + rnd.nextInt(100);
        e.dense = new float[i % 3 == 0 ? 0 : rnd.nextInt(40)];
        for (int j = 0; j < e.dense.length; j++) {
            e.dense[j] = j % 11 == 5 ? -0f : (float) rnd.nextGaussian();
        }
        e.indices = rnd.ints(i % 2 == 0 ? rnd.nextInt(20) : 0, 0, 1 << 20).toArray();
        e.values = new float[e.indices.length];
        for (int j = 0; j < e.values.length; j++) {
            e.values[j] = (float) rnd.nextGaussian();
        }
        e.label = rnd.nextInt(10);
        e.weight = rnd.nextFloat();
        e.eventTime = rnd.nextLong();
        e.topic = i % 5 == 4 ? null : "examples-ü-" + i;
        e.partition = rnd.nextInt();
        e.offset = rnd.nextLong();
        return e;
    }

    private static LegacyBufferedExample legacyOf(TrainingExample e) {
        LegacyBufferedExample l = new LegacyBufferedExample();
        l.modelId = e.modelId;
        l.dense = e.dense;
        l.indices = e.indices;
        l.values = e.values;
        l.label = e.label;
        l.weight = e.weight;
        l.eventTime = e.eventTime;
        l.topic = e.topic;
        l.partition = e.partition;
        l.offset = e.offset;
        return l;
    }
}

package io.streamgrad.job.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The tagged bulk serializer of the decoder → mini-batcher edge, both variants: every element comes back as the
 * same variant with the same field values (bit for bit for floats, NaN payloads and negative zeros included). For
 * single examples, Flink's own POJO serializer is the reference.
 */
class BatcherInputSerializerTest {
    private final TypeSerializer<TrainingExample> pojo =
            TypeInformation.of(TrainingExample.class).createSerializer(new SerializerConfigImpl());
    private final TypeSerializer<BatcherInput> bulk =
            BatcherInputTypeInfo.INSTANCE.createSerializer(new SerializerConfigImpl());

    @Test
    void bothVariants_roundTrip_backToBackInOneStream() throws IOException {
        Random rnd = new Random(7);
        BatcherInput[] records = {
            dense(rnd, 784),
            sparse(rnd, 30),
            new TrainingExample(),
            withBatch(rnd, 128, 784),
            withBatch(rnd, 3, 40_000), // arrays longer than one bulk chunk
            sparse(rnd, 0)
        };
        ((TrainingExample) records[5]).modelId = null; // nullable strings
        ((TrainingExample) records[5]).topic = null;
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (BatcherInput r : records) {
            bulk.serialize(r, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
        for (BatcherInput r : records) {
            BatcherInput back = bulk.deserialize(in);
            assertThat(back).hasSameClassAs(r);
            assertSameElement(back, r, true); // raw bits: NaN payloads survive
            if (r instanceof TrainingExample t) {
                assertSame((TrainingExample) back, viaPojo(t), false); // Flink's writeFloat canonicalises NaNs
            }
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void anUnknownTag_isACorruptRecord() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {7});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bulk.deserialize(in))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown tag 7");
    }

    @Test
    void copy_isDeep() {
        Random rnd = new Random(3);
        ProducerBatch r = withBatch(rnd, 4, 10);
        ProducerBatch c = (ProducerBatch) bulk.copy(r);
        assertSameElement(c, r, true);
        c.batch().dense[0] = 42f;
        assertThat(r.batch().dense[0]).isNotEqualTo(42f);
        TrainingExample e = dense(rnd, 2);
        TrainingExample d = (TrainingExample) bulk.copy(e);
        assertSame(d, e, true);
        d.dense[0] = 42f;
        assertThat(e.dense[0]).isNotEqualTo(42f);
    }

    @Test
    void duplicates_areIndependentAndEqual_andTheVersionedSnapshotRestoresIt() throws IOException {
        assertThat(bulk.duplicate()).isNotSameAs(bulk).isEqualTo(bulk);
        var snapshot = bulk.snapshotConfiguration();
        assertThat(snapshot.getCurrentVersion()).isEqualTo(1);
        DataOutputSerializer out = new DataOutputSerializer(64);
        org.apache.flink.api.common.typeutils.TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        var back = org.apache.flink.api.common.typeutils.TypeSerializerSnapshot.<BatcherInput>readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(back.restoreSerializer()).isEqualTo(bulk);
        assertThat(snapshot.resolveSchemaCompatibility(back).isCompatibleAsIs()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BatcherInputSerializer.Snapshot()
                        .readSnapshot(
                                2,
                                new DataInputDeserializer(new byte[0]),
                                getClass().getClassLoader()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
    }

    @Test
    void typeExtraction_findsTheTaggedSerializer_notAGenericType() {
        assertThat(TypeInformation.of(BatcherInput.class)).isEqualTo(BatcherInputTypeInfo.INSTANCE);
    }

    private static void assertSameElement(BatcherInput a, BatcherInput b, boolean raw) {
        if (a instanceof TrainingExample x) {
            assertSame(x, (TrainingExample) b, raw);
            return;
        }
        ProducerBatch p = (ProducerBatch) a;
        ProducerBatch q = (ProducerBatch) b;
        assertThat(p.topic()).isEqualTo(q.topic());
        assertThat(p.partition()).isEqualTo(q.partition());
        assertThat(p.offset()).isEqualTo(q.offset());
        assertThat(p.modelId()).isEqualTo(q.modelId());
        assertSame(p.batch(), q.batch(), raw);
    }

    private TrainingExample viaPojo(TrainingExample r) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(64);
            pojo.serialize(r, out);
            return pojo.deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertSame(TrainingExample a, TrainingExample b, boolean raw) {
        assertThat(a.modelId).isEqualTo(b.modelId);
        assertBits(a.dense, b.dense, raw);
        assertThat(a.indices).isEqualTo(b.indices);
        assertBits(a.values, b.values, raw);
        assertThat(Float.floatToRawIntBits(a.label)).isEqualTo(Float.floatToRawIntBits(b.label));
        assertThat(Float.floatToRawIntBits(a.weight)).isEqualTo(Float.floatToRawIntBits(b.weight));
        assertThat(a.eventTime).isEqualTo(b.eventTime);
        assertThat(a.topic).isEqualTo(b.topic);
        assertThat(a.partition).isEqualTo(b.partition);
        assertThat(a.offset).isEqualTo(b.offset);
    }

    private static void assertSame(ExampleBatch x, ExampleBatch y, boolean raw) {
        {
            assertThat(x.modelId).isEqualTo(y.modelId);
            assertThat(x.size).isEqualTo(y.size);
            assertThat(x.dim).isEqualTo(y.dim);
            assertBits(x.dense, y.dense, raw);
            assertThat(x.rowPtr).isEqualTo(y.rowPtr);
            assertThat(x.indices).isEqualTo(y.indices);
            assertBits(x.values, y.values, raw);
            assertBits(x.labels, y.labels, raw);
            assertBits(x.weights, y.weights, raw);
            assertThat(x.maxEventTime).isEqualTo(y.maxEventTime);
            assertThat(x.sourcePartitions).isEqualTo(y.sourcePartitions);
            assertThat(x.nextOffsets).isEqualTo(y.nextOffsets);
            assertThat(x.trigger).isEqualTo(y.trigger);
        }
    }

    private static void assertBits(float[] a, float[] b, boolean raw) {
        assertThat(a.length).isEqualTo(b.length);
        for (int i = 0; i < a.length; i++) {
            int x = raw ? Float.floatToRawIntBits(a[i]) : Float.floatToIntBits(a[i]);
            int y = raw ? Float.floatToRawIntBits(b[i]) : Float.floatToIntBits(b[i]);
            assertThat(x).as("element %d", i).isEqualTo(y);
        }
    }

    private static float[] floats(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = switch (i % 50) {
                case 7 -> -0f;
                case 11 -> Float.intBitsToFloat(0x7fc00123); // a NaN with a payload
                case 13 -> Float.MIN_VALUE;
                default -> (float) rnd.nextGaussian();
            };
        }
        return a;
    }

    private static TrainingExample base(Random rnd) {
        TrainingExample t = new TrainingExample();
        t.modelId = "model-" + rnd.nextInt(100);
        t.label = rnd.nextInt(10);
        t.weight = 0.5f;
        t.eventTime = 1_700_000_000_000L + rnd.nextInt(1000);
        t.topic = "examples";
        t.partition = rnd.nextInt(4);
        t.offset = rnd.nextLong() & Long.MAX_VALUE;
        return t;
    }

    private static TrainingExample dense(Random rnd, int d) {
        TrainingExample t = base(rnd);
        t.dense = floats(rnd, d);
        return t;
    }

    private static TrainingExample sparse(Random rnd, int nnz) {
        TrainingExample t = base(rnd);
        t.indices = rnd.ints(nnz, 0, 1 << 20).toArray();
        t.values = floats(rnd, nnz);
        return t;
    }

    private static ProducerBatch withBatch(Random rnd, int size, int dim) {
        ExampleBatch b = new ExampleBatch();
        b.modelId = "mlp";
        b.size = size;
        b.dim = dim;
        b.dense = floats(rnd, size * dim);
        b.labels = floats(rnd, size);
        b.weights = floats(rnd, size);
        b.maxEventTime = 99;
        b.sourcePartitions = new String[] {"examples-0", "examples-3"};
        b.nextOffsets = new long[] {10, 20};
        b.trigger = "producer";
        return new ProducerBatch(b, "examples", 3, 5);
    }
}

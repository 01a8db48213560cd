package io.streamgrad.job.records;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * {@link BatcherInput} across the keyBy from the decoder to the mini-batcher: a tag byte, then the variant's fields,
 * with feature arrays copied in bulk. Flink's POJO serializer writes a {@code float[]} one {@code writeFloat} at a
 * time, which on a 784-feature example (100,352 floats in a MiniBatch record of 128) cost about as much as decoding
 * it. Here each array is one length and one block of little-endian bytes, converted with {@link java.nio.FloatBuffer}
 * bulk copies.
 *
 * <p>Layout, version {@value Snapshot#VERSION}:
 * <pre>
 *   tag 0 (TrainingExample): modelId, dense, indices, values, label, weight, eventTime, topic, partition, offset
 *   tag 1 (ProducerBatch):   topic, partition, offset, then the ExampleBatch: modelId, size, dim, dense, rowPtr,
 *                            indices, values, labels, weights, maxEventTime, sourcePartitions, nextOffsets, trigger
 * </pre>
 * Strings are {@link StringValue} (null allowed), arrays an int length and the elements.
 *
 * <p>Records in flight only: aligned checkpoints (the job's default) never persist them, and the mini-batcher's
 * keyed state has its own serializer. Not thread-safe (a scratch buffer): {@link #duplicate()} gives each thread its
 * own, as Flink requires.
 */
public final class BatcherInputSerializer extends TypeSerializer<BatcherInput> {
    private static final long serialVersionUID = 1L;
    private static final byte EXAMPLE = 0;
    private static final byte PRODUCER_BATCH = 1;
    /** Floats per bulk copy: bounds the scratch buffer at 64 KB whatever the array. */
    private static final int CHUNK = 16 * 1024;

    private transient ByteBuffer scratch;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<BatcherInput> duplicate() {
        return new BatcherInputSerializer();
    }

    @Override
    public BatcherInput createInstance() {
        return new TrainingExample();
    }

    @Override
    public BatcherInput copy(BatcherInput from) {
        if (from instanceof TrainingExample e) {
            return copy(e);
        }
        ProducerBatch p = (ProducerBatch) from;
        return new ProducerBatch(copy(p.batch()), p.topic(), p.partition(), p.offset());
    }

    private static TrainingExample copy(TrainingExample from) {
        TrainingExample t = new TrainingExample();
        t.modelId = from.modelId;
        t.dense = from.dense.clone();
        t.indices = from.indices.clone();
        t.values = from.values.clone();
        t.label = from.label;
        t.weight = from.weight;
        t.eventTime = from.eventTime;
        t.topic = from.topic;
        t.partition = from.partition;
        t.offset = from.offset;
        return t;
    }

    private static ExampleBatch copy(ExampleBatch from) {
        ExampleBatch b = new ExampleBatch();
        b.modelId = from.modelId;
        b.size = from.size;
        b.dim = from.dim;
        b.dense = from.dense.clone();
        b.rowPtr = from.rowPtr.clone();
        b.indices = from.indices.clone();
        b.values = from.values.clone();
        b.labels = from.labels.clone();
        b.weights = from.weights.clone();
        b.maxEventTime = from.maxEventTime;
        b.sourcePartitions = from.sourcePartitions.clone();
        b.nextOffsets = from.nextOffsets.clone();
        b.trigger = from.trigger;
        return b;
    }

    @Override
    public BatcherInput copy(BatcherInput from, BatcherInput reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(BatcherInput record, DataOutputView out) throws IOException {
        if (record instanceof TrainingExample t) {
            out.writeByte(EXAMPLE);
            StringValue.writeString(t.modelId, out);
            writeFloats(t.dense, out);
            writeInts(t.indices, out);
            writeFloats(t.values, out);
            out.writeFloat(t.label);
            out.writeFloat(t.weight);
            out.writeLong(t.eventTime);
            StringValue.writeString(t.topic, out);
            out.writeInt(t.partition);
            out.writeLong(t.offset);
            return;
        }
        ProducerBatch p = (ProducerBatch) record;
        out.writeByte(PRODUCER_BATCH);
        StringValue.writeString(p.topic(), out);
        out.writeInt(p.partition());
        out.writeLong(p.offset());
        ExampleBatch b = p.batch();
        StringValue.writeString(b.modelId, out);
        out.writeInt(b.size);
        out.writeInt(b.dim);
        writeFloats(b.dense, out);
        writeInts(b.rowPtr, out);
        writeInts(b.indices, out);
        writeFloats(b.values, out);
        writeFloats(b.labels, out);
        writeFloats(b.weights, out);
        out.writeLong(b.maxEventTime);
        out.writeInt(b.sourcePartitions.length);
        for (String s : b.sourcePartitions) {
            StringValue.writeString(s, out);
        }
        out.writeInt(b.nextOffsets.length);
        for (long o : b.nextOffsets) {
            out.writeLong(o);
        }
        StringValue.writeString(b.trigger, out);
    }

    @Override
    public BatcherInput deserialize(DataInputView in) throws IOException {
        byte tag = in.readByte();
        if (tag == EXAMPLE) {
            TrainingExample t = new TrainingExample();
            t.modelId = StringValue.readString(in);
            t.dense = readFloats(in);
            t.indices = readInts(in);
            t.values = readFloats(in);
            t.label = in.readFloat();
            t.weight = in.readFloat();
            t.eventTime = in.readLong();
            t.topic = StringValue.readString(in);
            t.partition = in.readInt();
            t.offset = in.readLong();
            return t;
        }
        if (tag != PRODUCER_BATCH) {
            throw new IOException("corrupt BatcherInput record: unknown tag " + tag);
        }
        String topic = StringValue.readString(in);
        int partition = in.readInt();
        long offset = in.readLong();
        ExampleBatch b = new ExampleBatch();
        b.modelId = StringValue.readString(in);
        b.size = in.readInt();
        b.dim = in.readInt();
        b.dense = readFloats(in);
        b.rowPtr = readInts(in);
        b.indices = readInts(in);
        b.values = readFloats(in);
        b.labels = readFloats(in);
        b.weights = readFloats(in);
        b.maxEventTime = in.readLong();
        b.sourcePartitions = new String[checkedLength(in.readInt())];
        for (int i = 0; i < b.sourcePartitions.length; i++) {
            b.sourcePartitions[i] = StringValue.readString(in);
        }
        b.nextOffsets = new long[checkedLength(in.readInt())];
        for (int i = 0; i < b.nextOffsets.length; i++) {
            b.nextOffsets[i] = in.readLong();
        }
        b.trigger = StringValue.readString(in);
        return new ProducerBatch(b, topic, partition, offset);
    }

    @Override
    public BatcherInput deserialize(BatcherInput reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    private ByteBuffer scratch() {
        if (scratch == null) {
            scratch = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        }
        return scratch;
    }

    private void writeFloats(float[] a, DataOutputView out) throws IOException {
        out.writeInt(a.length);
        ByteBuffer buf = scratch();
        for (int off = 0; off < a.length; off += CHUNK) {
            int n = Math.min(CHUNK, a.length - off);
            buf.clear();
            buf.asFloatBuffer().put(a, off, n);
            out.write(buf.array(), 0, n * 4);
        }
    }

    private float[] readFloats(DataInputView in) throws IOException {
        float[] a = new float[checkedLength(in.readInt())];
        ByteBuffer buf = scratch();
        for (int off = 0; off < a.length; off += CHUNK) {
            int n = Math.min(CHUNK, a.length - off);
            in.readFully(buf.array(), 0, n * 4);
            buf.clear();
            buf.asFloatBuffer().get(a, off, n);
        }
        return a;
    }

    private void writeInts(int[] a, DataOutputView out) throws IOException {
        out.writeInt(a.length);
        ByteBuffer buf = scratch();
        for (int off = 0; off < a.length; off += CHUNK) {
            int n = Math.min(CHUNK, a.length - off);
            buf.clear();
            buf.asIntBuffer().put(a, off, n);
            out.write(buf.array(), 0, n * 4);
        }
    }

    private int[] readInts(DataInputView in) throws IOException {
        int[] a = new int[checkedLength(in.readInt())];
        ByteBuffer buf = scratch();
        for (int off = 0; off < a.length; off += CHUNK) {
            int n = Math.min(CHUNK, a.length - off);
            in.readFully(buf.array(), 0, n * 4);
            buf.clear();
            buf.asIntBuffer().get(a, off, n);
        }
        return a;
    }

    private static int checkedLength(int n) throws IOException {
        if (n < 0) {
            throw new IOException("corrupt BatcherInput record: array length " + n);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatcherInputSerializer;
    }

    @Override
    public int hashCode() {
        return BatcherInputSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<BatcherInput> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * The serializer has no configuration: the snapshot's version is the record layout's. Version 1 is the layout
     * above; a version this code does not know is refused when the snapshot is read.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<BatcherInput> {
        static final int VERSION = 1;

        public Snapshot() {}

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {}

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) throws IOException {
            if (readVersion < 1 || readVersion > VERSION) {
                throw new IOException("BatcherInputSerializer snapshot version " + readVersion
                        + " is not known to this build (it reads 1.." + VERSION + "): use the build that wrote it");
            }
        }

        @Override
        public TypeSerializer<BatcherInput> restoreSerializer() {
            return new BatcherInputSerializer();
        }

        @Override
        public TypeSerializerSchemaCompatibility<BatcherInput> resolveSchemaCompatibility(
                TypeSerializerSnapshot<BatcherInput> oldSerializerSnapshot) {
            return oldSerializerSnapshot instanceof Snapshot
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}

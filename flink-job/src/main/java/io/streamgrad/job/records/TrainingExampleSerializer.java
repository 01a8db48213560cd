package io.streamgrad.job.records;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * {@link TrainingExample} (and the {@link ExampleBatch} of a producer-made mini-batch) across the keyBy from the
 * decoder to the mini-batcher, with its feature arrays copied in bulk: Flink's POJO serializer writes a
 * {@code float[]} one {@code writeFloat} at a time, which on a 784-feature example (100,352 floats in a MiniBatch
 * record of 128) cost about as much as decoding it. Here each array is one length and one block of little-endian
 * bytes, converted with {@link java.nio.FloatBuffer} bulk copies.
 *
 * <p>Used for records in flight only ({@link TrainingExampleTypeInfo} on the decoder's output): the mini-batcher's
 * keyed state keeps Flink's POJO serializer, so checkpoints and savepoints are unchanged. Aligned checkpoints
 * (the job's default) never persist in-flight records.
 *
 * <p>Not thread-safe (a scratch buffer): {@link #duplicate()} gives each thread its own, as Flink requires.
 */
public final class TrainingExampleSerializer extends TypeSerializer<TrainingExample> {
    private static final long serialVersionUID = 1L;
    /** Floats per bulk copy: bounds the scratch buffer at 64 KB whatever the array. */
    private static final int CHUNK = 16 * 1024;

    private transient ByteBuffer scratch;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<TrainingExample> duplicate() {
        return new TrainingExampleSerializer();
    }

    @Override
    public TrainingExample createInstance() {
        return new TrainingExample();
    }

    @Override
    public TrainingExample copy(TrainingExample from) {
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
        t.batch = from.batch == null ? null : copy(from.batch);
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
    public TrainingExample copy(TrainingExample from, TrainingExample reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(TrainingExample t, DataOutputView out) throws IOException {
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
        out.writeBoolean(t.batch != null);
        if (t.batch != null) {
            ExampleBatch b = t.batch;
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
            for (String p : b.sourcePartitions) {
                StringValue.writeString(p, out);
            }
            out.writeInt(b.nextOffsets.length);
            for (long o : b.nextOffsets) {
                out.writeLong(o);
            }
            StringValue.writeString(b.trigger, out);
        }
    }

    @Override
    public TrainingExample deserialize(DataInputView in) throws IOException {
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
        if (in.readBoolean()) {
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
            b.sourcePartitions = new String[in.readInt()];
            for (int i = 0; i < b.sourcePartitions.length; i++) {
                b.sourcePartitions[i] = StringValue.readString(in);
            }
            b.nextOffsets = new long[in.readInt()];
            for (int i = 0; i < b.nextOffsets.length; i++) {
                b.nextOffsets[i] = in.readLong();
            }
            b.trigger = StringValue.readString(in);
            t.batch = b;
        }
        return t;
    }

    @Override
    public TrainingExample deserialize(TrainingExample reuse, DataInputView in) throws IOException {
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
            throw new IOException("corrupt TrainingExample record: array length " + n);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingExampleSerializer;
    }

    @Override
    public int hashCode() {
        return TrainingExampleSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<TrainingExample> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration; the snapshot's version is the record layout's. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<TrainingExample> {
        public Snapshot() {
            super(TrainingExampleSerializer::new);
        }
    }
}

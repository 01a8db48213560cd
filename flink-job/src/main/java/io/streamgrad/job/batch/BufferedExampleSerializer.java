package io.streamgrad.job.batch;

import io.streamgrad.job.records.TrainingExample;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The examples waiting in the {@link MiniBatcher}'s keyed {@code ListState} "buffer", in the byte layout that
 * state has had since state format v1, when Flink's POJO serializer wrote it for a {@code TrainingExample} class that
 * also had a {@code batch} field (a producer-made batch, which never went into the buffer). The class no longer has
 * that field; its slot stays in the bytes, always written as absent, so savepoints written before and after the
 * change are the same bytes and old ones restore as they are.
 *
 * <p>Layout of one element (that of Flink's {@code PojoSerializer}: a flags byte, then the fields in name order,
 * each as a null flag and, when not null, its value):
 * <pre>
 *   flags       byte     1 = null element, 2 = a TrainingExample (no subclass)
 *   batch       boolean  always true (absent); false (a batch) is refused on read
 *   dense       boolean null flag, int n, n x float
 *   eventTime   boolean false, long
 *   indices     boolean null flag, int n, n x int
 *   label       boolean false, float
 *   modelId     boolean null flag, StringValue
 *   offset      boolean false, long
 *   partition   boolean false, int
 *   topic       boolean null flag, StringValue
 *   values      boolean null flag, int n, n x float
 *   weight      boolean false, float
 * </pre>
 * Floats and ints are big-endian, one {@code writeFloat}/{@code writeInt} each, as Flink's primitive array
 * serializers write them.
 *
 * <p>The snapshot ({@link Snapshot}, version 1) accepts its own versions and, for savepoints written before this
 * class existed, the {@link PojoSerializerSnapshot} of {@code TrainingExample}, checked on a probe element: written
 * with the {@code batch} slot (the serializer it restores reads this one's bytes back whole), it is "compatible as
 * is"; written before the class had that field (the committed v1 fixture: no slot), "compatible after migration"
 * (read with the restored POJO serializer, written again with this one), as Flink resolved it before. Either way
 * the next savepoint's state is byte for byte what the POJO serializer with the {@code batch} field wrote.
 */
public final class BufferedExampleSerializer extends TypeSerializer<TrainingExample> {
    private static final long serialVersionUID = 1L;
    public static final BufferedExampleSerializer INSTANCE = new BufferedExampleSerializer();

    private static final byte IS_NULL = 1;
    private static final byte NO_SUBCLASS = 2;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<TrainingExample> duplicate() {
        return this; // stateless
    }

    @Override
    public TrainingExample createInstance() {
        return new TrainingExample();
    }

    @Override
    public TrainingExample copy(TrainingExample from) {
        if (from == null) {
            return null;
        }
        TrainingExample t = new TrainingExample();
        t.modelId = from.modelId;
        t.dense = from.dense == null ? null : from.dense.clone();
        t.indices = from.indices == null ? null : from.indices.clone();
        t.values = from.values == null ? null : from.values.clone();
        t.label = from.label;
        t.weight = from.weight;
        t.eventTime = from.eventTime;
        t.topic = from.topic;
        t.partition = from.partition;
        t.offset = from.offset;
        return t;
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
        if (t == null) {
            out.writeByte(IS_NULL);
            return;
        }
        out.writeByte(NO_SUBCLASS);
        out.writeBoolean(true); // batch: always absent
        writeFloats(t.dense, out);
        out.writeBoolean(false);
        out.writeLong(t.eventTime);
        writeInts(t.indices, out);
        out.writeBoolean(false);
        out.writeFloat(t.label);
        writeString(t.modelId, out);
        out.writeBoolean(false);
        out.writeLong(t.offset);
        out.writeBoolean(false);
        out.writeInt(t.partition);
        writeString(t.topic, out);
        writeFloats(t.values, out);
        out.writeBoolean(false);
        out.writeFloat(t.weight);
    }

    @Override
    public TrainingExample deserialize(DataInputView in) throws IOException {
        byte flags = in.readByte();
        if (flags == IS_NULL) {
            return null;
        }
        if (flags != NO_SUBCLASS) {
            throw new IOException("corrupt mini-batcher buffer element: flags " + flags
                    + " (1 = null, 2 = TrainingExample; no subclass was ever written)");
        }
        if (!in.readBoolean()) {
            throw new IOException("mini-batcher buffer element with a producer batch in its 'batch' slot: the"
                    + " batcher never buffers one, so the state is corrupt or was not written by streamgrad");
        }
        TrainingExample t = new TrainingExample();
        t.dense = readFloats(in);
        t.eventTime = readLong(in);
        t.indices = readInts(in);
        t.label = in.readBoolean() ? 0f : in.readFloat();
        t.modelId = readString(in);
        t.offset = readLong(in);
        t.partition = in.readBoolean() ? 0 : in.readInt();
        t.topic = readString(in);
        t.values = readFloats(in);
        t.weight = in.readBoolean() ? 0f : in.readFloat();
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

    private static void writeString(String s, DataOutputView out) throws IOException {
        out.writeBoolean(s == null);
        if (s != null) {
            StringValue.writeString(s, out);
        }
    }

    private static String readString(DataInputView in) throws IOException {
        return in.readBoolean() ? null : StringValue.readString(in);
    }

    private static long readLong(DataInputView in) throws IOException {
        return in.readBoolean() ? 0L : in.readLong();
    }

    private static void writeFloats(float[] a, DataOutputView out) throws IOException {
        out.writeBoolean(a == null);
        if (a != null) {
            out.writeInt(a.length);
            for (float v : a) {
                out.writeFloat(v);
            }
        }
    }

    private static float[] readFloats(DataInputView in) throws IOException {
        if (in.readBoolean()) {
            return null;
        }
        float[] a = new float[checkedLength(in.readInt())];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readFloat();
        }
        return a;
    }

    private static void writeInts(int[] a, DataOutputView out) throws IOException {
        out.writeBoolean(a == null);
        if (a != null) {
            out.writeInt(a.length);
            for (int v : a) {
                out.writeInt(v);
            }
        }
    }

    private static int[] readInts(DataInputView in) throws IOException {
        if (in.readBoolean()) {
            return null;
        }
        int[] a = new int[checkedLength(in.readInt())];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readInt();
        }
        return a;
    }

    private static int checkedLength(int n) throws IOException {
        if (n < 0) {
            throw new IOException("corrupt mini-batcher buffer element: array length " + n);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BufferedExampleSerializer;
    }

    @Override
    public int hashCode() {
        return BufferedExampleSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<TrainingExample> snapshotConfiguration() {
        return new Snapshot();
    }

    /** No configuration: the version is the element layout's (version 1: the layout above). */
    public static final class Snapshot implements TypeSerializerSnapshot<TrainingExample> {
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
                throw new IOException("mini-batcher buffer serializer snapshot version " + readVersion
                        + " is not known to this build (it reads 1.." + VERSION + "): restore with the build that"
                        + " wrote the savepoint, or a newer one");
            }
        }

        @Override
        public TypeSerializer<TrainingExample> restoreSerializer() {
            return INSTANCE;
        }

        @Override
        public TypeSerializerSchemaCompatibility<TrainingExample> resolveSchemaCompatibility(
                TypeSerializerSnapshot<TrainingExample> oldSerializerSnapshot) {
            if (oldSerializerSnapshot instanceof Snapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            if (oldSerializerSnapshot instanceof PojoSerializerSnapshot) {
                TypeSerializer<TrainingExample> pojo = oldSerializerSnapshot.restoreSerializer();
                if (readsTheSameLayout(pojo)) {
                    return TypeSerializerSchemaCompatibility.compatibleAsIs(); // written with the batch slot
                }
                if (roundTrips(pojo)) {
                    // Written before TrainingExample had a batch field (the committed v1 fixture): Flink reads the
                    // old state with the POJO serializer it restores and writes it again with this one.
                    return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
                }
            }
            return TypeSerializerSchemaCompatibility.incompatible();
        }

        /**
         * Whether the POJO serializer restored from a savepoint reads what this serializer writes: a probe element
         * comes back whole, every byte consumed. Reading is the direction that matters: on a heap backend that
         * serializer reads the old state.
         */
        static boolean readsTheSameLayout(TypeSerializer<TrainingExample> pojo) {
            TrainingExample probe = probe();
            try {
                DataOutputSerializer out = new DataOutputSerializer(128);
                INSTANCE.serialize(probe, out);
                byte[] ours = out.getCopyOfBuffer();
                DataInputDeserializer in = new DataInputDeserializer(ours);
                TrainingExample back = pojo.deserialize(in);
                if (in.available() != 0 || !(back instanceof TrainingExample)) {
                    return false;
                }
                out.clear();
                INSTANCE.serialize(back, out);
                return Arrays.equals(ours, out.getCopyOfBuffer());
            } catch (IOException | RuntimeException e) {
                return false; // another class, other fields: not the v1 layout
            }
        }

        /** Whether the restored POJO serializer writes and reads back a probe element whole, in its own layout. */
        static boolean roundTrips(TypeSerializer<TrainingExample> pojo) {
            TrainingExample probe = probe();
            try {
                DataOutputSerializer out = new DataOutputSerializer(128);
                pojo.serialize(probe, out);
                DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
                TrainingExample back = pojo.deserialize(in);
                return in.available() == 0
                        && back instanceof TrainingExample
                        && Arrays.equals(bytesOf(probe), bytesOf(back));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        private static byte[] bytesOf(TrainingExample e) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(128);
            INSTANCE.serialize(e, out);
            return out.getCopyOfBuffer();
        }

        private static TrainingExample probe() {
            TrainingExample probe = new TrainingExample();
            probe.modelId = "probe";
            probe.dense = new float[] {1.5f, -2f};
            probe.indices = new int[] {3, 7, 11};
            probe.values = new float[] {0.25f, 4f, -8f};
            probe.label = 3f;
            probe.weight = 0.5f;
            probe.eventTime = 1_700_000_000_123L;
            probe.topic = "examples";
            probe.partition = 5;
            probe.offset = 123_456_789_012L;
            return probe;
        }
    }
}

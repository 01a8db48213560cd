package io.streamgrad.schemas;

import io.streamgrad.avro.Example;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.RandomAccess;

/**
 * Reads the Avro binary body of the current {@code Example} schema (and of a {@code MiniBatch} of them) straight
 * from the record's bytes into primitive arrays: no {@code InputStream}, no per-byte virtual calls, no boxed
 * {@code Float}/{@code Integer} per value (Avro's generic reader boxes every feature value into a
 * {@code GenericData.Array}; for a 784-feature example that is most of the decoding time).
 *
 * <p>It is a fast path, never the judge: it accepts only a body it reads completely and exactly (every length
 * within the remaining bytes, nothing left over), of the writer schema it was written for, with an empty
 * {@code named} map. Anything else — named features, an older writer schema, a truncated, oversized or otherwise
 * odd body — returns null, and the caller decodes with Avro's reader, which then accepts it or says precisely
 * what is wrong. Where it accepts, the result equals what Avro's reader returns ({@code FastExampleReaderTest}).
 *
 * <p>The lists it returns are unmodifiable views of primitive arrays ({@link FloatList}, {@link IntList}).
 * Stateless and thread-safe.
 */
public final class FastExampleReader {
    private final byte[] b;
    private int pos;

    private FastExampleReader(byte[] bytes, int from) {
        this.b = bytes;
        this.pos = from;
    }

    /** The single-object body of the current Example schema from {@code from} to the end, or null (see above). */
    public static Example example(byte[] bytes, int from) {
        FastExampleReader r = new FastExampleReader(bytes, from);
        try {
            Example e = r.readExample();
            return e != null && r.pos == bytes.length ? e : null;
        } catch (RuntimeException malformed) {
            return null; // out of bounds, bad varint: Avro's reader will say what is wrong
        }
    }

    /**
     * The single-object body of the current MiniBatch schema from {@code from} to the end, as its model id and
     * examples, or null (see above; one example the fast path declines declines the whole record).
     */
    public static MiniBatchBody miniBatch(byte[] bytes, int from) {
        FastExampleReader r = new FastExampleReader(bytes, from);
        try {
            String modelId = r.readString();
            if (modelId == null) {
                return null;
            }
            List<Example> examples = new ArrayList<>();
            long count;
            while ((count = r.readBlockCount()) != 0) {
                if (count < 0 || count > bytes.length - r.pos) {
                    return null;
                }
                for (long i = 0; i < count; i++) {
                    Example e = r.readExample();
                    if (e == null) {
                        return null;
                    }
                    examples.add(e);
                }
            }
            return r.pos == bytes.length ? new MiniBatchBody(modelId, Collections.unmodifiableList(examples)) : null;
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /** A MiniBatch read by the fast path. */
    public record MiniBatchBody(String modelId, List<Example> examples) {}

    /** The Example schema's fields, in order: model_id, event_time, dense, indices, values, named, label, weight. */
    private Example readExample() {
        String modelId = readString();
        if (modelId == null) {
            return null;
        }
        long eventTime = readLong();
        float[] dense = readFloats();
        int[] indices = dense == null ? null : readInts();
        float[] values = indices == null ? null : readFloats();
        if (values == null || readBlockCount() != 0) {
            return null; // named features: the generic reader builds the map Avro builds
        }
        float label = readFloat();
        float weight = readFloat();
        return new Example(
                modelId,
                Instant.ofEpochMilli(eventTime),
                new FloatList(dense),
                new IntList(indices),
                new FloatList(values),
                Collections.emptyMap(),
                label,
                weight);
    }

    /** Avro's reader takes a string's length as an int varint. */
    private String readString() {
        long len = readInt();
        if (len < 0 || len > b.length - pos) {
            return null;
        }
        String s = new String(b, pos, (int) len, StandardCharsets.UTF_8);
        pos += (int) len;
        return s;
    }

    /** An array of floats (any number of blocks), or null when a block is odd. */
    private float[] readFloats() {
        float[] out = null;
        int n = 0;
        long count;
        while ((count = readBlockCount()) != 0) {
            if (count < 0 || count > (b.length - pos) / 4) {
                return null;
            }
            out = out == null ? new float[(int) count] : java.util.Arrays.copyOf(out, Math.addExact(n, (int) count));
            // One bulk copy of the block's little-endian floats (the same bits as readFloat, value by value).
            java.nio.ByteBuffer.wrap(b, pos, (int) count * 4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(out, n, (int) count);
            pos += (int) count * 4;
            n += (int) count;
        }
        return out == null ? new float[0] : out;
    }

    /** An array of ints (any number of blocks), or null when a block is odd. */
    private int[] readInts() {
        int[] out = null;
        int n = 0;
        long count;
        while ((count = readBlockCount()) != 0) {
            if (count < 0 || count > b.length - pos) {
                return null;
            }
            out = out == null ? new int[(int) count] : java.util.Arrays.copyOf(out, Math.addExact(n, (int) count));
            for (int i = 0; i < count; i++) {
                out[n++] = readInt();
            }
        }
        return out == null ? new int[0] : out;
    }

    /**
     * An array or map block's item count. A negative count (a block followed by its size in bytes) is returned as
     * -1: such writers are rare, and the generic reader handles them.
     */
    private long readBlockCount() {
        long count = readLong();
        return count < 0 ? -1 : count;
    }

    private float readFloat() {
        int bits = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** A zig-zag varint of at most 5 bytes (Avro's int), as Avro's reader decodes it. */
    private int readInt() {
        int n = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            int x = b[pos++] & 0xff;
            n |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw new IllegalArgumentException("int varint longer than 5 bytes");
    }

    /** A zig-zag varint of at most 10 bytes (Avro's long). */
    private long readLong() {
        long n = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            long x = b[pos++] & 0xff;
            n |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw new IllegalArgumentException("long varint longer than 10 bytes");
    }

    /** An unmodifiable {@code List<Float>} over a {@code float[]}; {@link #array()} gives the values unboxed. */
    public static final class FloatList extends AbstractList<Float> implements RandomAccess {
        private final float[] a;

        public FloatList(float[] a) {
            this.a = a;
        }

        @Override
        public Float get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }

        /** The backing array itself (do not modify). */
        public float[] array() {
            return a;
        }
    }

    /** An unmodifiable {@code List<Integer>} over an {@code int[]}; {@link #array()} gives the values unboxed. */
    public static final class IntList extends AbstractList<Integer> implements RandomAccess {
        private final int[] a;

        public IntList(int[] a) {
            this.a = a;
        }

        @Override
        public Integer get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }

        /** The backing array itself (do not modify). */
        public int[] array() {
            return a;
        }
    }
}

package io.streamgrad.learner.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The change from one version of a model's parameter vector to the next: the indices whose value changed with
 * their new values, and the indices reset to 0 (tombstones of removed rows). Applying it to the parameters of
 * the version before gives the parameters of the new version bit for bit. Immutable.
 *
 * <p>Wire form (the Avro {@code ModelDelta} record's {@code indices}, {@code values}, {@code removed}): indices as
 * little-endian int32, strictly ascending; values as little-endian IEEE-754 float32 bit patterns (NaN payloads and
 * -0.0 kept), one per index; removed as little-endian int32, strictly ascending and disjoint from the indices.
 */
public final class ParameterDelta {
    private static final int[] NONE = new int[0];

    private final int numParams;
    private final int[] indices;
    private final float[] values;
    private final int[] removed;

    private ParameterDelta(int numParams, int[] indices, float[] values, int[] removed) {
        this.numParams = numParams;
        this.indices = indices;
        this.values = values;
        this.removed = removed;
    }

    /**
     * The delta that sets the given indices to their values in {@code params} (indices in any order, repeats
     * allowed: they are sorted and de-duplicated), removing nothing.
     *
     * @throws IllegalArgumentException when an index lies outside {@code params}
     */
    public static ParameterDelta gather(float[] params, int[] changed, int count) {
        int[] idx = Arrays.copyOf(changed, count);
        int n = sortUnique(idx, count);
        idx = n == idx.length ? idx : Arrays.copyOf(idx, n);
        if (n > 0 && (idx[0] < 0 || idx[n - 1] >= params.length)) {
            throw new IllegalArgumentException(
                    "changed index outside [0, " + params.length + "): " + (idx[0] < 0 ? idx[0] : idx[n - 1]));
        }
        float[] vals = new float[n];
        for (int k = 0; k < n; k++) {
            vals[k] = params[idx[k]];
        }
        return new ParameterDelta(params.length, idx, vals, NONE);
    }

    /**
     * Sorts the first {@code count} values of {@code a} in place and drops repeats: afterwards the first (returned)
     * number of values are the distinct ones, ascending. The index sets of deltas are kept this way.
     */
    public static int sortUnique(int[] a, int count) {
        Arrays.sort(a, 0, count);
        int n = 0;
        for (int k = 0; k < count; k++) {
            if (n == 0 || a[k] != a[n - 1]) {
                a[n++] = a[k];
            }
        }
        return n;
    }

    /**
     * The exact difference between two parameter vectors of the same length: every index whose float bit pattern
     * differs (so -0.0 vs 0.0 and NaN payloads count). O(n): an independent reference for tests and a fallback.
     */
    public static ParameterDelta between(float[] before, float[] after) {
        if (before.length != after.length) {
            throw new IllegalArgumentException(
                    "parameter vectors of different lengths: " + before.length + " and " + after.length);
        }
        int[] idx = new int[16];
        int n = 0;
        for (int i = 0; i < after.length; i++) {
            if (Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
                if (n == idx.length) {
                    idx = Arrays.copyOf(idx, idx.length * 2);
                }
                idx[n++] = i;
            }
        }
        return gather(after, idx, n);
    }

    /**
     * Reads the wire form.
     *
     * @param where names the record in messages (e.g. "updates topic deltas-0 offset 17, model ctr version 9")
     * @throws FormatException when lengths, order or ranges are wrong; the message says which and where
     */
    public static ParameterDelta fromWire(
            int numParams, ByteBuffer indices, ByteBuffer values, ByteBuffer removed, String where) {
        if (numParams < 0) {
            throw new FormatException(where + ": num_params is " + numParams + ", must be >= 0");
        }
        if (indices.remaining() % 4 != 0 || values.remaining() % 4 != 0 || removed.remaining() % 4 != 0) {
            throw new FormatException(where + ": indices, values and removed must be whole 4-byte words, got "
                    + indices.remaining() + ", " + values.remaining() + " and " + removed.remaining() + " bytes");
        }
        if (indices.remaining() != values.remaining()) {
            throw new FormatException(where + ": " + indices.remaining() / 4 + " indices but " + values.remaining() / 4
                    + " values; a delta carries one value per index");
        }
        int[] idx = ints(indices, numParams, "indices", where);
        int[] rem = ints(removed, numParams, "removed", where);
        float[] vals = new float[idx.length];
        ByteBuffer v = values.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < vals.length; k++) {
            vals[k] = Float.intBitsToFloat(v.getInt());
        }
        for (int a = 0, b = 0; a < idx.length && b < rem.length; ) {
            if (idx[a] == rem[b]) {
                throw new FormatException(where + ": index " + idx[a] + " is both changed and removed");
            }
            if (idx[a] < rem[b]) {
                a++;
            } else {
                b++;
            }
        }
        return new ParameterDelta(numParams, idx, vals, rem);
    }

    private static int[] ints(ByteBuffer bytes, int numParams, String field, String where) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[b.remaining() / 4];
        for (int k = 0; k < out.length; k++) {
            out[k] = b.getInt();
            if (out[k] < 0 || out[k] >= numParams) {
                throw new FormatException(
                        where + ": " + field + "[" + k + "] = " + out[k] + " is outside [0, " + numParams + ")");
            }
            if (k > 0 && out[k] <= out[k - 1]) {
                throw new FormatException(where + ": " + field + " must be strictly ascending, but " + field + "[" + k
                        + "] = " + out[k] + " follows " + out[k - 1]);
            }
        }
        return out;
    }

    /** This delta with these indices removed as well (tombstones); they must not be among the changed ones. */
    public ParameterDelta withRemoved(int[] removedIndices) {
        int[] rem = removedIndices.clone();
        Arrays.sort(rem);
        ByteBuffer idx = bytes(indices);
        ByteBuffer r = bytes(rem);
        return fromWire(numParams, idx, valueBytesBuffer(), r, "delta");
    }

    /** Applies the change in place: {@code params} must be the previous version's parameters. */
    public void applyTo(float[] params) {
        if (params.length != numParams) {
            throw new IllegalArgumentException(
                    "the delta is for " + numParams + " parameters, the model has " + params.length);
        }
        for (int k = 0; k < indices.length; k++) {
            params[indices[k]] = values[k];
        }
        for (int r : removed) {
            params[r] = 0f;
        }
    }

    public int numParams() {
        return numParams;
    }

    /** Changed indices (not counting removed ones). */
    public int count() {
        return indices.length;
    }

    /** The k-th changed index, ascending in k. */
    public int index(int k) {
        return indices[k];
    }

    /** The new value of the k-th changed index. */
    public float value(int k) {
        return values[k];
    }

    public int removedCount() {
        return removed.length;
    }

    /** The k-th removed index, ascending in k. */
    public int removed(int k) {
        return removed[k];
    }

    public byte[] indicesBytes() {
        return bytes(indices).array();
    }

    public byte[] valuesBytes() {
        return valueBytesBuffer().array();
    }

    public byte[] removedBytes() {
        return bytes(removed).array();
    }

    private ByteBuffer valueBytesBuffer() {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putInt(Float.floatToRawIntBits(v));
        }
        return b.flip();
    }

    private static ByteBuffer bytes(int[] ints) {
        ByteBuffer b = ByteBuffer.allocate(ints.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : ints) {
            b.putInt(i);
        }
        return b.flip();
    }
}

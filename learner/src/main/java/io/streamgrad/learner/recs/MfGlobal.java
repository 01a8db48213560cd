package io.streamgrad.learner.recs;

import java.util.Arrays;

/**
 * The small, model-wide part of an {@code mf} model's state (one value in keyed state beside the row maps): the
 * global bias with its optimizer slots, the step counter, the admitted-row counts of the user and item tables
 * and of every context table, and the ring of recent item occurrences negatives are drawn from.
 */
public final class MfGlobal {
    final float[] bias = new float[1];
    float[] slot1;
    float[] slot2;
    long biasUpdates;
    long step;
    long userRows;
    long itemRows;
    /** Admitted rows of each context table, in {@link MfSpec#contextFields()} order. */
    final long[] contextRows;

    final String[] pool;
    int poolNext;
    int poolFilled;

    public MfGlobal(MfSpec spec) {
        RowOptimizer o = spec.optimizer();
        slot1 = o.initialSlot1(bias);
        slot2 = o.initialSlot2(1);
        pool = new String[spec.negativePool()];
        contextRows = new long[spec.contexts().size()];
    }

    public long step() {
        return step;
    }

    public float globalBias() {
        return bias[0];
    }

    public long userRows() {
        return userRows;
    }

    public long itemRows() {
        return itemRows;
    }

    /** Admitted rows of context table {@code c} (its index in {@link MfSpec#contextFields()}). */
    public long contextRows(int c) {
        return contextRows[c];
    }

    /** Ids in the pool and how many slots hold each (rebuilt from {@link #pool}; not serialised). */
    private java.util.Map<String, Integer> members;

    /**
     * Adds one item occurrence to the ring; with {@code distinct}, an item already in the ring is not added again
     * (the ring then holds the last {@code pool} distinct items to enter it, first in first out).
     */
    void addToPool(String item, boolean distinct) {
        if (distinct) {
            if (members == null) {
                members = new java.util.HashMap<>();
                for (int i = 0; i < poolFilled; i++) {
                    members.merge(pool[i], 1, Integer::sum);
                }
            }
            if (members.containsKey(item)) {
                return;
            }
            String old = pool[poolNext];
            if (old != null && poolFilled == pool.length) {
                members.computeIfPresent(old, (k, c) -> c == 1 ? null : c - 1);
            }
            members.merge(item, 1, Integer::sum);
        }
        pool[poolNext] = item;
        poolNext = (poolNext + 1) % pool.length;
        poolFilled = Math.min(poolFilled + 1, pool.length);
    }

    static final byte MAGIC = 0x47; // 'G'
    static final byte VERSION = 1;
    /** Version 2: version 1's fields, then the context tables' admitted-row counts (written only with contexts). */
    static final byte VERSION_CONTEXTS = 2;

    /**
     * Version 1, big-endian: {@code 'G'}, version {@code 1}, the global bias, its two slot arrays (4-byte length
     * and floats each), {@code biasUpdates}, {@code step}, {@code userRows}, {@code itemRows} (8 bytes each), the
     * pool's length, next index and filled count (4 bytes each), then the filled pool entries in modified UTF-8.
     * A model with context fields writes version {@code 2}: the same, then the number of context tables (4 bytes)
     * and each one's admitted-row count (8 bytes) in declaration order. Without context fields the bytes are
     * version 1's, unchanged.
     */
    public byte[] encode() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(MAGIC);
            out.writeByte(contextRows.length == 0 ? VERSION : VERSION_CONTEXTS);
            out.writeFloat(bias[0]);
            writeFloats(out, slot1);
            writeFloats(out, slot2);
            out.writeLong(biasUpdates);
            out.writeLong(step);
            out.writeLong(userRows);
            out.writeLong(itemRows);
            out.writeInt(pool.length);
            out.writeInt(poolNext);
            out.writeInt(poolFilled);
            for (int i = 0; i < poolFilled; i++) {
                out.writeUTF(pool[i]);
            }
            if (contextRows.length > 0) {
                out.writeInt(contextRows.length);
                for (long n : contextRows) {
                    out.writeLong(n);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads {@link #encode()}'s bytes for a model of {@code spec}. */
    public static MfGlobal decode(MfSpec spec, byte[] bytes) {
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes));
        try {
            if (in.readByte() != MAGIC) {
                throw new io.streamgrad.learner.io.FormatException(
                        "not an mf model's global state (first byte is not 'G'); the bytes come from another state");
            }
            byte version = in.readByte();
            if (version != VERSION && version != VERSION_CONTEXTS) {
                throw new io.streamgrad.learner.io.FormatException(
                        "mf global state format version " + version + " is not readable by this build (it reads "
                                + VERSION + " and " + VERSION_CONTEXTS + "); use the streamgrad that wrote it");
            }
            MfGlobal g = new MfGlobal(spec);
            g.bias[0] = in.readFloat();
            g.slot1 = readFloats(in);
            g.slot2 = readFloats(in);
            g.biasUpdates = in.readLong();
            g.step = in.readLong();
            g.userRows = in.readLong();
            g.itemRows = in.readLong();
            int poolLength = in.readInt();
            if (poolLength != g.pool.length) {
                throw new io.streamgrad.learner.io.FormatException("mf global state has a negative pool of "
                        + poolLength + " entries, the config says negatives.pool: " + g.pool.length
                        + "; restore with the config it was trained with");
            }
            g.poolNext = in.readInt();
            g.poolFilled = in.readInt();
            for (int i = 0; i < g.poolFilled; i++) {
                g.pool[i] = in.readUTF();
            }
            int contexts = version == VERSION_CONTEXTS ? in.readInt() : 0;
            if (contexts != g.contextRows.length) {
                throw new io.streamgrad.learner.io.FormatException("mf global state has " + contexts
                        + " context tables, the config declares " + g.contextRows.length + " (context: "
                        + spec.contextFields() + "); restore with the config it was trained with");
            }
            for (int c = 0; c < contexts; c++) {
                g.contextRows[c] = in.readLong();
            }
            if (in.available() > 0) {
                throw new io.streamgrad.learner.io.FormatException(
                        "mf global state has " + in.available() + " trailing bytes; it is corrupt");
            }
            return g;
        } catch (java.io.IOException e) {
            throw new io.streamgrad.learner.io.FormatException("mf global state is truncated; it is corrupt");
        }
    }

    private static void writeFloats(java.io.DataOutputStream out, float[] a) throws java.io.IOException {
        out.writeInt(a.length);
        for (float f : a) {
            out.writeFloat(f);
        }
    }

    private static float[] readFloats(java.io.DataInputStream in) throws java.io.IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() / 4) {
            throw new java.io.EOFException();
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readFloat();
        }
        return n == 0 ? Row.NONE : a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MfGlobal g
                && Arrays.equals(bias, g.bias)
                && Arrays.equals(slot1, g.slot1)
                && Arrays.equals(slot2, g.slot2)
                && biasUpdates == g.biasUpdates
                && step == g.step
                && userRows == g.userRows
                && itemRows == g.itemRows
                && Arrays.equals(contextRows, g.contextRows)
                && Arrays.equals(pool, g.pool)
                && poolNext == g.poolNext
                && poolFilled == g.poolFilled;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(step) * 31 + Float.hashCode(bias[0]);
    }
}

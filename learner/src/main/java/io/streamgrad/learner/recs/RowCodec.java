package io.streamgrad.learner.recs;

import io.streamgrad.learner.io.FormatException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The byte form of one {@link Row}, versioned, so rows can live in a keyed state backend (RocksDB stores bytes)
 * and in model files; a fixture test pins version 1 byte for byte.
 *
 * <p>Version 1, big-endian: {@code 'R'} (0x52), version byte {@code 1}, flags byte (bit 0: admitted), then
 * {@code count}, {@code lastStep}, {@code lastTimeMs}, {@code updates} (8 bytes each), then three float arrays
 * each as a 4-byte length and its floats: {@code params} (length 0 for a candidate), {@code slot1},
 * {@code slot2}.
 */
public final class RowCodec {
    public static final byte MAGIC = 0x52;
    public static final byte VERSION = 1;

    private RowCodec() {}

    public static byte[] encode(Row row) {
        int floats = (row.params == null ? 0 : row.params.length) + row.slot1.length + row.slot2.length;
        ByteBuffer b = ByteBuffer.allocate(3 + 4 * 8 + 3 * 4 + 4 * floats);
        b.put(MAGIC).put(VERSION).put((byte) (row.admitted() ? 1 : 0));
        b.putLong(row.count).putLong(row.lastStep).putLong(row.lastTimeMs).putLong(row.updates);
        putFloats(b, row.params == null ? Row.NONE : row.params);
        putFloats(b, row.slot1);
        putFloats(b, row.slot2);
        return b.array();
    }

    public static Row decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            byte magic = b.get();
            if (magic != MAGIC) {
                throw new FormatException(String.format(
                        "not an embedding-table row: first byte 0x%02x, expected 0x52 ('R'); the bytes come from "
                                + "another state or file",
                        magic));
            }
            byte version = b.get();
            if (version != VERSION) {
                throw new FormatException("embedding-table row format version " + version
                        + " is not readable by this build (it reads version " + VERSION
                        + "); use the streamgrad version that wrote it, or a newer one");
            }
            boolean admitted = (b.get() & 1) != 0;
            long count = b.getLong();
            long lastStep = b.getLong();
            long lastTimeMs = b.getLong();
            long updates = b.getLong();
            float[] params = getFloats(b);
            float[] slot1 = getFloats(b);
            float[] slot2 = getFloats(b);
            if (b.hasRemaining()) {
                throw new FormatException(
                        "embedding-table row has " + b.remaining() + " trailing bytes; the row is corrupt");
            }
            if (admitted == (params.length == 0)) {
                throw new FormatException("embedding-table row flags say admitted=" + admitted + " but it holds "
                        + params.length + " parameters; the row is corrupt");
            }
            return new Row(count, lastStep, lastTimeMs, updates, admitted ? params : null, slot1, slot2);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new FormatException(
                    "embedding-table row is truncated (" + bytes.length + " bytes); the row is " + "corrupt");
        }
    }

    private static void putFloats(ByteBuffer b, float[] a) {
        b.putInt(a.length);
        for (float f : a) {
            b.putFloat(f);
        }
    }

    private static float[] getFloats(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining() / 4) {
            throw new BufferUnderflowException();
        }
        if (n == 0) {
            return Row.NONE;
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = b.getFloat();
        }
        return a;
    }
}

package io.streamgrad.learner.io;

import io.streamgrad.learner.train.ModelState;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * {@link ModelState} to bytes and back, bit-exact: floats are stored as their raw IEEE 754 bits
 * ({@link Float#floatToRawIntBits}), so -0.0, subnormals, infinities and NaN payloads survive. No Java
 * serialisation: every field is written explicitly, big-endian.
 *
 * <p>Format version 2 (current):
 * <pre>
 *   offset  size         field
 *   0       4            magic "SGMS" (0x53 0x47 0x4D 0x53)
 *   4       4            format version (int) = 2
 *   8       4            P = number of parameters (int)
 *   12      4*P          parameters (raw float bits)
 *   ..      4            S = optimizer state length (int)
 *   ..      4*S          optimizer state (raw float bits)
 *   ..      8            step (long)
 *   ..      8            RNG state (long)
 *   ..      8            examples seen (long)
 *   ..      8            skipped batches (long)
 *   ..      8            learning-rate scale (raw double bits), in (0, 1]
 *   ..      4            consecutive rejected batches (int), >= 0
 *   ..      8            rollbacks (long), >= 0
 *   ..      1            last-good copy present: 0 or 1
 *   (only when present)
 *   ..      8            step of the last-good copy (long)
 *   ..      4*P          its parameters (raw float bits; P as above, not repeated)
 *   ..      4*S          its optimizer state (raw float bits)
 *   ..      4            CRC32 of every byte before it (int)
 * </pre>
 * Format version 1 is version 2 without the fields from the learning-rate scale to the last-good copy; it reads
 * as scale 1, no rejected batch in a row, no rollback, no last-good copy.
 *
 * <p>A build reads every version up to {@link #CURRENT_VERSION} and writes the current one; it refuses newer
 * versions (saying to upgrade), bytes that are not a model state, truncated input, CRC mismatches and
 * out-of-range guard fields. The committed fixtures {@code fixtures/model-state-v1.bin} and
 * {@code fixtures/model-state-v2.bin} keep both versions readable. Thread-safe (stateless).
 */
public final class ModelStateCodec {
    /** "SGMS": StreamGrad Model State. */
    public static final int MAGIC = 0x53474D53;

    public static final int CURRENT_VERSION = 2;
    private static final int HEADER = 8;
    private static final int FIXED_V1 = 4 + 4 + 4 * 8 + 4; // two lengths, four longs, CRC
    private static final int GUARD_V2 = 8 + 4 + 8 + 1; // scale, streak, rollbacks, presence flag

    private ModelStateCodec() {}

    public static byte[] encode(ModelState state) {
        float[] params = state.params();
        float[] opt = state.optimizerState();
        long arrays = 4L * params.length + 4L * opt.length;
        long size = HEADER + FIXED_V1 + GUARD_V2 + arrays + (state.hasLastGood() ? 8 + arrays : 0);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model state of " + params.length + " parameters and " + opt.length
                    + " optimizer floats" + (state.hasLastGood() ? " with a last-good copy" : "") + " is too large "
                    + "for one byte array (" + size + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.BIG_ENDIAN);
        buf.putInt(MAGIC).putInt(CURRENT_VERSION);
        putFloats(buf, params);
        putFloats(buf, opt);
        buf.putLong(state.step())
                .putLong(state.rngState())
                .putLong(state.examplesSeen())
                .putLong(state.skippedBatches());
        buf.putLong(Double.doubleToRawLongBits(state.lrScale()))
                .putInt(state.badStreak())
                .putLong(state.rollbacks());
        buf.put((byte) (state.hasLastGood() ? 1 : 0));
        if (state.hasLastGood()) {
            buf.putLong(state.lastGoodStep());
            putRawFloats(buf, state.lastGoodParams());
            putRawFloats(buf, state.lastGoodOptimizerState());
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    private static void putFloats(ByteBuffer buf, float[] a) {
        buf.putInt(a.length);
        putRawFloats(buf, a);
    }

    private static void putRawFloats(ByteBuffer buf, float[] a) {
        // Bulk copy of the raw bits: a view keeps NaN payloads (no float arithmetic touches them).
        int[] bits = new int[Math.min(a.length, 8192)];
        for (int from = 0; from < a.length; from += bits.length) {
            int n = Math.min(bits.length, a.length - from);
            for (int i = 0; i < n; i++) {
                bits[i] = Float.floatToRawIntBits(a[from + i]);
            }
            buf.asIntBuffer().put(bits, 0, n);
            buf.position(buf.position() + 4 * n);
        }
    }

    /** Decodes bytes written by any supported version; throws {@link FormatException} otherwise. */
    public static ModelState decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    public static ModelState decode(byte[] bytes, int offset, int length) {
        if (length < HEADER) {
            throw new FormatException(
                    "not a model state: " + length + " bytes, shorter than the " + HEADER + "-byte header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.BIG_ENDIAN);
        int magic = buf.getInt();
        if (magic != MAGIC) {
            throw new FormatException(String.format(
                    "not a model state: magic bytes are 0x%08X, expected 0x%08X " + "(\"SGMS\")", magic, MAGIC));
        }
        int version = buf.getInt();
        if (version > CURRENT_VERSION) {
            throw new FormatException("model state format version " + version + " is newer than this build "
                    + "supports (" + CURRENT_VERSION + "); upgrade streamgrad");
        }
        if (version < 1) {
            throw new FormatException("model state format version " + version + " is invalid (versions start at 1)");
        }
        return decodeBody(bytes, offset, length, buf, version);
    }

    private static ModelState decodeBody(byte[] bytes, int offset, int length, ByteBuffer buf, int version) {
        int minimum = HEADER + FIXED_V1 + (version >= 2 ? GUARD_V2 : 0);
        if (length < minimum) {
            throw new FormatException("model state is truncated: " + length + " bytes, a version-" + version
                    + " state has at least " + minimum);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length - 4);
        int stored = ByteBuffer.wrap(bytes, offset + length - 4, 4)
                .order(ByteOrder.BIG_ENDIAN)
                .getInt();
        if (stored != (int) crc.getValue()) {
            // Check the lengths first, so that truncation is reported as such.
            long expected = truncatedLength(buf, offset, length, version);
            if (expected > length) {
                throw new FormatException(
                        "model state is truncated: " + length + " bytes, its lengths need at least " + expected);
            }
            throw new FormatException(String.format(
                    "model state is corrupt: CRC32 is 0x%08X, stored 0x%08X; the "
                            + "bytes were damaged in storage or transfer",
                    (int) crc.getValue(), stored));
        }
        try {
            float[] params = getFloats(buf, length, "parameters");
            float[] opt = getFloats(buf, length, "optimizer state");
            long step = buf.getLong();
            long rng = buf.getLong();
            long seen = buf.getLong();
            long skipped = buf.getLong();
            double lrScale = 1.0;
            int badStreak = 0;
            long rollbacks = 0;
            float[] goodParams = null;
            float[] goodOpt = null;
            long goodStep = 0;
            if (version >= 2) {
                lrScale = Double.longBitsToDouble(buf.getLong());
                badStreak = buf.getInt();
                rollbacks = buf.getLong();
                byte present = buf.get();
                if (!(lrScale > 0 && lrScale <= 1) || badStreak < 0 || rollbacks < 0 || (present & ~1) != 0) {
                    throw new FormatException("model state is inconsistent: learning-rate scale " + lrScale
                            + " (must be in (0, 1]), rejected batches in a row " + badStreak + ", rollbacks "
                            + rollbacks + " (must be >= 0), last-good flag " + present + " (must be 0 or 1)");
                }
                if (present == 1) {
                    goodStep = buf.getLong();
                    goodParams = getRawFloats(buf, params.length, length, "last-good parameters");
                    goodOpt = getRawFloats(buf, opt.length, length, "last-good optimizer state");
                }
            }
            if (buf.position() - offset != length - 4) {
                throw new FormatException("model state has " + (length - 4 - (buf.position() - offset))
                        + " unexpected bytes before its CRC");
            }
            return new ModelState(
                    params,
                    opt,
                    step,
                    rng,
                    seen,
                    skipped,
                    lrScale,
                    badStreak,
                    rollbacks,
                    goodParams,
                    goodOpt,
                    goodStep);
        } catch (BufferUnderflowException e) {
            throw new FormatException(
                    "model state is truncated: its field lengths need more than " + length + " bytes");
        }
    }

    /** The length the stored array lengths imply (a lower bound when they point past the end); 0 if unknown. */
    private static long truncatedLength(ByteBuffer buf, int offset, int length, int version) {
        int p = buf.getInt(offset + HEADER);
        if (p < 0) {
            return 0;
        }
        long sPos = HEADER + 4 + 4L * p;
        long minimum = sPos + FIXED_V1 - 4 + (version >= 2 ? GUARD_V2 : 0);
        if (sPos + 4 > length) {
            return minimum;
        }
        int st = buf.getInt(offset + (int) sPos);
        if (st < 0) {
            return 0;
        }
        long needed = minimum + 4L * st;
        long flagPos = needed - 4 - 1;
        if (version >= 2 && flagPos < length && buf.get(offset + (int) flagPos) == 1) {
            needed += 8 + 4L * p + 4L * st; // the last-good copy
        }
        return needed;
    }

    private static float[] getFloats(ByteBuffer buf, int length, String what) {
        return getRawFloats(buf, buf.getInt(), length, what);
    }

    private static float[] getRawFloats(ByteBuffer buf, int n, int length, String what) {
        if (n < 0 || 4L * n > buf.remaining()) {
            throw new FormatException(
                    "model state is inconsistent: " + what + " length " + n + " does not fit in " + length + " bytes");
        }
        float[] out = new float[n];
        int[] bits = new int[Math.min(n, 8192)];
        for (int from = 0; from < n; from += bits.length) {
            int m = Math.min(bits.length, n - from);
            buf.asIntBuffer().get(bits, 0, m);
            buf.position(buf.position() + 4 * m);
            for (int i = 0; i < m; i++) {
                out[from + i] = Float.intBitsToFloat(bits[i]);
            }
        }
        return out;
    }
}

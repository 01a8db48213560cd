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
 * <p>Format version 1:
 * <pre>
 *   offset  size         field
 *   0       4            magic "SGMS" (0x53 0x47 0x4D 0x53)
 *   4       4            format version (int) = 1
 *   8       4            P = number of parameters (int)
 *   12      4*P          parameters (raw float bits)
 *   ..      4            S = optimizer state length (int)
 *   ..      4*S          optimizer state (raw float bits)
 *   ..      8            step (long)
 *   ..      8            RNG state (long)
 *   ..      8            examples seen (long)
 *   ..      8            skipped batches (long)
 *   ..      4            CRC32 of every byte before it (int)
 * </pre>
 * A build reads every version up to {@link #CURRENT_VERSION}; it refuses newer versions (saying to upgrade),
 * bytes that are not a model state, truncated input and CRC mismatches. The committed fixture
 * {@code fixtures/model-state-v1.bin} keeps version 1 readable. Thread-safe (stateless).
 */
public final class ModelStateCodec {
    /** "SGMS": StreamGrad Model State. */
    public static final int MAGIC = 0x53474D53;
    public static final int CURRENT_VERSION = 1;
    private static final int HEADER = 8;
    private static final int FIXED_V1 = 4 + 4 + 4 * 8 + 4; // two lengths, four longs, CRC

    private ModelStateCodec() {
    }

    public static byte[] encode(ModelState state) {
        float[] params = state.params();
        float[] opt = state.optimizerState();
        long size = HEADER + FIXED_V1 + 4L * params.length + 4L * opt.length;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model state of " + params.length + " parameters and " + opt.length
                    + " optimizer floats is too large for one byte array (" + size + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.BIG_ENDIAN);
        buf.putInt(MAGIC).putInt(CURRENT_VERSION);
        putFloats(buf, params);
        putFloats(buf, opt);
        buf.putLong(state.step()).putLong(state.rngState()).putLong(state.examplesSeen())
                .putLong(state.skippedBatches());
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    private static void putFloats(ByteBuffer buf, float[] a) {
        buf.putInt(a.length);
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
            throw new FormatException("not a model state: " + length + " bytes, shorter than the " + HEADER
                    + "-byte header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.BIG_ENDIAN);
        int magic = buf.getInt();
        if (magic != MAGIC) {
            throw new FormatException(String.format("not a model state: magic bytes are 0x%08X, expected 0x%08X "
                    + "(\"SGMS\")", magic, MAGIC));
        }
        int version = buf.getInt();
        if (version > CURRENT_VERSION) {
            throw new FormatException("model state format version " + version + " is newer than this build "
                    + "supports (" + CURRENT_VERSION + "); upgrade streamgrad");
        }
        if (version < 1) {
            throw new FormatException("model state format version " + version + " is invalid (versions start at 1)");
        }
        return decodeV1(bytes, offset, length, buf);
    }

    private static ModelState decodeV1(byte[] bytes, int offset, int length, ByteBuffer buf) {
        if (length < HEADER + FIXED_V1) {
            throw new FormatException("model state is truncated: " + length + " bytes, a version-1 state has at "
                    + "least " + (HEADER + FIXED_V1));
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length - 4);
        int stored = ByteBuffer.wrap(bytes, offset + length - 4, 4).order(ByteOrder.BIG_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            // Check the lengths first, so that truncation is reported as such.
            long expected = truncatedLength(buf, offset, length);
            if (expected > length) {
                throw new FormatException("model state is truncated: " + length + " bytes, its lengths need at least "
                        + expected);
            }
            throw new FormatException(String.format("model state is corrupt: CRC32 is 0x%08X, stored 0x%08X; the "
                    + "bytes were damaged in storage or transfer", (int) crc.getValue(), stored));
        }
        try {
            float[] params = getFloats(buf, length, "parameters");
            float[] opt = getFloats(buf, length, "optimizer state");
            long step = buf.getLong();
            long rng = buf.getLong();
            long seen = buf.getLong();
            long skipped = buf.getLong();
            if (buf.position() - offset != length - 4) {
                throw new FormatException("model state has " + (length - 4 - (buf.position() - offset))
                        + " unexpected bytes before its CRC");
            }
            return new ModelState(params, opt, step, rng, seen, skipped);
        } catch (BufferUnderflowException e) {
            throw new FormatException("model state is truncated: its field lengths need more than " + length
                    + " bytes");
        }
    }

    /** The length the stored array lengths imply (a lower bound when they point past the end); 0 if unknown. */
    private static long truncatedLength(ByteBuffer buf, int offset, int length) {
        int p = buf.getInt(offset + HEADER);
        if (p < 0) {
            return 0;
        }
        long sPos = HEADER + 4 + 4L * p;
        long minimum = sPos + FIXED_V1 - 4;
        if (sPos + 4 > length) {
            return minimum;
        }
        int st = buf.getInt(offset + (int) sPos);
        return st < 0 ? 0 : minimum + 4L * st;
    }

    private static float[] getFloats(ByteBuffer buf, int length, String what) {
        int n = buf.getInt();
        if (n < 0 || 4L * n > buf.remaining()) {
            throw new FormatException("model state is inconsistent: " + what + " length " + n + " does not fit in "
                    + length + " bytes");
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

package io.streamgrad.learner.io;

import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.config.ConfigWriter;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The snapshot file ({@code .sgm}): a {@link Snapshot} as bytes. Explicit big-endian encoding, no Java
 * serialisation; strings are UTF-8 with an int length.
 *
 * <p>Format version 1:
 * <pre>
 *   magic "SGSN" (4 bytes), format version (int) = 1
 *   model id (string), version (long), created-at millis (long)
 *   config (string: YAML written by {@link ConfigWriter})
 *   metrics: count (int), then (key string, value double) each, in insertion order
 *   source offsets: count (int), then (key string, value long) each
 *   state: length (int) + {@link ModelStateCodec} bytes (which carry their own version and CRC)
 *   CRC32 of every byte before it (int)
 * </pre>
 * Newer versions are refused with a message to upgrade; older ones stay readable (fixture
 * {@code fixtures/snapshot-v1.sgm}). Writes go to a temporary file that is then moved into place, so a reader
 * never sees half a snapshot.
 */
public final class SnapshotFile {
    /** "SGSN": StreamGrad SNapshot. */
    public static final int MAGIC = 0x5347534E;

    public static final int CURRENT_VERSION = 1;

    private SnapshotFile() {}

    /** Writes a snapshot created now (wall clock). */
    public static void write(
            Path file,
            String modelId,
            long version,
            TrainerConfig config,
            ModelState state,
            Map<String, Double> metrics)
            throws IOException {
        write(file, new Snapshot(modelId, version, System.currentTimeMillis(), config, state, metrics, Map.of()));
    }

    public static void write(Path file, Snapshot snapshot) throws IOException {
        writeAtomically(file, encode(snapshot));
    }

    /**
     * Writes the bytes to a temporary file beside {@code file} and moves it into place (atomically where the file
     * system can), so a reader never sees a half-written file; creates missing parent directories.
     */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static Snapshot read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return decode(bytes);
        } catch (FormatException e) {
            throw new FormatException(file + ": " + e.getMessage());
        }
    }

    public static byte[] encode(Snapshot s) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(CURRENT_VERSION);
            writeString(out, s.modelId());
            out.writeLong(s.version());
            out.writeLong(s.createdAt());
            writeString(out, ConfigWriter.toYaml(s.config()));
            out.writeInt(s.metrics().size());
            for (Map.Entry<String, Double> e : s.metrics().entrySet()) {
                writeString(out, e.getKey());
                out.writeDouble(e.getValue());
            }
            out.writeInt(s.sourceOffsets().size());
            for (Map.Entry<String, Long> e : s.sourceOffsets().entrySet()) {
                writeString(out, e.getKey());
                out.writeLong(e.getValue());
            }
            byte[] state = ModelStateCodec.encode(s.state());
            out.writeInt(state.length);
            out.write(state);
            out.flush();
            CRC32 crc = new CRC32();
            byte[] body = bytes.toByteArray();
            crc.update(body);
            out.writeInt((int) crc.getValue());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
    }

    public static Snapshot decode(byte[] bytes) {
        if (bytes.length < 8) {
            throw new FormatException("not a streamgrad snapshot: " + bytes.length + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int magic = buf.getInt();
        if (magic != MAGIC) {
            String hint = magic == ModelStateCodec.MAGIC ? " (this is a bare model state, not a snapshot file)" : "";
            throw new FormatException(String.format(
                    "not a streamgrad snapshot: magic bytes are 0x%08X, expected " + "0x%08X (\"SGSN\")%s",
                    magic, MAGIC, hint));
        }
        int version = buf.getInt();
        if (version > CURRENT_VERSION) {
            throw new FormatException("snapshot format version " + version + " is newer than this build supports ("
                    + CURRENT_VERSION + "); upgrade streamgrad");
        }
        if (version < 1) {
            throw new FormatException("snapshot format version " + version + " is invalid (versions start at 1)");
        }
        if (bytes.length < 12) {
            throw new FormatException("snapshot is truncated: " + bytes.length + " bytes");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new FormatException(String.format(
                    "snapshot is corrupt or truncated: CRC32 is 0x%08X, stored " + "0x%08X",
                    (int) crc.getValue(), stored));
        }
        try {
            String modelId = readString(buf, "model id");
            long snapshotVersion = buf.getLong();
            long createdAt = buf.getLong();
            String yaml = readString(buf, "config");
            int nMetrics = count(buf, "metrics");
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (int i = 0; i < nMetrics; i++) {
                metrics.put(readString(buf, "metric name"), buf.getDouble());
            }
            int nOffsets = count(buf, "source offsets");
            Map<String, Long> offsets = new LinkedHashMap<>();
            for (int i = 0; i < nOffsets; i++) {
                offsets.put(readString(buf, "source name"), buf.getLong());
            }
            int stateLength = count(buf, "state");
            if (stateLength > buf.remaining() - 4) {
                throw new FormatException(
                        "snapshot is inconsistent: state length " + stateLength + " exceeds the " + "file");
            }
            ModelState state = ModelStateCodec.decode(bytes, buf.position(), stateLength);
            buf.position(buf.position() + stateLength);
            if (buf.remaining() != 4) {
                throw new FormatException(
                        "snapshot has " + (buf.remaining() - 4) + " unexpected bytes before " + "its CRC");
            }
            TrainerConfig config;
            try {
                config = ConfigParser.parse(yaml);
            } catch (ConfigException e) {
                throw new FormatException("snapshot of model '" + modelId + "' holds a config this build cannot "
                        + "read: " + e.getMessage());
            }
            return new Snapshot(modelId, snapshotVersion, createdAt, config, state, metrics, offsets);
        } catch (BufferUnderflowException e) {
            throw new FormatException(
                    "snapshot is truncated: its field lengths need more than " + bytes.length + " bytes");
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(ByteBuffer buf, String what) {
        int n = count(buf, what);
        if (n > buf.remaining()) {
            throw new FormatException("snapshot is inconsistent: " + what + " length " + n + " exceeds the file");
        }
        String s = new String(bytesOf(buf, n), StandardCharsets.UTF_8);
        return s;
    }

    private static byte[] bytesOf(ByteBuffer buf, int n) {
        byte[] b = new byte[n];
        buf.get(b);
        return b;
    }

    private static int count(ByteBuffer buf, String what) {
        int n = buf.getInt();
        if (n < 0) {
            throw new FormatException("snapshot is inconsistent: negative " + what + " length " + n);
        }
        return n;
    }
}

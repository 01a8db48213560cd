package io.streamgrad.learner.recs;

import io.streamgrad.learner.io.FormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A whole {@code mf} model in one file ({@code train --save}, {@code evaluate --model}), version 1: the magic
 * {@code SGRECS}, a version byte, the configuration YAML, the {@link MfGlobal} state, then the user and item
 * tables (row count, then per row, sorted by id: the id in modified UTF-8 and the {@link RowCodec} bytes), and a
 * CRC-32 of everything before it.
 */
public final class MfModelFile {
    static final byte[] MAGIC = "SGRECS".getBytes(StandardCharsets.US_ASCII);
    static final byte VERSION = 1;

    /** A loaded model and the configuration text it was trained with. */
    public record Loaded(String configYaml, MfModel model) {}

    private MfModelFile() {}

    /** Whether the file starts with this format's magic (so a command can tell it from a snapshot). */
    public static boolean looksLike(Path file) throws IOException {
        byte[] head = new byte[MAGIC.length];
        try (var in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, head.length) == head.length && Arrays.equals(head, MAGIC);
        }
    }

    public static void save(Path file, String configYaml, MfModel model) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeByte(VERSION);
        byte[] yaml = configYaml.getBytes(StandardCharsets.UTF_8);
        out.writeInt(yaml.length);
        out.write(yaml);
        MfGlobal g = model.global();
        out.writeFloat(g.bias[0]);
        writeFloats(out, g.slot1);
        writeFloats(out, g.slot2);
        out.writeLong(g.biasUpdates);
        out.writeLong(g.step);
        out.writeLong(g.userRows);
        out.writeLong(g.itemRows);
        out.writeInt(g.pool.length);
        out.writeInt(g.poolNext);
        out.writeInt(g.poolFilled);
        for (int i = 0; i < g.poolFilled; i++) {
            out.writeUTF(g.pool[i]);
        }
        writeTable(out, model.users().store());
        writeTable(out, model.items().store());
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes.toByteArray());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    public static Loaded load(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length + 5 || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new FormatException(file + ": not a recommendation model file (no SGRECS header); pass a file "
                    + "written by 'streamgrad train' with an mf config");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        int stored = ((all[all.length - 4] & 0xff) << 24)
                | ((all[all.length - 3] & 0xff) << 16)
                | ((all[all.length - 2] & 0xff) << 8)
                | (all[all.length - 1] & 0xff);
        if ((int) crc.getValue() != stored) {
            throw new FormatException(
                    file + ": checksum mismatch, the file is damaged or truncated; train and save it " + "again");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 4));
        try {
            in.skipNBytes(MAGIC.length);
            byte version = in.readByte();
            if (version != VERSION) {
                throw new FormatException(file + ": recommendation model format version " + version + " is not "
                        + "readable by this build (it reads " + VERSION + "); use the streamgrad that wrote it");
            }
            byte[] yaml = new byte[in.readInt()];
            in.readFully(yaml);
            String config = new String(yaml, StandardCharsets.UTF_8);
            MfSpec spec = MfConfig.parse(config);
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
                throw new FormatException(file + ": negative pool of " + poolLength + " entries, the config says "
                        + g.pool.length + "; the file is damaged");
            }
            g.poolNext = in.readInt();
            g.poolFilled = in.readInt();
            for (int i = 0; i < g.poolFilled; i++) {
                g.pool[i] = in.readUTF();
            }
            HashRowStore users = readTable(in);
            HashRowStore items = readTable(in);
            return new Loaded(config, new MfModel(spec, g, users, items));
        } catch (EOFException e) {
            throw new FormatException(file + ": truncated recommendation model file; train and save it again");
        }
    }

    private static void writeTable(DataOutputStream out, RowStore store) throws IOException {
        List<Map.Entry<String, Row>> rows = new ArrayList<>();
        store.entries().forEach(rows::add);
        rows.sort(Map.Entry.comparingByKey());
        out.writeLong(rows.size());
        for (Map.Entry<String, Row> e : rows) {
            out.writeUTF(e.getKey());
            byte[] b = RowCodec.encode(e.getValue());
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static HashRowStore readTable(DataInputStream in) throws IOException {
        long n = in.readLong();
        HashRowStore store = new HashRowStore();
        for (long i = 0; i < n; i++) {
            String id = in.readUTF();
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            store.put(id, RowCodec.decode(b));
        }
        return store;
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float f : a) {
            out.writeFloat(f);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        float[] a = new float[in.readInt()];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readFloat();
        }
        return a.length == 0 ? Row.NONE : a;
    }
}

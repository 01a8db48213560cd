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
 * {@code SGRECS}, a version byte, the configuration YAML (4-byte length, UTF-8), the {@link MfGlobal} state (4-byte
 * length, {@link MfGlobal#encode()}), then the user and item
 * tables (row count, then per row, sorted by id: the id in modified UTF-8 and the {@link RowCodec} bytes), and a
 * CRC-32 of everything before it. Version 2 (written only for a model with context fields; without them the bytes
 * are version 1's) adds each context table after the item table, in the order the config declares them.
 */
public final class MfModelFile {
    static final byte[] MAGIC = "SGRECS".getBytes(StandardCharsets.US_ASCII);
    static final byte VERSION = 1;
    static final byte VERSION_CONTEXTS = 2;

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
        out.writeByte(model.contexts().isEmpty() ? VERSION : VERSION_CONTEXTS);
        byte[] yaml = configYaml.getBytes(StandardCharsets.UTF_8);
        out.writeInt(yaml.length);
        out.write(yaml);
        byte[] global = model.global().encode();
        out.writeInt(global.length);
        out.write(global);
        writeTable(out, model.users().store());
        writeTable(out, model.items().store());
        for (EmbeddingTable t : model.contexts()) {
            writeTable(out, t.store());
        }
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
            if (version != VERSION && version != VERSION_CONTEXTS) {
                throw new FormatException(file + ": recommendation model format version " + version + " is not "
                        + "readable by this build (it reads " + VERSION + " and " + VERSION_CONTEXTS
                        + "); use the streamgrad that wrote it");
            }
            byte[] yaml = new byte[in.readInt()];
            in.readFully(yaml);
            String config = new String(yaml, StandardCharsets.UTF_8);
            MfSpec spec = MfConfig.parse(config);
            byte[] global = new byte[in.readInt()];
            in.readFully(global);
            MfGlobal g = MfGlobal.decode(spec, global);
            HashRowStore users = readTable(in);
            HashRowStore items = readTable(in);
            Map<String, RowStore> contexts = new java.util.LinkedHashMap<>();
            for (String field : spec.contextFields()) {
                contexts.put(field, version == VERSION_CONTEXTS ? readTable(in) : new HashRowStore());
            }
            return new Loaded(config, new MfModel(spec, g, users, items, contexts));
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
}

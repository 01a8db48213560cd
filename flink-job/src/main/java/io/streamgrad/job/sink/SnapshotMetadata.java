package io.streamgrad.job.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.schemas.JsonRecords;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A snapshot's metadata as JSON ({@code output_format: json | both}, topic {@code <topics.models>.json}): every
 * {@link ModelSnapshot} field but {@code state} (as {@link JsonRecords} writes them), and instead of the state the
 * facts a reader checks it by: {@code state_bytes} (its length), {@code state_format_version}, {@code state_crc32}
 * (the CRC-32 stored in its last four bytes, unsigned) and {@code parameters} (the parameter count). The state itself
 * is read from the models topic (docs/FORMATS.md, "Model state").
 */
public final class SnapshotMetadata {
    private SnapshotMetadata() {}

    public static byte[] json(ModelSnapshot s) {
        ObjectNode tree = JsonRecords.toTree(s);
        tree.remove("state");
        ByteBuffer state = s.getState().duplicate().order(ByteOrder.BIG_ENDIAN);
        int n = state.remaining();
        int at = state.position();
        tree.put("state_bytes", n);
        boolean ours = n >= 16 && state.getInt(at) == ModelStateCodec.MAGIC;
        if (ours) {
            tree.put("state_format_version", state.getInt(at + 4));
            tree.put("state_crc32", Integer.toUnsignedLong(state.getInt(at + n - 4)));
            tree.put("parameters", state.getInt(at + 8));
        } else { // never written by the job; kept explicit rather than guessed
            tree.putNull("state_format_version");
            tree.putNull("state_crc32");
            tree.putNull("parameters");
        }
        return JsonRecords.bytes(tree);
    }
}

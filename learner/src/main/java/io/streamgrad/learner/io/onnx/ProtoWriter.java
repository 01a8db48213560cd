package io.streamgrad.learner.io.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few protocol-buffer wire encodings the ONNX messages need (https://protobuf.dev/programming-guides/encoding/):
 * varint fields (wire type 0), length-delimited fields (wire type 2: strings, bytes, nested messages, packed
 * repeated scalars). Fields are written in the order they are added; a nested message is built as its own
 * {@code ProtoWriter} and added whole. No runtime dependency on protobuf.
 */
final class ProtoWriter {
    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** An {@code int32}/{@code int64}/enum field (negative values take ten bytes, as protobuf writes them). */
    ProtoWriter int64(int field, long value) {
        tag(field, VARINT);
        varint(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        varint(value.length);
        out.write(value, 0, value.length);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** A packed {@code repeated int64} field. */
    ProtoWriter packedInt64(int field, long... values) {
        ProtoWriter body = new ProtoWriter();
        for (long v : values) {
            body.varint(v);
        }
        return bytes(field, body.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    private void varint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}

package io.streamgrad.schemas;

import java.util.List;
import org.apache.avro.Schema;

/**
 * Walks an Avro binary body with its writer schema, without allocating anything, and checks that every declared
 * length (string, bytes, array and map item counts) fits in the bytes that remain, that nothing is cut short, and
 * that nothing follows the body.
 *
 * <p>Why: Avro's readers trust declared lengths and allocate before reading. A 15-byte record whose {@code dense}
 * array claims 2^30 items makes the reader allocate a 4 GiB {@code float[]} and throw {@link OutOfMemoryError}
 * (measured with Avro 1.12.1), which is an {@code Error}, not an exception: one hostile record would fail the
 * Flink task again on every restart. After this check the reader never allocates more than the record's own size.
 *
 * <p>An item is assumed to take at least one byte, so an array or map declaring more items than there are bytes
 * left is refused; none of streamgrad's schemas has zero-size items.
 *
 * <p>Not thread-safe (one instance per call); stateless apart from the read position.
 */
final class AvroBounds {
    private final byte[] bytes;
    private final String recordName;
    private int pos;

    private AvroBounds(byte[] bytes, int from, String recordName) {
        this.bytes = bytes;
        this.pos = from;
        this.recordName = recordName;
    }

    /**
     * Checks the body that starts at {@code from} and must end exactly at {@code bytes.length}.
     *
     * @throws InvalidRecordException naming the field, the byte position and the fix
     */
    static void check(Schema writer, byte[] bytes, int from) throws InvalidRecordException {
        AvroBounds b = new AvroBounds(bytes, from, writer.getName());
        b.walk(writer, "");
        if (b.pos != bytes.length) {
            throw new InvalidRecordException((bytes.length - b.pos) + " bytes after the end of the Avro "
                    + writer.getName() + " body (it ends at byte " + b.pos + " of " + bytes.length + "): one Kafka"
                    + " record must hold exactly one single-object encoded record; check the producer's framing");
        }
    }

    private void walk(Schema s, String path) throws InvalidRecordException {
        switch (s.getType()) {
            case RECORD -> {
                for (Schema.Field f : s.getFields()) {
                    walk(f.schema(), path.isEmpty() ? f.name() : path + "." + f.name());
                }
            }
            case ENUM -> {
                long i = readLong(path);
                if (i < 0 || i >= s.getEnumSymbols().size()) {
                    throw corrupt(
                            path,
                            "enum index " + i + " is outside the "
                                    + s.getEnumSymbols().size() + " symbols");
                }
            }
            case UNION -> {
                List<Schema> branches = s.getTypes();
                long i = readLong(path);
                if (i < 0 || i >= branches.size()) {
                    throw corrupt(
                            path, "union branch " + i + " does not exist (the union has " + branches.size() + ")");
                }
                walk(branches.get((int) i), path);
            }
            case ARRAY -> items(s.getElementType(), null, path);
            case MAP -> items(s.getValueType(), Schema.create(Schema.Type.STRING), path);
            case STRING, BYTES -> {
                long n = readLong(path);
                if (n < 0) {
                    throw corrupt(path, "negative length " + n);
                }
                skip(n, path, "a length of " + n + " bytes");
            }
            case FIXED -> skip(s.getFixedSize(), path, s.getFixedSize() + " bytes");
            case INT -> readVarint(path, 5);
            case LONG -> readVarint(path, 10);
            case FLOAT -> skip(4, path, "4 bytes (a float)");
            case DOUBLE -> skip(8, path, "8 bytes (a double)");
            case BOOLEAN -> skip(1, path, "1 byte (a boolean)");
            case NULL -> {}
        }
    }

    /** Array or map blocks: a count, then (for a negative count) a byte size, then the items; 0 ends. */
    private void items(Schema value, Schema key, String path) throws InvalidRecordException {
        long budget = bytes.length - pos; // every item takes at least one byte
        long total = 0;
        while (true) {
            int at = pos;
            long count = readLong(path);
            if (count == 0) {
                return;
            }
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw corrupt(path, "item count " + count);
                }
                count = -count;
                long size = readLong(path);
                if (size < 0 || size > bytes.length - pos) {
                    throw corrupt(path, "block size " + size + " with " + (bytes.length - pos) + " bytes left");
                }
            }
            total += count;
            if (count > bytes.length - pos || total > budget) {
                throw new InvalidRecordException("Avro " + recordName + " body is truncated or corrupt: field '"
                        + path + "' declares " + count + " items at byte " + at + " but only " + (bytes.length - pos)
                        + " bytes remain; re-encode the record whole with the schema whose fingerprint is in its"
                        + " header");
            }
            for (long i = 0; i < count; i++) {
                String item = path + "[" + (total - count + i) + "]";
                if (key != null) {
                    walk(key, item + ".key");
                }
                walk(value, item);
            }
        }
    }

    private void skip(long n, String path, String what) throws InvalidRecordException {
        if (n > bytes.length - pos) {
            throw new InvalidRecordException("Avro " + recordName + " body is truncated or corrupt: field '" + path
                    + "' declares " + what + " at byte " + pos + " but only " + (bytes.length - pos)
                    + " bytes remain; check the producer sends the whole encoded record");
        }
        pos += (int) n;
    }

    /** A zig-zag varint of at most {@code maxBytes} bytes (5 for an int, 10 for a long). */
    private long readVarint(String path, int maxBytes) throws InvalidRecordException {
        long raw = 0;
        for (int shift = 0, i = 0; i < maxBytes; i++, shift += 7) {
            if (pos >= bytes.length) {
                throw new InvalidRecordException("Avro " + recordName + " body is truncated: field '" + path
                        + "' is cut off at byte " + pos + "; check the producer sends the whole encoded record");
            }
            int b = bytes[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw corrupt(
                path, "a variable-length " + (maxBytes == 5 ? "int" : "long") + " longer than " + maxBytes + " bytes");
    }

    private long readLong(String path) throws InvalidRecordException {
        return readVarint(path, 10);
    }

    private InvalidRecordException corrupt(String path, String what) {
        return new InvalidRecordException("Avro " + recordName + " body is corrupt: field '" + path + "' has " + what
                + " at byte " + pos + "; re-encode the record with the schema whose fingerprint is in its header");
    }
}

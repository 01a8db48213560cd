package io.streamgrad.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The JSON form of the job's output records ({@code output_format: json | both}): one UTF-8 JSON object per record,
 * with the field names of the record's Avro schema (the {@code .avsc}), written from the schema, so a field added
 * to a schema appears in the JSON without code here. The mapping (docs/FORMATS.md):
 * <ul>
 *   <li>string, boolean: as is; int, long: a JSON integer; float, double: the shortest decimal that reads back to the
 *   same value (Java's {@code Double.toString}); NaN and the infinities, which JSON has no numbers for, as the
 *   strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"} (as the Protocol Buffers JSON mapping does);
 *   <li>an optional field ({@code ["null", T]}): {@code null} or T's form;
 *   <li>{@code timestamp-millis}: an ISO-8601 UTC string ({@code "2026-12-07T01:47:24.123Z"});
 *   <li>bytes: standard base64 (RFC 4648, with padding); a map: an object; an array: an array; an enum: its symbol.
 * </ul>
 * It is not Avro's own JSON encoding ({@code JsonEncoder} wraps union values as {@code {"double": 0.5}} and writes
 * bytes as ISO-8859-1 strings), which plain JSON readers would have to unwrap. Stateless and thread-safe.
 */
public final class JsonRecords {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonRecords() {}

    /** The record as a JSON object tree, fields in schema order. */
    public static ObjectNode toTree(IndexedRecord record) {
        ObjectNode out = NODES.objectNode();
        for (Schema.Field f : record.getSchema().getFields()) {
            out.set(f.name(), value(f.schema(), record.get(f.pos())));
        }
        return out;
    }

    /** The record as one UTF-8 JSON object (no trailing newline). */
    public static byte[] toJson(IndexedRecord record) {
        return bytes(toTree(record));
    }

    /** A tree as UTF-8 JSON. */
    public static byte[] bytes(JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e); // a tree always writes
        }
    }

    private static JsonNode value(Schema s, Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        switch (s.getType()) {
            case UNION:
                for (Schema branch : s.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return value(branch, v);
                    }
                }
                return NODES.nullNode();
            case RECORD:
                return toTree((IndexedRecord) v);
            case STRING:
            case ENUM:
                return NODES.textNode(v instanceof GenericEnumSymbol<?> e ? e.toString() : v.toString());
            case BOOLEAN:
                return NODES.booleanNode((Boolean) v);
            case INT:
                return NODES.numberNode((Integer) v);
            case LONG:
                if (v instanceof Instant t) {
                    return NODES.textNode(t.toString());
                }
                if (s.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    return NODES.textNode(Instant.ofEpochMilli((Long) v).toString());
                }
                return NODES.numberNode((Long) v);
            case FLOAT:
                return number(((Float) v).doubleValue(), true);
            case DOUBLE:
                return number((Double) v, false);
            case BYTES:
                ByteBuffer b = ((ByteBuffer) v).duplicate();
                byte[] raw = new byte[b.remaining()];
                b.get(raw);
                return NODES.textNode(Base64.getEncoder().encodeToString(raw));
            case MAP:
                ObjectNode m = NODES.objectNode();
                ((Map<?, ?>) v).forEach((k, x) -> m.set(k.toString(), value(s.getValueType(), x)));
                return m;
            case ARRAY:
                ArrayNode a = NODES.arrayNode();
                for (Object x : (Iterable<?>) v) {
                    a.add(value(s.getElementType(), x));
                }
                return a;
            default:
                throw new IllegalArgumentException("no JSON form for Avro type " + s.getType());
        }
    }

    /** A finite number as a JSON number; NaN and the infinities as the strings JSON readers agree on. */
    public static JsonNode number(double d, boolean isFloat) {
        if (Double.isNaN(d)) {
            return NODES.textNode("NaN");
        }
        if (Double.isInfinite(d)) {
            return NODES.textNode(d > 0 ? "Infinity" : "-Infinity");
        }
        return isFloat ? NODES.numberNode((float) d) : NODES.numberNode(d);
    }

    /**
     * Reads a record written by {@link #toJson} back (the project's own readers accept either encoding of the
     * metrics and dead letters: {@link SingleObjectCodec#decode}).
     *
     * @throws InvalidRecordException naming the field when the JSON does not have the schema's shape
     */
    public static <T extends SpecificRecordBase> T fromJson(byte[] json, Schema schema, SpecificData model)
            throws InvalidRecordException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new InvalidRecordException("not a JSON " + schema.getName() + ": the bytes are not valid JSON ("
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                            ? j.getOriginalMessage()
                            : e.getMessage())
                    + ")");
        }
        try {
            @SuppressWarnings("unchecked")
            T out = (T) record(tree, schema, model, "");
            return out;
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new InvalidRecordException("not a JSON " + schema.getName() + ": " + e.getMessage());
        }
    }

    private static Object record(JsonNode node, Schema schema, SpecificData model, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("'" + where + "' must be an object");
        }
        IndexedRecord r = (IndexedRecord) model.newRecord(null, schema);
        for (Schema.Field f : schema.getFields()) {
            JsonNode v = node.get(f.name());
            String path = where.isEmpty() ? f.name() : where + "." + f.name();
            if (v == null) {
                if (!f.hasDefaultValue()) {
                    throw new IllegalArgumentException("field '" + path + "' is missing");
                }
                r.put(f.pos(), model.deepCopy(f.schema(), model.getDefaultValue(f)));
            } else {
                r.put(f.pos(), read(v, f.schema(), model, path));
            }
        }
        return r;
    }

    private static Object read(JsonNode v, Schema s, SpecificData model, String path) {
        switch (s.getType()) {
            case UNION:
                if (v.isNull()) {
                    return null;
                }
                for (Schema branch : s.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return read(v, branch, model, path);
                    }
                }
                throw new IllegalArgumentException("field '" + path + "' must be null");
            case RECORD:
                return record(v, s, model, path);
            case STRING:
                return text(v, path);
            case BOOLEAN:
                if (!v.isBoolean()) {
                    throw new IllegalArgumentException("field '" + path + "' must be true or false");
                }
                return v.booleanValue();
            case INT:
                return Math.toIntExact(integer(v, path));
            case LONG:
                if (s.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    Instant t = Instant.parse(text(v, path));
                    return model.getConversionFor(s.getLogicalType()) != null ? t : t.toEpochMilli();
                }
                return integer(v, path);
            case FLOAT:
                return (float) real(v, path);
            case DOUBLE:
                return real(v, path);
            case BYTES:
                return ByteBuffer.wrap(Base64.getDecoder().decode(text(v, path)));
            case MAP:
                if (!v.isObject()) {
                    throw new IllegalArgumentException("field '" + path + "' must be an object");
                }
                Map<String, Object> m = new LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    m.put(e.getKey(), read(e.getValue(), s.getValueType(), model, path + "." + e.getKey()));
                }
                return m;
            case ARRAY:
                if (!v.isArray()) {
                    throw new IllegalArgumentException("field '" + path + "' must be an array");
                }
                List<Object> a = new ArrayList<>();
                for (JsonNode x : v) {
                    a.add(read(x, s.getElementType(), model, path + "[]"));
                }
                return a;
            default:
                throw new IllegalArgumentException("field '" + path + "': no JSON form for Avro type " + s.getType());
        }
    }

    private static String text(JsonNode v, String path) {
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field '" + path + "' must be a string");
        }
        return v.textValue();
    }

    private static long integer(JsonNode v, String path) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + path + "' must be an integer");
        }
        return v.longValue();
    }

    private static double real(JsonNode v, String path) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            switch (v.textValue()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException(
                "field '" + path + "' must be a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
    }

    /** UTF-8 text of JSON bytes (for messages and tests). */
    static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }
}

package io.streamgrad.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSON examples, one object per Kafka record, with the field names of {@code Example.avsc}:
 * <pre>{"model_id": "m", "dense": [0.5, 1.0], "label": 1}
 * {"model_id": "m", "indices": [3, 17], "values": [1, 0.5], "named": {"country=fr": 1}, "label": 0,
 *  "weight": 2.0, "event_time": 1700000000000}</pre>
 * or a mini-batch {@code {"model_id": "m", "examples": [{...}, ...]}}. Fields missing from an example take the
 * schema defaults; {@code model_id} and {@code label} are required. Unknown fields are rejected (a typo such as
 * {@code "lable"} must not silently train on a default), and so are duplicate fields and anything after the object.
 *
 * <p>Thread-safe (Jackson's {@link ObjectMapper} is, once configured); not serialisable.
 */
public final class JsonExamples {
    private static final Set<String> EXAMPLE_FIELDS =
            Set.of("model_id", "event_time", "dense", "indices", "values", "named", "label", "weight");
    private static final Set<String> MINI_BATCH_FIELDS = Set.of("model_id", "examples");

    /**
     * A duplicate key is refused (parsers disagree on which value wins, so {@code {"label": 1, "label": 0}} would
     * mean different things to different readers), and so is anything after the object (a second object in the
     * same record would otherwise be dropped silently).
     */
    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Whether the bytes look like a JSON object (first non-blank byte is '{'). */
    public static boolean looksLikeJson(byte[] bytes) {
        if (bytes == null) {
            return false;
        }
        for (byte b : bytes) {
            if (b == '{') {
                return true;
            }
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return false;
    }

    /** Whether a parsed JSON object is a mini-batch (it has an {@code examples} field). */
    public boolean isMiniBatch(JsonNode root) {
        return root.has("examples");
    }

    public JsonNode parse(byte[] bytes) throws InvalidRecordException {
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (IOException e) {
            throw new InvalidRecordException(malformed(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRecordException("JSON value is not an object; send one object per record, e.g."
                    + " {\"model_id\": \"m\", \"dense\": [1.0], \"label\": 0}");
        }
        return root;
    }

    public Example example(JsonNode node) throws InvalidRecordException {
        try {
            return example(node, "");
        } catch (InvalidRecordException e) {
            throw withModelId(e, node);
        }
    }

    public MiniBatch miniBatch(JsonNode root) throws InvalidRecordException {
        try {
            return checkedMiniBatch(root);
        } catch (InvalidRecordException e) {
            throw withModelId(e, root);
        }
    }

    /** The problem, carrying the record's model id where it is a readable string (for the dead letter). */
    private static InvalidRecordException withModelId(InvalidRecordException e, JsonNode record) {
        JsonNode id = record.get("model_id");
        return id != null && id.isTextual() && !id.asText().isEmpty() ? e.forModel(id.asText()) : e;
    }

    private MiniBatch checkedMiniBatch(JsonNode root) throws InvalidRecordException {
        checkFields(root, MINI_BATCH_FIELDS, "");
        String modelId = requiredText(root, "model_id", "");
        JsonNode examples = root.get("examples");
        if (!examples.isArray()) {
            throw new InvalidRecordException("field 'examples' must be an array of example objects");
        }
        List<Example> list = new ArrayList<>(examples.size());
        int i = 0;
        for (JsonNode e : examples) {
            if (!e.isObject()) {
                throw new InvalidRecordException("examples[" + i + "] is not an object");
            }
            list.add(example(e, "examples[" + i + "]."));
            i++;
        }
        return new MiniBatch(modelId, list);
    }

    private Example example(JsonNode node, String where) throws InvalidRecordException {
        checkFields(node, EXAMPLE_FIELDS, where);
        Example.Builder b = Example.newBuilder();
        b.setModelId(requiredText(node, "model_id", where));
        JsonNode label = node.get("label");
        if (label == null || !label.isNumber()) {
            throw new InvalidRecordException("field '" + where + "label' is "
                    + (label == null ? "missing" : "not a number") + ": every example needs a numeric label");
        }
        b.setLabel(float32(label, where + "label"));
        JsonNode weight = node.get("weight");
        if (weight != null) {
            b.setWeight(number(weight, where + "weight"));
        }
        JsonNode time = node.get("event_time");
        if (time != null) {
            if (!time.canConvertToLong() || !time.isIntegralNumber()) {
                throw new InvalidRecordException(
                        "field '" + where + "event_time' must be an integer (ms since the epoch)");
            }
            b.setEventTime(Instant.ofEpochMilli(time.longValue()));
        }
        b.setDense(floats(node.get("dense"), where + "dense"));
        b.setValues(floats(node.get("values"), where + "values"));
        b.setIndices(ints(node.get("indices"), where + "indices"));
        JsonNode named = node.get("named");
        Map<String, Float> map = new LinkedHashMap<>();
        if (named != null) {
            if (!named.isObject()) {
                throw new InvalidRecordException("field '" + where + "named' must be an object of name: number");
            }
            Iterator<Map.Entry<String, JsonNode>> it = named.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                map.put(e.getKey(), number(e.getValue(), where + "named." + e.getKey()));
            }
        }
        b.setNamed(map);
        return b.build();
    }

    /** One example as a JSON object (the inverse of {@link #example(JsonNode)}). */
    public byte[] toJson(Example e) {
        ObjectNode o = mapper.createObjectNode();
        o.put("model_id", e.getModelId());
        if (e.getEventTime() != null && e.getEventTime().toEpochMilli() != 0) {
            o.put("event_time", e.getEventTime().toEpochMilli());
        }
        if (!e.getDense().isEmpty()) {
            ArrayNode a = o.putArray("dense");
            e.getDense().forEach(a::add);
        }
        if (!e.getIndices().isEmpty()) {
            ArrayNode a = o.putArray("indices");
            e.getIndices().forEach(a::add);
            ArrayNode v = o.putArray("values");
            e.getValues().forEach(v::add);
        }
        if (!e.getNamed().isEmpty()) {
            ObjectNode n = o.putObject("named");
            e.getNamed().forEach(n::put);
        }
        o.put("label", e.getLabel());
        if (e.getWeight() != 1f) {
            o.put("weight", e.getWeight());
        }
        try {
            return mapper.writeValueAsBytes(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write JSON", ex);
        }
    }

    private static void checkFields(JsonNode node, Set<String> known, String where) throws InvalidRecordException {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!known.contains(n)) {
                throw new InvalidRecordException("unknown field '" + where + n + "'; known fields: "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private static String requiredText(JsonNode node, String field, String where) throws InvalidRecordException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new InvalidRecordException(
                    "field '" + where + field + "' is " + (v == null ? "missing" : "not a non-empty string")
                            + ": every record names its model, e.g. \"model_id\": \"ctr\"");
        }
        return v.asText();
    }

    private static float number(JsonNode v, String field) throws InvalidRecordException {
        if (!v.isNumber()) {
            throw new InvalidRecordException("field '" + field + "' must be a number, got " + v.getNodeType());
        }
        return float32(v, field);
    }

    /** The value as a float, refused when it is beyond float32's range (it would silently become Infinity). */
    private static float float32(JsonNode v, String field) throws InvalidRecordException {
        float f = v.floatValue();
        if (Float.isInfinite(f)) {
            throw new InvalidRecordException("field '" + field + "' is " + v.asText() + ", which overflows float32"
                    + " (largest magnitude " + Float.MAX_VALUE + "): scale the value down before producing");
        }
        return f;
    }

    private static List<Float> floats(JsonNode v, String field) throws InvalidRecordException {
        if (v == null) {
            return new ArrayList<>();
        }
        if (!v.isArray()) {
            throw new InvalidRecordException("field '" + field + "' must be an array of numbers");
        }
        List<Float> out = new ArrayList<>(v.size());
        int i = 0;
        for (JsonNode x : v) {
            out.add(number(x, field + "[" + i++ + "]"));
        }
        return out;
    }

    private static List<Integer> ints(JsonNode v, String field) throws InvalidRecordException {
        if (v == null) {
            return new ArrayList<>();
        }
        if (!v.isArray()) {
            throw new InvalidRecordException("field '" + field + "' must be an array of integers");
        }
        List<Integer> out = new ArrayList<>(v.size());
        int i = 0;
        for (JsonNode x : v) {
            if (!x.isIntegralNumber() || !x.canConvertToInt()) {
                throw new InvalidRecordException("field '" + field + "[" + i + "]' must be an int, got " + x);
            }
            out.add(x.intValue());
            i++;
        }
        return out;
    }

    /**
     * What is wrong with unparseable bytes, in the project's words: where (line, column), what, and the fix. Jackson's
     * own message names reader settings the user cannot change and a redacted source; only its first clause is kept.
     */
    static String malformed(IOException e) {
        String original = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        original = firstLine(original);
        String where = "";
        if (e instanceof JsonProcessingException j
                && j.getLocation() != null
                && j.getLocation().getLineNr() > 0) {
            where = " at line " + j.getLocation().getLineNr() + ", column "
                    + j.getLocation().getColumnNr();
        }
        Matcher nonNumeric = NON_STANDARD_TOKEN.matcher(original);
        if (nonNumeric.find()) {
            return "malformed JSON" + where + ": " + nonNumeric.group(1) + " is not a JSON number (JSON has no NaN or"
                    + " Infinity): impute or drop missing values before producing, or send a finite number";
        }
        if (original.startsWith("Trailing token")) {
            return "malformed JSON" + where + ": more than one JSON value in the record; send exactly one JSON object"
                    + " per record";
        }
        if (original.startsWith("Duplicate field")) {
            return "malformed JSON" + where + ": " + cleaned(original) + " appears twice in one object; send each field"
                    + " once";
        }
        return "malformed JSON" + where + ": " + cleaned(original) + "; send one JSON object per record, e.g."
                + " {\"model_id\": \"m\", \"dense\": [1.0], \"label\": 0}";
    }

    private static final Pattern NON_STANDARD_TOKEN = Pattern.compile("Non-standard token '([^']*)'");
    private static final Pattern JACKSON_DETAIL =
            Pattern.compile("\\s*(\\(start marker at \\[Source:[^\\]]*\\]\\)|\\[Source:[^\\]]*\\])");

    /** Jackson's clause without its source references, feature names or Java class names. */
    private static String cleaned(String message) {
        String m = JACKSON_DETAIL.matcher(message).replaceAll("");
        int internal = indexOfAny(m, "Feature.", "com.fasterxml", "`");
        if (internal >= 0) {
            int cut = Math.max(
                    m.lastIndexOf(';', internal), Math.max(m.lastIndexOf(':', internal), m.lastIndexOf('(', internal)));
            m = cut <= 0 ? "unexpected content" : m.substring(0, cut);
        }
        return m.strip();
    }

    private static int indexOfAny(String s, String... parts) {
        int best = -1;
        for (String p : parts) {
            int i = s.indexOf(p);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

package io.streamgrad.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads one record of the examples topic, whatever it is: an Avro single-object Example or MiniBatch (any
 * version in {@link SchemaHistory}), or a JSON example or mini-batch ({@link JsonExamples}). The record kind is
 * chosen by the fingerprint in the Avro header, or by the leading '{' of JSON.
 *
 * <p>Records of the current Example and MiniBatch schemas without named features are read by
 * {@link FastExampleReader} (no boxing, no stream); everything else, and anything that reader declines, by Avro's
 * reader, which has the last word on what is valid.
 *
 * <p>Never throws anything but {@link InvalidRecordException}, whose message names the problem and the fix.
 * Not thread-safe, not serialisable: create one per Flink subtask in {@code open()}.
 */
public final class InputDecoder {
    private static final long MINI_BATCH_V2 = SchemaHistory.fingerprint(MiniBatch.getClassSchema());
    private static final long MINI_BATCH_V1 = SchemaHistory.fingerprint(SchemaHistory.MINI_BATCH_V1);
    /** The single-object header: C3 01 and the 8-byte fingerprint. */
    private static final int HEADER = 10;

    private final SingleObjectCodec<Example> examples = SingleObjectCodec.example();
    private final SingleObjectCodec<MiniBatch> miniBatches = SingleObjectCodec.miniBatch();
    private final JsonExamples json = new JsonExamples();

    /**
     * What one record held.
     *
     * @param examples         the examples, in record order (one for an Example record)
     * @param miniBatchModelId the MiniBatch's model id, or null for a single Example
     * @param format           "avro" or "json"
     * @param schemaVersion    the writer's Example schema version (1, 2), or 0 for JSON
     */
    public record Decoded(List<Example> examples, String miniBatchModelId, String format, int schemaVersion) {
        public boolean isMiniBatch() {
            return miniBatchModelId != null;
        }
    }

    public Decoded decode(byte[] value) throws InvalidRecordException {
        if (value == null || value.length == 0) {
            throw new InvalidRecordException("empty record value (null or 0 bytes): produce an Avro single-object"
                    + " Example/MiniBatch or a JSON object");
        }
        OptionalLong fp = SingleObjectCodec.headerFingerprint(value);
        if (fp.isPresent()) {
            long f = fp.getAsLong();
            int exampleVersion = SchemaHistory.exampleVersion(f);
            if (exampleVersion == SchemaHistory.EXAMPLE_CURRENT_VERSION) {
                Example fast = FastExampleReader.example(value, HEADER);
                if (fast != null) {
                    return new Decoded(List.of(fast), null, "avro", exampleVersion);
                }
            }
            if (exampleVersion > 0) {
                return new Decoded(List.of(examples.decode(value)), null, "avro", exampleVersion);
            }
            if (f == MINI_BATCH_V2) {
                FastExampleReader.MiniBatchBody fast = FastExampleReader.miniBatch(value, HEADER);
                if (fast != null) {
                    return new Decoded(fast.examples(), fast.modelId(), "avro", SchemaHistory.EXAMPLE_CURRENT_VERSION);
                }
            }
            if (f == MINI_BATCH_V2 || f == MINI_BATCH_V1) {
                MiniBatch mb = miniBatches.decode(value);
                return new Decoded(
                        mb.getExamples(),
                        mb.getModelId(),
                        "avro",
                        f == MINI_BATCH_V2 ? SchemaHistory.EXAMPLE_CURRENT_VERSION : 1);
            }
            throw new InvalidRecordException("unknown writer schema fingerprint " + String.format("%016x", f)
                    + ": not an Example (v1, v" + SchemaHistory.EXAMPLE_CURRENT_VERSION + ") nor a MiniBatch this"
                    + " build knows; write with the schemas in schemas/src/main/avro, or register the writer"
                    + " schema in SchemaHistory");
        }
        if (JsonExamples.looksLikeJson(value)) {
            JsonNode root = json.parse(value);
            if (json.isMiniBatch(root)) {
                MiniBatch mb = json.miniBatch(root);
                return new Decoded(mb.getExamples(), mb.getModelId(), "json", 0);
            }
            return new Decoded(List.of(json.example(root)), null, "json", 0);
        }
        throw new InvalidRecordException("neither Avro single-object encoding (header C3 01, got "
                + SingleObjectCodec.headHex(value) + ") nor a JSON object: produce records with"
                + " `streamgrad produce` (Avro) or as JSON objects");
    }
}

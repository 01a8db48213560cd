package io.streamgrad.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.streamgrad.avro.Example;
import io.streamgrad.schemas.FastExampleReader;
import io.streamgrad.schemas.JsonExamples;
import java.io.IOException;
import java.util.ArrayList;

/**
 * The common predict body, one example with {@code dense} and/or {@code indices}/{@code values} (and optionally
 * {@code model_id}, {@code label}, {@code weight}), read in one streaming pass straight into {@code float[]} and
 * {@code int[]}, instead of a Jackson tree, Avro boxed lists and a copy. It accepts only what the full reader
 * ({@link JsonExamples}, used by {@link PredictRequests}) accepts and gives the same {@link Example} (the same float of
 * each number: {@code (float)} of the parser's double, or of the integer); anything else (another field,
 * {@code named}, {@code event_time}, {@code examples}, a duplicate key, a value of another type, an overflowing
 * float, trailing content, malformed JSON) returns {@code null}, so the full reader runs and gives its error. Dense
 * MLP requests spent 30% of serve's CPU in the tree path (docs/BENCHMARKS.md, "Serving under load").
 *
 * <p>Thread-safe.
 */
final class FastPredictJson {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // Jackson's bundled FastDoubleParser: correctly rounded, as Double.parseDouble, so the same double
            // (FastPredictJsonTest checks 12,000 spellings against the full reader); about 3x faster
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private FastPredictJson() {}

    /** The example of {@code body} for {@code modelId}, or null when the full reader must decide. */
    static Example example(byte[] body, String modelId) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            float[] dense = null;
            int[] indices = null;
            float[] values = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "model_id" -> {
                        if (v != JsonToken.VALUE_STRING || !p.getText().equals(modelId)) {
                            return null;
                        }
                    }
                    case "label", "weight" -> {
                        if (!v.isNumeric() || Float.isNaN(float32(p))) {
                            return null;
                        }
                    }
                    case "dense" -> {
                        dense = floats(p, v);
                        if (dense == null) {
                            return null;
                        }
                    }
                    case "values" -> {
                        values = floats(p, v);
                        if (values == null) {
                            return null;
                        }
                    }
                    case "indices" -> {
                        indices = ints(p, v);
                        if (indices == null) {
                            return null;
                        }
                    }
                    default -> {
                        return null;
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            Example.Builder b = Example.newBuilder().setModelId(modelId).setLabel(0f);
            b.setDense(dense == null ? new ArrayList<>() : new FastExampleReader.FloatList(dense));
            b.setValues(values == null ? new ArrayList<>() : new FastExampleReader.FloatList(values));
            b.setIndices(indices == null ? new ArrayList<>() : new FastExampleReader.IntList(indices));
            return b.build();
        } catch (IOException | RuntimeException e) {
            return null; // malformed, a duplicate key, a number Jackson refuses: the full reader words the error
        }
    }

    /** A number as the full reader takes it (NaN where it would refuse it: beyond float32, or not a plain number). */
    private static float float32(JsonParser p) throws IOException {
        float f = switch (p.getNumberType()) {
            case INT -> (float) p.getIntValue();
            case LONG -> (float) p.getLongValue();
            case DOUBLE, FLOAT -> (float) p.getDoubleValue();
            default -> Float.NaN; // BigInteger / BigDecimal: the tree's conversion decides
        };
        return Float.isInfinite(f) ? Float.NaN : f;
    }

    private static float[] floats(JsonParser p, JsonToken start) throws IOException {
        if (start != JsonToken.START_ARRAY) {
            return null;
        }
        float[] a = new float[16];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null || !t.isNumeric()) {
                return null;
            }
            float f = float32(p);
            if (Float.isNaN(f)) {
                return null;
            }
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, 2 * n);
            }
            a[n++] = f;
        }
        return n == a.length ? a : java.util.Arrays.copyOf(a, n);
    }

    private static int[] ints(JsonParser p, JsonToken start) throws IOException {
        if (start != JsonToken.START_ARRAY) {
            return null;
        }
        int[] a = new int[16];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                return null;
            }
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, 2 * n);
            }
            a[n++] = p.getIntValue();
        }
        return n == a.length ? a : java.util.Arrays.copyOf(a, n);
    }
}

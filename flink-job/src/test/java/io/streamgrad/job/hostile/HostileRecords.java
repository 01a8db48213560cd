package io.streamgrad.job.hostile;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.schemas.JsonExamples;
import io.streamgrad.schemas.SchemaHistory;
import io.streamgrad.schemas.SingleObjectCodec;
import io.streamgrad.schemas.V1Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * A seeded stream of examples-topic records, valid and hostile, each labelled with what the job must make of it:
 * a valid record with the exact examples that must come out of it, an invalid one with its {@link Kind} and the
 * fragments its dead letter's reason must contain (the problem, the field, the fix). Only {@link Kind#CHAOS}
 * (random bytes changed in a valid record) has no known outcome: it may decode to something valid or not, but it
 * must never break the decoder.
 *
 * <p>Three models: {@code clf} (logistic, 8 features), {@code reg} (linear regression, 6 features) and
 * {@code multi} (softmax, 5 features, 3 classes).
 */
final class HostileRecords {
    enum Kind {
        VALID,
        CHAOS,
        EMPTY_VALUE,
        NOT_AVRO_NOR_JSON,
        TRUNCATED_AVRO,
        HOSTILE_LENGTH,
        TRAILING_BYTES,
        UNKNOWN_FINGERPRINT,
        MALFORMED_JSON,
        JSON_SCHEMA_VIOLATION,
        OVERSIZED_RECORD,
        EMPTY_MINIBATCH,
        GIANT_MINIBATCH,
        MIXED_MODEL_MINIBATCH,
        MINIBATCH_WITH_ONE_BAD_EXAMPLE,
        UNKNOWN_MODEL,
        WRONG_DIMENSION,
        NON_FINITE_FEATURE,
        NON_FINITE_LABEL,
        LABEL_OUT_OF_RANGE,
        HUGE_VALUE,
        BAD_INDEX,
        SPARSE_LENGTH_MISMATCH,
        TOO_MANY_NON_ZEROS,
        BAD_WEIGHT;

        boolean invalid() {
            return this != VALID && this != CHAOS;
        }
    }

    /** The example-level defects, usable alone or inside a MiniBatch. */
    private static final List<Kind> EXAMPLE_DEFECTS = List.of(
            Kind.WRONG_DIMENSION,
            Kind.NON_FINITE_FEATURE,
            Kind.NON_FINITE_LABEL,
            Kind.LABEL_OUT_OF_RANGE,
            Kind.HUGE_VALUE,
            Kind.BAD_INDEX,
            Kind.SPARSE_LENGTH_MISMATCH,
            Kind.TOO_MANY_NON_ZEROS,
            Kind.BAD_WEIGHT);

    enum Task {
        BINARY,
        REGRESSION,
        MULTICLASS
    }

    record Shape(String id, Task task, int features, int classes) {}

    static final List<Shape> MODELS = List.of(
            new Shape("clf", Task.BINARY, 8, 1),
            new Shape("reg", Task.REGRESSION, 6, 1),
            new Shape("multi", Task.MULTICLASS, 5, 3));

    /** The models as the job's YAML {@code models:} section. */
    static String modelsYaml() {
        return """
                clf: {model: {type: logistic, features: 8}, loss: binary_cross_entropy,
                      optimizer: {type: adam, learning_rate: 0.05}, batch_size: 16, seed: 7}
                reg: {model: {type: linear, features: 6}, loss: mse,
                      optimizer: {type: adam, learning_rate: 0.01}, batch_size: 8}
                multi: {model: {type: softmax, features: 5, classes: 3}, loss: categorical_cross_entropy,
                        optimizer: {type: adam, learning_rate: 0.05}, batch_size: 10}
                """;
    }

    static ModelCatalog catalog() {
        return TestConfigs.catalog(
                "clf",
                        "model: {type: logistic, features: 8}\nloss: binary_cross_entropy\n"
                                + "optimizer: {type: adam, learning_rate: 0.05}\nbatch_size: 16\nseed: 7\n",
                "reg",
                        "model: {type: linear, features: 6}\nloss: mse\n"
                                + "optimizer: {type: adam, learning_rate: 0.01}\nbatch_size: 8\n",
                "multi", TestConfigs.softmaxYaml(5, 3, 10));
    }

    /**
     * One record and what must become of it.
     *
     * @param examples  for {@link Kind#VALID}: the examples that must come out, in order
     * @param modelId   for {@link Kind#VALID}: the model; for an invalid record: the dead letter's expected
     *                  {@code model_id} (null when the record could not be read far enough to know it)
     * @param fragments for an invalid record: what the reason must contain
     */
    record Generated(
            Kind kind, byte[] key, byte[] value, String modelId, List<Example> examples, List<String> fragments) {}

    private final SplittableRandom rnd;
    private final Limits limits;
    private final boolean boundaryValues;
    private final boolean chaos;
    private final Map<Kind, Integer> weights = new EnumMap<>(Kind.class);
    private final int totalWeight;
    private final SingleObjectCodec<Example> exampleCodec = SingleObjectCodec.example();
    private final SingleObjectCodec<MiniBatch> miniBatchCodec = SingleObjectCodec.miniBatch();
    private final JsonExamples json = new JsonExamples();
    private final Set<Long> knownFingerprints = Set.of(
            SchemaHistory.fingerprint(Example.getClassSchema()), SchemaHistory.fingerprint(SchemaHistory.EXAMPLE_V1),
            SchemaHistory.fingerprint(MiniBatch.getClassSchema()),
                    SchemaHistory.fingerprint(SchemaHistory.MINI_BATCH_V1));

    /**
     * @param boundaryValues also generate valid records at the limits (values of exactly max_abs_value, weight 0,
     *                       MiniBatches of exactly max_examples_per_record); such values can make a model diverge,
     *                       so an end-to-end test that counts trained examples leaves them out
     * @param chaos          also generate {@link Kind#CHAOS} records
     */
    HostileRecords(long seed, Limits limits, boolean boundaryValues, boolean chaos) {
        this.rnd = new SplittableRandom(seed);
        this.limits = limits;
        this.boundaryValues = boundaryValues;
        this.chaos = chaos;
        int total = 0;
        for (Kind k : Kind.values()) {
            int w = k == Kind.VALID ? 90 : k == Kind.CHAOS ? (chaos ? 10 : 0) : 5;
            weights.put(k, w);
            total += w;
        }
        this.totalWeight = total;
    }

    Generated next() {
        int x = rnd.nextInt(totalWeight);
        for (Map.Entry<Kind, Integer> e : weights.entrySet()) {
            x -= e.getValue();
            if (x < 0) {
                return generate(e.getKey());
            }
        }
        throw new IllegalStateException();
    }

    Generated generate(Kind kind) {
        return switch (kind) {
            case VALID -> valid();
            case CHAOS -> chaosRecord();
            case EMPTY_VALUE ->
                invalid(kind, rnd.nextBoolean() ? null : new byte[0], null, "empty record value", "produce");
            case NOT_AVRO_NOR_JSON ->
                invalid(kind, notAvroNorJson(), null, "neither Avro single-object encoding", "produce records with");
            case TRUNCATED_AVRO -> {
                byte[] whole = validAvro();
                yield invalid(
                        kind, Arrays.copyOf(whole, 10 + rnd.nextInt(whole.length - 10)), null, "truncated", "whole");
            }
            case HOSTILE_LENGTH -> hostileLength();
            case TRAILING_BYTES -> {
                byte[] whole = validAvro();
                byte[] more = Arrays.copyOf(whole, whole.length + 1 + rnd.nextInt(16));
                for (int i = whole.length; i < more.length; i++) {
                    more[i] = (byte) rnd.nextInt(256);
                }
                yield invalid(
                        kind, more, null, (more.length - whole.length) + " bytes after the end of the Avro", "framing");
            }
            case UNKNOWN_FINGERPRINT -> {
                byte[] b = validAvro();
                long fp;
                do {
                    fp = rnd.nextLong();
                } while (knownFingerprints.contains(fp));
                ByteBuffer.wrap(b, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(fp);
                yield invalid(
                        kind,
                        b,
                        null,
                        "unknown writer schema fingerprint " + String.format("%016x", fp),
                        "register the writer schema");
            }
            case MALFORMED_JSON -> malformedJson();
            case JSON_SCHEMA_VIOLATION -> jsonSchemaViolation();
            case OVERSIZED_RECORD -> oversized();
            case EMPTY_MINIBATCH -> {
                Shape m = model();
                byte[] v = rnd.nextBoolean()
                        ? miniBatchCodec.encode(new MiniBatch(m.id(), List.of()))
                        : utf8("{\"model_id\": \"" + m.id() + "\", \"examples\": []}");
                yield invalid(
                        kind,
                        v,
                        m.id(),
                        "MiniBatch for model '" + m.id() + "' has no examples",
                        "send at least one example");
            }
            case GIANT_MINIBATCH -> {
                Shape m = model();
                int n = limits.maxExamplesPerRecord() + 1 + rnd.nextInt(16);
                List<Example> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(smallExample(m));
                }
                yield invalid(
                        kind,
                        miniBatch(m.id(), list),
                        m.id(),
                        "MiniBatch of " + n + " examples exceeds limits.max_examples_per_record",
                        "send smaller batches");
            }
            case MIXED_MODEL_MINIBATCH -> {
                Shape a = model();
                Shape b = other(a);
                int n = 2 + rnd.nextInt(6);
                int bad = rnd.nextInt(n);
                List<Example> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(i == bad ? validExample(b, false) : validExample(a, false));
                }
                yield invalid(
                        kind,
                        miniBatch(a.id(), list),
                        a.id(),
                        "examples[" + bad + "].model_id '" + b.id() + "' differs from the MiniBatch's model_id '"
                                + a.id() + "'",
                        "a MiniBatch holds examples of one model");
            }
            case MINIBATCH_WITH_ONE_BAD_EXAMPLE -> {
                Shape m = model();
                Kind defect = EXAMPLE_DEFECTS.get(rnd.nextInt(EXAMPLE_DEFECTS.size()));
                if (defect == Kind.LABEL_OUT_OF_RANGE && m.task() == Task.REGRESSION) {
                    m = MODELS.get(0);
                }
                int n = 2 + rnd.nextInt(Math.min(8, limits.maxExamplesPerRecord() - 1));
                int bad = rnd.nextInt(n);
                boolean asJson = rnd.nextBoolean();
                List<Example> list = new ArrayList<>(n);
                List<String> fragments = new ArrayList<>();
                StringBuilder jsonBatch = new StringBuilder("{\"model_id\": ")
                        .append(quote(m.id()))
                        .append(", \"examples\": [");
                for (int i = 0; i < n; i++) {
                    jsonBatch.append(i == 0 ? "" : ", ");
                    if (i == bad) {
                        Defective d = defective(m, defect, asJson);
                        list.add(d.example());
                        fragments.addAll(d.fragments());
                        jsonBatch.append(asJson ? new String(d.json(), StandardCharsets.UTF_8) : "");
                    } else {
                        Example e = validExample(m, false);
                        list.add(e);
                        jsonBatch.append(new String(json.toJson(e), StandardCharsets.UTF_8));
                    }
                }
                if (fragments.contains("overflows float32")) {
                    fragments.add("field 'examples[" + bad + "]."); // refused while reading the JSON, before checks
                } else {
                    fragments.add("examples[" + bad + "]: ");
                    fragments.add("a MiniBatch trains all or nothing: none of its " + n + " examples was used");
                }
                byte[] v = asJson
                        ? utf8(jsonBatch.append("]}").toString())
                        : miniBatchCodec.encode(new MiniBatch(m.id(), list));
                yield new Generated(kind, key(m.id()), v, m.id(), List.of(), fragments);
            }
            case UNKNOWN_MODEL -> {
                String id = switch (rnd.nextInt(4)) {
                    case 0 -> "ghost-" + rnd.nextInt(1000);
                    case 1 -> "";
                    case 2 -> "CLF"; // ids are case-sensitive
                    default -> "x".repeat(256 + rnd.nextInt(1000));
                };
                Example e = Example.newBuilder(validExample(model(), false))
                        .setModelId(id)
                        .build();
                byte[] v = rnd.nextBoolean()
                        ? exampleCodec.encode(e)
                        : miniBatchCodec.encode(new MiniBatch(id, List.of(e)));
                String shown = id.length() <= 255 ? id : id.substring(0, 252) + "...";
                yield invalid(kind, v, shown, "unknown model '" + shown + "'", "add it under models:");
            }
            default -> {
                Shape m = model();
                if (kind == Kind.LABEL_OUT_OF_RANGE && m.task() == Task.REGRESSION) {
                    m = MODELS.get(2);
                }
                boolean asJson = rnd.nextInt(4) == 0;
                Defective d = defective(m, kind, asJson);
                byte[] v = asJson ? d.json() : exampleCodec.encode(d.example());
                yield new Generated(kind, key(m.id()), v, m.id(), List.of(), d.fragments());
            }
        };
    }

    // ---------------------------------------------------------------- valid records

    private Generated valid() {
        Shape m = model();
        int form = rnd.nextInt(10);
        List<Example> examples = new ArrayList<>();
        byte[] value;
        if (form < 4) { // Avro v2, one example
            Example e = validExample(m, boundaryValues);
            examples.add(e);
            value = exampleCodec.encode(e);
        } else if (form < 5) { // a version-1 producer: dense features and a label only
            Example e = validExample(m, false);
            List<Float> dense = denseValues(m.features(), false);
            e = Example.newBuilder(e)
                    .setDense(dense)
                    .setIndices(List.of())
                    .setValues(List.of())
                    .setNamed(Map.of())
                    .setWeight(1f)
                    .setEventTime(Instant.ofEpochMilli(1234))
                    .build();
            examples.add(e);
            value = V1Fixtures.exampleV1Bytes(m.id(), dense, e.getLabel());
        } else if (form < 7) { // JSON, one example
            Example e = validExample(m, boundaryValues);
            examples.add(e);
            value = json.toJson(e);
        } else if (form < 9) { // Avro MiniBatch
            int n = boundaryValues && rnd.nextInt(20) == 0
                    ? limits.maxExamplesPerRecord()
                    : 1 + rnd.nextInt(Math.min(20, limits.maxExamplesPerRecord()));
            for (int i = 0; i < n; i++) {
                examples.add(validExample(m, boundaryValues));
            }
            value = miniBatchCodec.encode(new MiniBatch(m.id(), examples));
        } else { // JSON MiniBatch
            int n = 1 + rnd.nextInt(Math.min(8, limits.maxExamplesPerRecord()));
            for (int i = 0; i < n; i++) {
                examples.add(validExample(m, boundaryValues));
            }
            value = jsonMiniBatch(m.id(), examples);
        }
        if (value.length > limits.maxRecordBytes()) {
            return valid(); // a valid record must also be small enough
        }
        return new Generated(Kind.VALID, key(m.id()), value, m.id(), examples, List.of());
    }

    /** A valid example: dense, sparse, named or mixed features; a label and weight valid for the model. */
    Example validExample(Shape m, boolean boundary) {
        Example.Builder b = Example.newBuilder()
                .setModelId(m.id())
                .setEventTime(Instant.ofEpochMilli(rnd.nextLong(0, 4_000_000_000_000L)))
                .setDense(List.of())
                .setIndices(List.of())
                .setValues(List.of())
                .setNamed(Map.of());
        int layout = rnd.nextInt(5); // 0 dense, 1 sparse, 2 named, 3 dense+sparse+named, 4 sparse+named
        if (layout == 0 || layout == 3) {
            b.setDense(denseValues(m.features(), boundary));
        }
        int budget = limits.maxNonZerosPerExample();
        if (layout == 1 || layout == 3 || layout == 4) {
            int k = rnd.nextInt(Math.min(budget, 2 * m.features()) + 1);
            List<Integer> idx = new ArrayList<>(k);
            List<Float> val = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                idx.add(
                        boundary && rnd.nextInt(10) == 0
                                ? (rnd.nextBoolean() ? 0 : m.features() - 1)
                                : rnd.nextInt(m.features()));
                val.add(value(boundary));
            }
            b.setIndices(idx).setValues(val);
            budget -= k;
        }
        if (layout == 2 || layout == 3 || layout == 4) {
            int k = rnd.nextInt(Math.min(budget, 6) + 1);
            Map<String, Float> named = new LinkedHashMap<>();
            for (int i = 0; i < k; i++) {
                named.put("f" + rnd.nextInt(50) + "=" + (char) ('a' + rnd.nextInt(26)), value(boundary));
            }
            b.setNamed(named);
        }
        b.setLabel(
                switch (m.task()) {
                    case BINARY -> rnd.nextBoolean() ? 1f : 0f;
                    case MULTICLASS -> rnd.nextInt(m.classes());
                    case REGRESSION ->
                        boundary && rnd.nextInt(50) == 0
                                ? (float) (rnd.nextBoolean() ? 1 : -1) * maxAbs()
                                : (float) (rnd.nextDouble(-3, 3));
                });
        float w = 1f;
        if (rnd.nextInt(4) == 0) {
            w = (float) rnd.nextDouble(0, 4);
        }
        if (boundary && rnd.nextInt(50) == 0) {
            w = rnd.nextBoolean() ? 0f : maxAbs();
        }
        b.setWeight(w);
        return b.build();
    }

    /** A small valid example (one sparse feature). */
    private Example smallExample(Shape m) {
        return Example.newBuilder()
                .setModelId(m.id())
                .setEventTime(Instant.ofEpochMilli(0))
                .setDense(List.of())
                .setIndices(List.of(rnd.nextInt(m.features())))
                .setValues(List.of(1f))
                .setNamed(Map.of())
                .setLabel(m.task() == Task.REGRESSION ? 0.5f : 1f)
                .setWeight(1f)
                .build();
    }

    private List<Float> denseValues(int n, boolean boundary) {
        List<Float> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(value(boundary));
        }
        return out;
    }

    private float value(boolean boundary) {
        if (boundary && rnd.nextInt(100) == 0) {
            return (rnd.nextBoolean() ? 1 : -1) * maxAbs();
        }
        return (float) (rnd.nextGaussian());
    }

    /** The largest float not above max_abs_value (valid). */
    private float maxAbs() {
        float f = (float) limits.maxAbsValue();
        return f > limits.maxAbsValue() ? Math.nextDown(f) : f;
    }

    private byte[] validAvro() {
        Shape m = model();
        if (rnd.nextInt(3) == 0) {
            List<Example> list = new ArrayList<>();
            int n = 1 + rnd.nextInt(Math.min(6, limits.maxExamplesPerRecord()));
            for (int i = 0; i < n; i++) {
                list.add(validExample(m, false));
            }
            return miniBatchCodec.encode(new MiniBatch(m.id(), list));
        }
        return exampleCodec.encode(validExample(m, false));
    }

    // ---------------------------------------------------------------- defective examples

    /** An example with exactly one defect; {@code json} is its JSON form, built by hand (Jackson won't write NaN). */
    record Defective(Example example, byte[] json, List<String> fragments) {}

    private Defective defective(Shape m, Kind defect, boolean asJson) {
        Example base = validExample(m, false);
        Example.Builder b = Example.newBuilder(base);
        // In JSON, a non-finite float is written as a number beyond float's range (Jackson refuses NaN tokens).
        String labelToken = null;
        String weightToken = null;
        Map<String, String> rawValues = new LinkedHashMap<>(); // field -> JSON token replacing one element
        List<String> f = new ArrayList<>();
        String overflow = null; // in JSON: the "field '...' is 1.0E39" the reason names (beyond float32's range)
        switch (defect) {
            case WRONG_DIMENSION -> {
                int n;
                do {
                    n = 1 + rnd.nextInt(2 * m.features() + 2);
                } while (n == m.features());
                b.setDense(denseValues(n, false));
                f.add("dense has " + n + " values but model '" + m.id() + "' has model.features=" + m.features());
                f.add("send exactly " + m.features() + " dense values");
            }
            case NON_FINITE_FEATURE -> {
                float bad = asJson
                        ? Float.POSITIVE_INFINITY
                        : pick(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
                String token = rnd.nextBoolean() ? "1e39" : "-1e39";
                if (asJson) {
                    bad = token.startsWith("-") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                }
                switch (rnd.nextInt(3)) {
                    case 0 -> {
                        List<Float> d = denseValues(m.features(), false);
                        int i = rnd.nextInt(m.features());
                        d.set(i, bad);
                        b.setDense(d).setIndices(List.of()).setValues(List.of()).setNamed(Map.of());
                        rawValues.put("dense", i + ":" + token);
                        f.add("dense[" + i + "] is " + bad);
                        overflow = "dense[" + i + "]' is ";
                    }
                    case 1 -> {
                        int k = 1 + rnd.nextInt(4);
                        List<Integer> idx = new ArrayList<>();
                        List<Float> val = new ArrayList<>();
                        for (int j = 0; j < k; j++) {
                            idx.add(rnd.nextInt(m.features()));
                            val.add(1f);
                        }
                        int j = rnd.nextInt(k);
                        val.set(j, bad);
                        b.setDense(List.of()).setIndices(idx).setValues(val).setNamed(Map.of());
                        rawValues.put("values", j + ":" + token);
                        f.add("values[" + j + "] (index " + idx.get(j) + ") is " + bad);
                        overflow = "values[" + j + "]' is ";
                    }
                    default -> {
                        b.setDense(List.of())
                                .setIndices(List.of())
                                .setValues(List.of())
                                .setNamed(Map.of("user=42", bad));
                        rawValues.put("named", "user=42:" + token);
                        f.add("named feature 'user=42' is " + bad);
                        overflow = "named.user=42' is ";
                    }
                }
                f.add("feature values must be finite; impute or drop missing values");
                overflow = overflow + (token.startsWith("-") ? "-1.0E39" : "1.0E39");
            }
            case NON_FINITE_LABEL -> {
                float bad = asJson
                        ? Float.POSITIVE_INFINITY
                        : pick(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
                labelToken = "1e39";
                b.setLabel(bad);
                f.addAll(labelFragments(m, bad));
                overflow = "label' is 1.0E39";
            }
            case LABEL_OUT_OF_RANGE -> {
                float bad = m.task() == Task.BINARY ? pick(2f, -1f, 0.5f, 1e5f) : pick(3f, -1f, 1.5f, 100f);
                labelToken = Float.toString(bad);
                b.setLabel(bad);
                f.addAll(labelFragments(m, bad));
            }
            case HUGE_VALUE -> {
                float huge = (float) (maxAbs() * (1.5 + rnd.nextDouble() * 1e6));
                if (!Float.isFinite(huge)) {
                    huge = Float.MAX_VALUE;
                }
                huge *= rnd.nextBoolean() ? 1 : -1;
                String token = Float.toString(huge);
                int where = rnd.nextInt(m.task() == Task.REGRESSION ? 5 : 4);
                switch (where) {
                    case 0 -> {
                        List<Float> d = denseValues(m.features(), false);
                        int i = rnd.nextInt(m.features());
                        d.set(i, huge);
                        b.setDense(d).setIndices(List.of()).setValues(List.of()).setNamed(Map.of());
                        rawValues.put("dense", i + ":" + token);
                        f.add("dense[" + i + "] = " + huge + " exceeds limits.max_abs_value=");
                    }
                    case 1 -> {
                        b.setDense(List.of())
                                .setIndices(List.of(m.features() - 1))
                                .setValues(List.of(huge))
                                .setNamed(Map.of());
                        rawValues.put("values", "0:" + token);
                        f.add("values[0] (index " + (m.features() - 1) + ") = " + huge
                                + " exceeds limits.max_abs_value=");
                    }
                    case 2 -> {
                        b.setDense(List.of())
                                .setIndices(List.of())
                                .setValues(List.of())
                                .setNamed(Map.of("amount", huge));
                        rawValues.put("named", "amount:" + token);
                        f.add("named feature 'amount' = " + huge + " exceeds limits.max_abs_value=");
                    }
                    case 3 -> {
                        float w = Math.abs(huge);
                        b.setWeight(w);
                        weightToken = Float.toString(w);
                        f.add("weight " + w + " exceeds limits.max_abs_value=");
                    }
                    default -> {
                        b.setLabel(huge);
                        labelToken = token;
                        f.add("label " + huge + " exceeds limits.max_abs_value=");
                    }
                }
                f.add("raise the limit");
            }
            case BAD_INDEX -> {
                int k = 1 + rnd.nextInt(4);
                List<Integer> idx = new ArrayList<>();
                List<Float> val = new ArrayList<>();
                for (int j = 0; j < k; j++) {
                    idx.add(rnd.nextInt(m.features()));
                    val.add((float) rnd.nextGaussian());
                }
                int j = rnd.nextInt(k);
                int bad = switch (rnd.nextInt(4)) {
                    case 0 -> -1;
                    case 1 -> Integer.MIN_VALUE;
                    case 2 -> m.features();
                    default -> m.features() + rnd.nextInt(Integer.MAX_VALUE - m.features());
                };
                idx.set(j, bad);
                b.setDense(List.of()).setIndices(idx).setValues(val).setNamed(Map.of());
                f.add("indices[" + j + "]=" + bad + " is outside [0, " + m.features() + ") of model '" + m.id() + "'");
                f.add("indices are 0-based and must be below model.features");
            }
            case SPARSE_LENGTH_MISMATCH -> {
                int n = rnd.nextInt(6);
                int v;
                do {
                    v = rnd.nextInt(6);
                } while (v == n);
                List<Integer> idx = new ArrayList<>();
                List<Float> val = new ArrayList<>();
                for (int j = 0; j < n; j++) {
                    idx.add(rnd.nextInt(m.features()));
                }
                for (int j = 0; j < v; j++) {
                    val.add(1f);
                }
                b.setIndices(idx).setValues(val);
                f.add("indices has " + n + " entries but values has " + v);
                f.add("sparse features need one value per index");
            }
            case TOO_MANY_NON_ZEROS -> {
                int n = limits.maxNonZerosPerExample() + 1 + rnd.nextInt(8);
                int named = rnd.nextInt(Math.min(n, 5) + 1);
                List<Integer> idx = new ArrayList<>();
                List<Float> val = new ArrayList<>();
                for (int j = 0; j < n - named; j++) {
                    idx.add(rnd.nextInt(m.features()));
                    val.add(1f);
                }
                Map<String, Float> nm = new LinkedHashMap<>();
                for (int j = 0; j < named; j++) {
                    nm.put("n" + j, 1f);
                }
                b.setIndices(idx).setValues(val).setNamed(nm);
                f.add(n + " sparse + named features exceed limits.max_non_zeros_per_example="
                        + limits.maxNonZerosPerExample());
                f.add("split the example's features or raise the limit");
            }
            case BAD_WEIGHT -> {
                float w = asJson
                        ? pick(-1f, -0.001f, Float.POSITIVE_INFINITY)
                        : pick(-1f, -0.001f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
                b.setWeight(w);
                weightToken = Float.isInfinite(w) ? "1e39" : Float.toString(w);
                overflow = Float.isInfinite(w) ? "weight' is 1.0E39" : null;
                f.add("weight " + w + " must be finite and >= 0");
                f.add("leave it out for 1");
            }
            default -> throw new IllegalArgumentException(defect.toString());
        }
        if (asJson && overflow != null) {
            // A JSON number beyond float's range is refused as such, before any finiteness check.
            f = new ArrayList<>(List.of(overflow, "overflows float32", "scale the value down before producing"));
        }
        Example e = b.build();
        return new Defective(e, asJson ? jsonExample(e, labelToken, weightToken, rawValues) : null, f);
    }

    private List<String> labelFragments(Shape m, float label) {
        return switch (m.task()) {
            case REGRESSION ->
                List.of("label is " + label + ": a regression target must be finite", "drop examples without a target");
            case BINARY ->
                List.of(
                        "label " + label + " is not 0 or 1, as model '" + m.id() + "'",
                        "map the negative class to 0, the positive to 1");
            case MULTICLASS ->
                List.of(
                        "label " + label + " is not a class index 0.." + (m.classes() - 1) + " of model '" + m.id()
                                + "' (model.classes=" + m.classes() + ")",
                        "send the 0-based class index");
        };
    }

    // ---------------------------------------------------------------- malformed input

    private byte[] notAvroNorJson() {
        switch (rnd.nextInt(4)) {
            case 0:
                return utf8("[{\"model_id\": \"clf\", \"label\": 1}]");
            case 1:
                return utf8("model_id=clf label=1 dense=1,2,3");
            default:
                byte[] b = new byte[1 + rnd.nextInt(200)];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) rnd.nextInt(256);
                }
                int first;
                do {
                    first = rnd.nextInt(256);
                } while (first == 0xC3
                        || first == '{'
                        || first == ' '
                        || first == '\t'
                        || first == '\r'
                        || first == '\n');
                b[0] = (byte) first;
                return b;
        }
    }

    private Generated hostileLength() {
        Shape m = model();
        String[] fields = {"model_id", "dense", "indices", "values", "named", "examples"};
        String field = fields[rnd.nextInt(fields.length)];
        long huge = 1L << (20 + rnd.nextInt(21)); // 2^20 .. 2^40
        boolean miniBatch = field.equals("examples") || rnd.nextInt(4) == 0;
        byte[] v = singleObject(miniBatch ? MiniBatch.getClassSchema() : Example.getClassSchema(), e -> {
            if (miniBatch) {
                e.writeString(m.id());
                if (field.equals("examples")) {
                    e.writeLong(huge);
                    return;
                }
                e.writeLong(1);
            }
            if (field.equals("model_id")) {
                e.writeLong(huge);
                return;
            }
            e.writeString(m.id());
            e.writeLong(rnd.nextLong(0, 1L << 40)); // event_time
            for (String f : List.of("dense", "indices", "values", "named")) {
                if (f.equals(field)) {
                    e.writeLong(huge);
                    for (int i = 0; i < rnd.nextInt(8); i++) {
                        e.writeFixed(new byte[] {(byte) rnd.nextInt(128)});
                    }
                    return;
                }
                e.writeLong(0); // an empty array or map
            }
        });
        String path = miniBatch && !field.equals("examples") ? "examples[0]." + field : field;
        return invalid(Kind.HOSTILE_LENGTH, v, null, "field '" + path + "' declares", "truncated or corrupt");
    }

    private Generated malformedJson() {
        Shape m = model();
        byte[] whole = json.toJson(validExample(m, false));
        String s = new String(whole, StandardCharsets.UTF_8);
        int c = rnd.nextInt(7);
        String v = switch (c) {
            case 0 -> s.substring(0, 1 + rnd.nextInt(s.length() - 1)); // cut short
            case 1 -> s.replaceFirst(",", " "); // a missing comma
            case 2 -> s + " " + s; // two objects in one record
            case 3 -> "{\"model_id\": \"" + m.id() + "\", \"label\": 1, \"label\": 0}"; // duplicate key
            case 4 -> "{\"model_id\": \"" + m.id() + "\", \"named\": " + "[".repeat(2000) + "]".repeat(2000) + "}";
            case 5 -> "{\"model_id\": \"" + m.id() + "\", \"dense\": [NaN], \"label\": 1}"; // NaN is no JSON number
            default -> "{" + "model_id: '" + m.id() + "', label: NaN}"; // JavaScript, not JSON
        };
        String fix = switch (c) {
            case 2 -> "one JSON object per record";
            case 3 -> "send each field once";
            case 5 -> "NaN is not a JSON number";
            default -> "send one JSON object per record";
        };
        return invalid(Kind.MALFORMED_JSON, utf8(v), null, "malformed JSON", fix);
    }

    private Generated jsonSchemaViolation() {
        Shape m = model();
        String id = "\"model_id\": \"" + m.id() + "\"";
        return switch (rnd.nextInt(8)) {
            case 0 ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{" + id + ", \"dense\": [1, 2]}"),
                        m.id(),
                        "field 'label' is missing",
                        "every example needs a numeric label");
            case 1 ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{\"label\": 1, \"dense\": [1, 2]}"),
                        null,
                        "field 'model_id' is missing",
                        "every record names its model");
            case 2 ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{" + id + ", \"lable\": 1}"),
                        m.id(),
                        "unknown field 'lable'",
                        "known fields: dense, event_time, indices, label");
            case 3 ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{" + id + ", \"label\": 1, \"dense\": [\"1.5\"]}"),
                        m.id(),
                        "field 'dense[0]' must be a number, got STRING");
            case 4 ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{" + id + ", \"label\": \"yes\"}"),
                        m.id(),
                        "field 'label' is not a number",
                        "every example needs a numeric label");
            case 5 ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{" + id + ", \"label\": 1, \"indices\": [0.5], \"values\": [1]}"),
                        m.id(),
                        "field 'indices[0]' must be an int");
            case 6 ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{" + id + ", \"examples\": 5}"),
                        m.id(),
                        "field 'examples' must be an array of example objects");
            default ->
                invalid(
                        Kind.JSON_SCHEMA_VIOLATION,
                        utf8("{" + id + ", \"examples\": [{" + id + ", \"label\": 1}, 7]}"),
                        m.id(),
                        "examples[1] is not an object");
        };
    }

    private Generated oversized() {
        int size = limits.maxRecordBytes() + 1 + rnd.nextInt(3 * limits.maxRecordBytes());
        byte[] v;
        if (rnd.nextBoolean()) {
            // A valid example padded with blanks: it would decode, but is too big to be read at all.
            byte[] e = json.toJson(validExample(model(), false));
            v = Arrays.copyOf(e, Math.max(size, e.length));
            Arrays.fill(v, e.length, v.length, (byte) ' ');
        } else {
            v = new byte[size];
            for (int i = 0; i < v.length; i++) {
                v[i] = (byte) rnd.nextInt(256);
            }
        }
        return invalid(
                Kind.OVERSIZED_RECORD,
                v,
                null,
                "record of " + v.length + " bytes exceeds" + " limits.max_record_bytes=" + limits.maxRecordBytes(),
                "split it into smaller MiniBatch records");
    }

    private Generated chaosRecord() {
        byte[] b = validAvro();
        int flips = 1 + rnd.nextInt(4);
        for (int i = 0; i < flips; i++) {
            b[10 + rnd.nextInt(b.length - 10)] = (byte) rnd.nextInt(256);
        }
        return new Generated(Kind.CHAOS, key("chaos"), b, null, List.of(), List.of());
    }

    // ---------------------------------------------------------------- encoding helpers

    private Generated invalid(Kind kind, byte[] value, String modelId, String... fragments) {
        return new Generated(kind, key(modelId), value, modelId, List.of(), List.of(fragments));
    }

    private byte[] key(String modelId) {
        return switch (rnd.nextInt(4)) {
            case 0 -> null;
            case 1 -> {
                byte[] k = new byte[rnd.nextInt(64)];
                for (int i = 0; i < k.length; i++) {
                    k[i] = (byte) rnd.nextInt(256);
                }
                yield k;
            }
            default -> modelId == null ? null : utf8(modelId);
        };
    }

    private byte[] miniBatch(String id, List<Example> examples) {
        return rnd.nextBoolean() ? miniBatchCodec.encode(new MiniBatch(id, examples)) : jsonMiniBatch(id, examples);
    }

    private byte[] jsonMiniBatch(String id, List<Example> examples) {
        StringBuilder sb =
                new StringBuilder("{\"model_id\": ").append(quote(id)).append(", \"examples\": [");
        for (int i = 0; i < examples.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(new String(json.toJson(examples.get(i)), StandardCharsets.UTF_8));
        }
        return utf8(sb.append("]}").toString());
    }

    /** An example as JSON, with raw tokens for the label, the weight or one element of a features field. */
    private static byte[] jsonExample(Example e, String labelToken, String weightToken, Map<String, String> raw) {
        StringBuilder sb = new StringBuilder("{\"model_id\": ").append(quote(e.getModelId()));
        appendArray(sb, "dense", e.getDense(), raw.get("dense"));
        appendArray(sb, "indices", e.getIndices(), null);
        appendArray(sb, "values", e.getValues(), raw.get("values"));
        if (!e.getNamed().isEmpty()) {
            sb.append(", \"named\": {");
            String rawNamed = raw.get("named");
            int i = 0;
            for (Map.Entry<String, Float> n : e.getNamed().entrySet()) {
                String token = rawNamed != null && rawNamed.startsWith(n.getKey() + ":")
                        ? rawNamed.substring(n.getKey().length() + 1)
                        : number(n.getValue());
                sb.append(i++ == 0 ? "" : ", ")
                        .append(quote(n.getKey()))
                        .append(": ")
                        .append(token);
            }
            sb.append('}');
        }
        sb.append(", \"label\": ").append(labelToken != null ? labelToken : number(e.getLabel()));
        sb.append(", \"weight\": ").append(weightToken != null ? weightToken : number(e.getWeight()));
        return utf8(sb.append('}').toString());
    }

    private static void appendArray(StringBuilder sb, String field, List<? extends Number> list, String raw) {
        if (list.isEmpty()) {
            return;
        }
        int rawAt = raw == null ? -1 : Integer.parseInt(raw.substring(0, raw.indexOf(':')));
        sb.append(", \"").append(field).append("\": [");
        for (int i = 0; i < list.size(); i++) {
            sb.append(i == 0 ? "" : ", ")
                    .append(i == rawAt ? raw.substring(raw.indexOf(':') + 1) : number(list.get(i)));
        }
        sb.append(']');
    }

    private static String number(Number n) {
        return n instanceof Float f ? Float.toString(f) : n.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    interface Body {
        void write(BinaryEncoder e) throws IOException;
    }

    static byte[] singleObject(Schema writer, Body body) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0xC3);
            out.write(0x01);
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(SchemaHistory.fingerprint(writer))
                    .array());
            BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
            body.write(e);
            e.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Shape model() {
        return MODELS.get(rnd.nextInt(MODELS.size()));
    }

    private Shape other(Shape a) {
        Shape b;
        do {
            b = model();
        } while (b == a);
        return b;
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[rnd.nextInt(options.length)];
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** For reports: kind -> count, in declaration order. */
    static String table(Map<Kind, Integer> counts, Function<Kind, String> extra) {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, n) -> sb.append(String.format(Locale.ROOT, "  %-32s %8d%s%n", k, n, extra.apply(k))));
        return sb.toString();
    }
}

package io.streamgrad.job.recs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Interaction;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.learner.recs.MfSpec;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Decode + validate one interactions-topic record as a plain function, without Flink: an Avro single-object
 * {@link Interaction} (schema version 1 or 2) or a JSON object
 * {@code {"model": .., "user": .., "item": .., "rating": .., "time": .., "context": {"device": "ios", ..}}} (time
 * in epoch milliseconds or as an ISO-8601 instant; context optional)
 * becomes either one {@link InteractionRecord} or one {@link DeadLetter} whose reason starts with the record's
 * {@code topic-partition@offset} and names the problem and the fix. Never throws on any input.
 *
 * <p>Checks: the model is an mf model of the job; user and item are non-empty ids of at most
 * {@link #MAX_ID_CHARS} characters; the time is given; a model with loss {@code mse} needs a finite rating, whose
 * magnitude is at most {@code limits.max_abs_value}; a rating on an implicit model is ignored (it counts as a click);
 * context ids are non-empty ids of at most {@link #MAX_ID_CHARS} characters; context fields the model does not
 * declare ({@code context:} in its config) are dropped, declared fields that are absent (or null) contribute nothing.
 *
 * <p>Not thread-safe, not serialisable (one per Flink subtask, created in {@code open()}).
 */
public final class InteractionDecoder {
    /** Longest user or item id accepted: ids are state keys and go into every version that holds their row. */
    public static final int MAX_ID_CHARS = 1024;

    private static final Set<String> JSON_KEYS = Set.of("model", "user", "item", "rating", "time", "context");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one record turned into. */
    public sealed interface Result permits Accepted, Rejected {}

    public record Accepted(InteractionRecord interaction) implements Result {}

    public record Rejected(DeadLetter deadLetter) implements Result {}

    private final RecsModels models;
    private final Limits limits;
    private final SingleObjectCodec<Interaction> codec = SingleObjectCodec.interaction();

    public InteractionDecoder(RecsModels models, Limits limits) {
        this.models = models;
        this.limits = limits;
    }

    private static final class Bad extends Exception {
        private static final long serialVersionUID = 1L;
        final String modelId;

        Bad(String modelId, String message) {
            super(message, null, false, false);
            this.modelId = modelId;
        }
    }

    /**
     * @param r     the record, with its coordinates
     * @param nowMs the dead letter's {@code failed_at}, if it becomes one
     */
    public Result decode(SourceRecord r, long nowMs) {
        try {
            return new Accepted(validate(r));
        } catch (Bad e) {
            return new Rejected(deadLetter(r, e.modelId, e.getMessage(), nowMs));
        } catch (RuntimeException e) {
            return new Rejected(deadLetter(
                    r,
                    null,
                    "internal error while decoding an interaction (" + e
                            + "): this is a bug in streamgrad; please report it with this dead letter",
                    nowMs));
        }
    }

    private InteractionRecord validate(SourceRecord r) throws Bad {
        if (r.value == null || r.value.length == 0) {
            throw new Bad(
                    null,
                    "empty record value: expected an Avro single-object Interaction or a JSON object"
                            + " {\"model\", \"user\", \"item\", \"rating\", \"time\"}");
        }
        if (r.value.length > limits.maxRecordBytes()) {
            throw new Bad(
                    null,
                    "record of " + r.value.length + " bytes exceeds limits.max_record_bytes=" + limits.maxRecordBytes()
                            + ": an interaction is a few ids and numbers; check the producer");
        }
        String model;
        String user;
        String item;
        Double rating;
        Long time;
        Map<String, String> context = new LinkedHashMap<>();
        if (r.value[0] == '{') {
            JsonNode n;
            try {
                n = JSON.readTree(r.value);
            } catch (IOException e) {
                throw new Bad(
                        null,
                        "not valid JSON (" + firstLine(e.getMessage()) + "): send one JSON object"
                                + " {\"model\", \"user\", \"item\", \"rating\", \"time\"} per record");
            }
            if (n == null || !n.isObject()) {
                throw new Bad(null, "not a JSON object: send {\"model\", \"user\", \"item\", \"rating\", \"time\"}");
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!JSON_KEYS.contains(f)) {
                    throw new Bad(
                            text(n, "model"),
                            "unknown field '" + cut(f) + "': an interaction has the fields"
                                    + " model, user, item, rating (optional), time and context (optional)");
                }
            }
            model = text(n, "model");
            user = text(n, "user");
            item = text(n, "item");
            JsonNode rn = n.get("rating");
            if (rn == null || rn.isNull()) {
                rating = null;
            } else if (rn.isNumber()) {
                rating = rn.doubleValue();
            } else {
                throw new Bad(model, "rating: expected a number or null, got " + cut(rn.toString()));
            }
            JsonNode tn = n.get("time");
            if (tn == null || tn.isNull()) {
                time = null;
            } else if (tn.canConvertToExactIntegral() && tn.canConvertToLong()) {
                time = tn.longValue();
            } else if (tn.isTextual()) {
                try {
                    time = java.time.Instant.parse(tn.textValue()).toEpochMilli();
                } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
                    throw new Bad(
                            model,
                            "time: '" + cut(tn.textValue()) + "' is not an ISO-8601 instant"
                                    + " (2010-12-01T08:26:00Z); send that or epoch milliseconds");
                }
            } else {
                throw new Bad(
                        model,
                        "time: expected epoch milliseconds (an integer) or an ISO-8601 instant, got "
                                + cut(tn.toString()));
            }
            if (model == null) {
                throw new Bad(null, "model: missing; name the mf model this interaction trains (a models: id)");
            }
            JsonNode cn = n.get("context");
            if (cn != null && !cn.isNull()) {
                if (!cn.isObject()) {
                    throw new Bad(
                            model,
                            "context: expected an object of field name to id (e.g. {\"device\": \"ios\"}), got "
                                    + cut(cn.toString()));
                }
                for (Iterator<String> it = cn.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    JsonNode v = cn.get(f);
                    if (v.isNull()) {
                        continue;
                    }
                    if (!v.isTextual() && !v.isIntegralNumber()) {
                        throw new Bad(model, "context." + cut(f) + ": expected a string id, got " + cut(v.toString()));
                    }
                    context.put(f, v.asText());
                }
            }
        } else {
            Interaction a;
            try {
                a = codec.decode(r.value);
            } catch (InvalidRecordException e) {
                throw new Bad(null, e.getMessage());
            }
            model = a.getModelId();
            user = a.getUser();
            item = a.getItem();
            rating = a.getRating();
            time = a.getTime() == null ? null : a.getTime().toEpochMilli();
            if (a.getContext() != null) {
                a.getContext().forEach((k, v) -> context.put(String.valueOf(k), String.valueOf(v)));
            }
        }
        MfSpec spec = models.spec(model);
        if (spec == null) {
            throw new Bad(
                    model,
                    "unknown mf model '" + cut(model) + "': add it under models: with model.type: mf,"
                            + " or send its interactions with the id of one that is ("
                            + String.join(", ", models.modelIds())
                            + ")");
        }
        checkId(model, "user", user);
        checkId(model, "item", item);
        if (time == null) {
            throw new Bad(model, "time: missing; give the interaction's event time in epoch milliseconds");
        }
        double rv = Double.NaN;
        if (!spec.loss().implicit()) {
            if (rating == null) {
                throw new Bad(
                        model,
                        "rating: missing, but model '" + cut(model) + "' has loss mse (explicit"
                                + " ratings); send the rating, or use an implicit model (loss: logistic or bpr) for clicks");
            }
            if (!Double.isFinite(rating) || Math.abs(rating) > limits.maxAbsValue()) {
                throw new Bad(
                        model,
                        "rating: " + rating + " is not finite or exceeds limits.max_abs_value=" + limits.maxAbsValue()
                                + "; fix the producer");
            }
            rv = rating;
        }
        Map<String, String> declared = new LinkedHashMap<>();
        for (String f : spec.contextFields()) {
            String id = context.get(f);
            if (id != null) {
                checkId(model, "context." + f, id);
                declared.put(f, id);
            }
        }
        return new InteractionRecord(model, user, item, rv, time, r.topic, r.partition, r.offset).withContext(declared);
    }

    private static void checkId(String model, String field, String id) throws Bad {
        if (id == null || id.isEmpty()) {
            throw new Bad(model, field + ": missing or empty; every interaction names its " + field + " id");
        }
        if (id.length() > MAX_ID_CHARS) {
            throw new Bad(
                    model,
                    field + ": an id of " + id.length() + " characters exceeds " + MAX_ID_CHARS
                            + "; use shorter ids (a hash of a long key)");
        }
    }

    private static String text(JsonNode n, String field) throws Bad {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isIntegralNumber()) {
            return v.asText(); // numeric ids are taken verbatim, like the CSV reader does
        }
        throw new Bad(null, field + ": expected a string id, got " + cut(v.toString()));
    }

    private static String cut(String s) {
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private DeadLetter deadLetter(SourceRecord r, String modelId, String reason, long nowMs) {
        long keyBytes = r.key == null ? 0 : r.key.length;
        long valueBytes = r.value == null ? 0 : r.value.length;
        boolean copy = keyBytes + valueBytes <= limits.maxDeadLetterBytes();
        String text = r.coordinates() + ": " + reason;
        if (!copy) {
            text += " [key and value (" + (keyBytes + valueBytes) + " bytes) not copied: over"
                    + " limits.max_dead_letter_bytes=" + limits.maxDeadLetterBytes() + "; the record stays in "
                    + r.topic + " partition " + r.partition + " at offset " + r.offset + "]";
        }
        return DeadLetter.newBuilder()
                .setTopic(r.topic)
                .setPartition(r.partition)
                .setOffset(r.offset)
                .setKey(copy && r.key != null ? ByteBuffer.wrap(r.key) : null)
                .setValue(copy && r.value != null ? ByteBuffer.wrap(r.value) : null)
                .setReason(text)
                .setModelId(modelId == null ? null : cut(modelId))
                .setFailedAt(Instant.ofEpochMilli(nowMs))
                .build();
    }
}

package io.streamgrad.job.ops;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.SeriesPoint;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.monitor.offline.SeriesCsv;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Iterator;
import java.util.Set;

/**
 * Decodes and validates one record of the series topic: an Avro single-object {@link SeriesPoint}, or a JSON object
 * {@code {"model": "latency", "series": "api-1", "time": 1718582400, "value": 83.4}} (time as epoch seconds or as
 * text: ISO-8601 or {@code YYYY-MM-DD HH:MM:SS} UTC, as {@code detect} reads it). A record that cannot be used is
 * returned as a dead letter whose reason names its topic, partition and offset, what is wrong and the fix. A plain
 * function of one record, never throwing on bad input; {@link DecodeSeries} is its Flink operator.
 */
public final class SeriesDecoder {
    /** The longest series key accepted (characters): keys are part of every score, alert and state entry. */
    public static final int MAX_SERIES_CHARS = 512;

    private static final int MAX_REASON_CHARS = 2000;
    private static final Set<String> JSON_FIELDS = Set.of("model", "series", "time", "value", "schema_version");
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** A usable point, or the dead letter of a record that is not one. */
    public sealed interface Result permits Accepted, Rejected {}

    public record Accepted(SeriesRecord point) implements Result {}

    public record Rejected(DeadLetter deadLetter) implements Result {}

    private final OpsModels models;
    private final Limits limits;
    private final SingleObjectCodec<SeriesPoint> codec = SingleObjectCodec.seriesPoint();

    public SeriesDecoder(OpsModels models, Limits limits) {
        this.models = models;
        this.limits = limits;
    }

    public Result decode(SourceRecord r, long nowMs) {
        if (r.value == null || r.value.length == 0) {
            return reject(
                    r,
                    null,
                    "empty record value (a tombstone?): expected a SeriesPoint (Avro single-object) or"
                            + " a JSON object {\"model\", \"series\", \"time\", \"value\"}",
                    nowMs);
        }
        if (r.value.length > limits.maxRecordBytes()) {
            return reject(
                    r,
                    null,
                    "record of " + r.value.length + " bytes is over limits.max_record_bytes=" + limits.maxRecordBytes()
                            + "; a series point is a few dozen bytes",
                    nowMs);
        }
        String model;
        String series;
        long time;
        double value;
        int first = firstNonBlank(r.value);
        if (first >= 0 && r.value[first] == '{') {
            JsonNode n;
            try {
                n = JSON.readTree(r.value);
            } catch (java.io.IOException e) {
                return reject(
                        r,
                        null,
                        "not valid JSON: " + firstLine(e.getMessage()) + "; produce one JSON object"
                                + " {\"model\", \"series\", \"time\", \"value\"} per record",
                        nowMs);
            }
            if (n == null || !n.isObject()) {
                return reject(r, null, "expected one JSON object {\"model\", \"series\", \"time\", \"value\"}", nowMs);
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!JSON_FIELDS.contains(f)) {
                    return reject(
                            r,
                            text(n, "model"),
                            "unknown field \"" + f + "\"; a series point has the fields"
                                    + " model, series, time and value",
                            nowMs);
                }
            }
            for (String f : new String[] {"model", "series", "time", "value"}) {
                if (!n.hasNonNull(f)) {
                    return reject(
                            r,
                            text(n, "model"),
                            "field \"" + f + "\" is missing or null; a series point"
                                    + " needs model, series, time and value",
                            nowMs);
                }
            }
            if (!n.get("model").isTextual() || !n.get("series").isTextual()) {
                return reject(r, null, "\"model\" and \"series\" must be strings", nowMs);
            }
            model = n.get("model").asText();
            series = n.get("series").asText();
            JsonNode t = n.get("time");
            if (t.isIntegralNumber() && t.canConvertToLong()) {
                time = t.asLong();
            } else if (t.isTextual() || t.isNumber()) {
                try {
                    time = SeriesCsv.parseTimestamp(t.asText());
                } catch (IllegalArgumentException e) {
                    return reject(
                            r,
                            model,
                            "\"time\" " + t + " is not epoch seconds, ISO-8601 or YYYY-MM-DD" + " HH:MM:SS (UTC)",
                            nowMs);
                }
            } else {
                return reject(r, model, "\"time\" must be epoch seconds or a timestamp string, got " + t, nowMs);
            }
            JsonNode v = n.get("value");
            if (!v.isNumber()) {
                return reject(r, model, "\"value\" must be a number, got " + abbreviate(v.toString()), nowMs);
            }
            value = v.asDouble();
        } else {
            SeriesPoint p;
            try {
                p = codec.decode(r.value);
            } catch (InvalidRecordException e) {
                return reject(
                        r,
                        null,
                        e.getMessage() + "; produce SeriesPoint records (Avro single-object) or JSON"
                                + " objects {\"model\", \"series\", \"time\", \"value\"}",
                        nowMs);
            }
            model = p.getModel().toString();
            series = p.getSeries().toString();
            time = p.getTime();
            value = p.getValue();
        }
        if (!models.contains(model)) {
            return reject(
                    r,
                    model,
                    "model '" + abbreviate(model) + "' is not an ops model of this job (one of "
                            + models.ids() + "); declare it under models: with model: {type: forecast}, or fix the"
                            + " producer",
                    nowMs);
        }
        if (series.isEmpty() || series.length() > MAX_SERIES_CHARS) {
            return reject(
                    r,
                    model,
                    "series key of " + series.length() + " characters; it must have 1 to " + MAX_SERIES_CHARS,
                    nowMs);
        }
        if (!Double.isFinite(value) || Math.abs(value) > limits.maxAbsValue()) {
            return reject(
                    r,
                    model,
                    "value " + value + " of series '" + abbreviate(series) + "' is not finite or is"
                            + " over limits.max_abs_value=" + limits.maxAbsValue() + "; send finite values (a missing"
                            + " sample is no record: gaps are handled)",
                    nowMs);
        }
        return new Accepted(new SeriesRecord(model, series, time, value, r.topic, r.partition, r.offset));
    }

    private Rejected reject(SourceRecord r, String model, String reason, long nowMs) {
        return new Rejected(deadLetter(r, model, reason, nowMs));
    }

    private DeadLetter deadLetter(SourceRecord r, String model, String reason, long nowMs) {
        long bytes = (r.key == null ? 0 : r.key.length) + (r.value == null ? 0 : r.value.length);
        boolean copy = bytes <= limits.maxDeadLetterBytes();
        String text = r.coordinates() + ": " + reason;
        if (text.length() > MAX_REASON_CHARS) {
            text = text.substring(0, MAX_REASON_CHARS - 20) + " ... (reason cut)";
        }
        if (!copy) {
            text += " [key and value (" + bytes + " bytes) not copied: over limits.max_dead_letter_bytes="
                    + limits.maxDeadLetterBytes() + "; the record stays in " + r.topic + " partition " + r.partition
                    + " at offset " + r.offset + "]";
        }
        return DeadLetter.newBuilder()
                .setTopic(r.topic)
                .setPartition(r.partition)
                .setOffset(r.offset)
                .setKey(copy && r.key != null ? ByteBuffer.wrap(r.key) : null)
                .setValue(copy && r.value != null ? ByteBuffer.wrap(r.value) : null)
                .setReason(text)
                .setModelId(model == null ? null : abbreviate(model))
                .setFailedAt(Instant.ofEpochMilli(nowMs))
                .build();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static int firstNonBlank(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') {
                return i;
            }
        }
        return -1;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}

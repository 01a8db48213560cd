package io.streamgrad.job.hostile;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.decode.RecordDecoder;
import io.streamgrad.job.hostile.HostileRecords.Generated;
import io.streamgrad.job.hostile.HostileRecords.Kind;
import io.streamgrad.job.hostile.HostileRecords.Shape;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Checks of what decode + validate made of a generated record, shared by the unit fuzz and the end-to-end test. */
final class Outcomes {
    private Outcomes() {}

    /** What is wrong with the outcome, or null. */
    static String check(Generated g, SourceRecord r, RecordDecoder.Result res, Limits limits, long failedAt) {
        if (g.kind() == Kind.VALID) {
            if (!(res instanceof RecordDecoder.Accepted a)) {
                return "valid record rejected: "
                        + ((RecordDecoder.Rejected) res).deadLetter().getReason();
            }
            return sameExamples(g, r, a.examples(), limits);
        }
        if (g.kind() == Kind.CHAOS) {
            if (res instanceof RecordDecoder.Accepted a) {
                for (TrainingExample t : a.examples()) {
                    String p = invariantProblem(t, r, limits);
                    if (p != null) {
                        return "corrupted record got through as an invalid example: " + p;
                    }
                }
                return null;
            }
            return deadLetterProblem(g, r, ((RecordDecoder.Rejected) res).deadLetter(), false, limits, failedAt);
        }
        if (!(res instanceof RecordDecoder.Rejected rej)) {
            return "invalid record accepted as "
                    + ((RecordDecoder.Accepted) res).examples().size() + " examples";
        }
        return deadLetterProblem(g, r, rej.deadLetter(), true, limits, failedAt);
    }

    /**
     * @param failedAt the expected {@code failed_at}, or -1 to skip that check
     */
    static String deadLetterProblem(
            Generated g, SourceRecord r, DeadLetter d, boolean known, Limits limits, long failedAt) {
        String reason = d.getReason();
        if (!r.topic.equals(d.getTopic()) || r.partition != d.getPartition() || r.offset != d.getOffset()) {
            return "dead letter coordinates " + d.getTopic() + "-" + d.getPartition() + "@" + d.getOffset();
        }
        if (!reason.startsWith(r.coordinates() + ": ")) {
            return "reason does not start with the coordinates: " + reason;
        }
        if (reason.contains("internal error")) {
            return "internal error: " + reason;
        }
        if (reason.length() > RecordDecoder.MAX_REASON_CHARS + 300) {
            return "reason of " + reason.length() + " characters";
        }
        if (failedAt >= 0 && d.getFailedAt().toEpochMilli() != failedAt) {
            return "failed_at " + d.getFailedAt();
        }
        if (d.getModelId() != null && d.getModelId().length() > RecordDecoder.MAX_MODEL_ID_CHARS) {
            return "model_id of " + d.getModelId().length() + " characters";
        }
        int keyBytes = r.key == null ? 0 : r.key.length;
        int valueBytes = r.value == null ? 0 : r.value.length;
        if (keyBytes + valueBytes <= limits.maxDeadLetterBytes()) {
            if (!Objects.equals(d.getValue(), r.value == null ? null : ByteBuffer.wrap(r.value))
                    || !Objects.equals(d.getKey(), r.key == null ? null : ByteBuffer.wrap(r.key))) {
                return "key or value not copied into the dead letter";
            }
        } else if (d.getValue() != null || d.getKey() != null || !reason.contains("not copied")) {
            return "key and value of " + (keyBytes + valueBytes) + " bytes copied, or not said so";
        }
        if (!known) {
            return null;
        }
        for (String f : g.fragments()) {
            if (!reason.contains(f)) {
                return "reason lacks '" + f + "': " + abbreviate(reason);
            }
        }
        if (!Objects.equals(g.modelId(), d.getModelId())) {
            return "model_id " + d.getModelId() + ", expected " + g.modelId();
        }
        return null;
    }

    /** Each example out is the generated one, field by field, with the record's coordinates. */
    static String sameExamples(Generated g, SourceRecord r, List<TrainingExample> out, Limits limits) {
        if (out.size() != g.examples().size()) {
            return out.size() + " examples out of " + g.examples().size();
        }
        for (int i = 0; i < out.size(); i++) {
            TrainingExample t = out.get(i);
            Example e = g.examples().get(i);
            String where = "examples[" + i + "] ";
            if (!g.modelId().equals(t.modelId)
                    || !r.topic.equals(t.topic)
                    || t.partition != r.partition
                    || t.offset != r.offset) {
                return where + "model or coordinates differ: " + t.modelId + " " + t.topic + "-" + t.partition + "@"
                        + t.offset;
            }
            if (Float.floatToIntBits(t.label) != Float.floatToIntBits(e.getLabel())
                    || Float.floatToIntBits(t.weight) != Float.floatToIntBits(e.getWeight())
                    || t.eventTime != e.getEventTime().toEpochMilli()) {
                return where + "label/weight/time " + t.label + "/" + t.weight + "/" + t.eventTime + " instead of " + e;
            }
            if (!Arrays.equals(t.dense, floats(e.getDense()))) {
                return where + "dense " + Arrays.toString(t.dense) + " instead of " + e.getDense();
            }
            int sparse = e.getIndices().size();
            if (t.indices.length != sparse + e.getNamed().size() || t.values.length != t.indices.length) {
                return where + t.indices.length + " sparse entries instead of " + sparse + " + "
                        + e.getNamed().size();
            }
            for (int k = 0; k < sparse; k++) {
                if (t.indices[k] != e.getIndices().get(k)
                        || Float.floatToIntBits(t.values[k])
                                != Float.floatToIntBits(e.getValues().get(k))) {
                    return where + "sparse entry " + k + " differs";
                }
            }
            String p = invariantProblem(t, r, limits);
            if (p != null) {
                return where + p;
            }
        }
        return null;
    }

    /** The promises of a TrainingExample, checked independently of the validator's code. */
    static String invariantProblem(TrainingExample t, SourceRecord r, Limits limits) {
        Shape m = HostileRecords.MODELS.stream()
                .filter(s -> s.id().equals(t.modelId))
                .findFirst()
                .orElse(null);
        if (m == null) {
            return "unknown model " + t.modelId;
        }
        if (t.dense.length != 0 && t.dense.length != m.features()) {
            return "dense of " + t.dense.length;
        }
        if (t.indices.length != t.values.length || t.indices.length > limits.maxNonZerosPerExample()) {
            return "sparse part of " + t.indices.length + "/" + t.values.length;
        }
        for (float v : t.dense) {
            if (!(Math.abs(v) <= limits.maxAbsValue())) {
                return "dense value " + v;
            }
        }
        for (int k = 0; k < t.indices.length; k++) {
            if (t.indices[k] < 0 || t.indices[k] >= m.features() || !(Math.abs(t.values[k]) <= limits.maxAbsValue())) {
                return "sparse entry " + t.indices[k] + ":" + t.values[k];
            }
        }
        boolean labelOk = switch (m.task()) {
            case BINARY -> t.label == 0f || t.label == 1f;
            case MULTICLASS -> t.label >= 0 && t.label < m.classes() && t.label == Math.rint(t.label);
            case REGRESSION -> Math.abs(t.label) <= limits.maxAbsValue();
        };
        if (!labelOk || !(t.weight >= 0 && t.weight <= limits.maxAbsValue())) {
            return "label " + t.label + " weight " + t.weight;
        }
        if (t.offset != r.offset || t.partition != r.partition) {
            return "coordinates";
        }
        return null;
    }

    private static float[] floats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 400 ? s : s.substring(0, 400) + "...";
    }
}

package io.streamgrad.job.decode;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.InputDecoder;
import io.streamgrad.schemas.InvalidRecordException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode + validate as a plain function of one examples-topic record, without Flink: the record becomes either
 * its validated {@link TrainingExample}s, in record order, or exactly one {@link DeadLetter} carrying its
 * coordinates and a reason that names the problem and the fix. {@link DecodeAndValidate} is the Flink operator
 * around it.
 *
 * <p>Never throws on any input. A record whose checks end in an unexpected runtime exception (a bug) is
 * dead-lettered with an "internal error" reason rather than failing the job: a poison record would otherwise fail
 * the task again after every restart.
 *
 * <p>A dead letter stays small whatever the record: the key and value are copied only up to
 * {@link Limits#maxDeadLetterBytes()}, the reason is at most {@link #MAX_REASON_CHARS} characters and the model
 * id at most {@link #MAX_MODEL_ID_CHARS}, so it always fits a topic with Kafka's default 1 MiB message size.
 *
 * <p>Not thread-safe, not serialisable (one per Flink subtask, created in {@code open()}).
 */
public final class RecordDecoder {
    /** Reasons beyond this are cut (they echo user strings: model ids, JSON field names). */
    public static final int MAX_REASON_CHARS = 4096;
    /** Longest model id kept in a dead letter's {@code model_id} and in messages. */
    public static final int MAX_MODEL_ID_CHARS = 255;

    /** What one record turned into. */
    public sealed interface Result permits Accepted, Rejected {}

    /**
     * The record's examples, all valid, in record order (never empty). {@code miniBatchModelId} is the model of a
     * producer-made MiniBatch record, null for a single example.
     */
    public record Accepted(List<TrainingExample> examples, String miniBatchModelId) implements Result {}

    /** The record's one dead letter. */
    public record Rejected(DeadLetter deadLetter) implements Result {}

    private final ModelCatalog catalog;
    private final Limits limits;
    private final InputDecoder decoder = new InputDecoder();
    private final ExampleValidator validator;

    public RecordDecoder(ModelCatalog catalog, Limits limits) {
        this.catalog = catalog;
        this.limits = limits;
        this.validator = new ExampleValidator(NamedFeatures.hasher(), limits);
    }

    /**
     * @param r     the record, with its coordinates
     * @param nowMs the dead letter's {@code failed_at}, if it becomes one
     */
    public Result decode(SourceRecord r, long nowMs) {
        String modelId = null;
        try {
            if (r.value != null && r.value.length > limits.maxRecordBytes()) {
                throw new InvalidRecordException("record of " + r.value.length + " bytes exceeds"
                        + " limits.max_record_bytes=" + limits.maxRecordBytes()
                        + ": split it into smaller MiniBatch records or raise the limit");
            }
            InputDecoder.Decoded d = decoder.decode(r.value);
            List<Example> examples = d.examples();
            if (d.isMiniBatch()) {
                modelId = d.miniBatchModelId();
                if (examples.isEmpty()) {
                    throw new InvalidExampleException("MiniBatch for model '" + abbreviateId(modelId) + "' has no"
                            + " examples: send at least one example per record (an empty batch trains nothing)");
                }
                if (examples.size() > limits.maxExamplesPerRecord()) {
                    throw new InvalidExampleException("MiniBatch of " + examples.size() + " examples exceeds"
                            + " limits.max_examples_per_record=" + limits.maxExamplesPerRecord()
                            + ": send smaller batches or raise the limit");
                }
            } else {
                modelId = examples.get(0).getModelId();
            }
            TrainerConfig config = config(modelId);
            List<TrainingExample> valid = new ArrayList<>(examples.size());
            for (int i = 0; i < examples.size(); i++) {
                Example e = examples.get(i);
                if (d.isMiniBatch() && !modelId.equals(e.getModelId())) {
                    throw new InvalidExampleException("examples[" + i + "].model_id '" + abbreviateId(e.getModelId())
                            + "' differs from the MiniBatch's model_id '" + abbreviateId(modelId)
                            + "': a MiniBatch holds examples of one model");
                }
                TrainingExample t;
                try {
                    t = validator.validate(e, modelId, config);
                } catch (InvalidExampleException x) {
                    throw d.isMiniBatch()
                            ? new InvalidExampleException("examples[" + i + "]: " + x.getMessage()
                                    + " (a MiniBatch trains all or nothing: none of its " + examples.size()
                                    + " examples was used)")
                            : x;
                }
                t.topic = r.topic;
                t.partition = r.partition;
                t.offset = r.offset;
                valid.add(t);
            }
            return new Accepted(valid, d.isMiniBatch() ? modelId : null);
        } catch (InvalidRecordException e) {
            return new Rejected(deadLetter(r, modelId != null ? modelId : e.modelId(), e.getMessage(), nowMs));
        } catch (InvalidExampleException e) {
            return new Rejected(deadLetter(r, modelId, e.getMessage(), nowMs));
        } catch (RuntimeException e) {
            return new Rejected(deadLetter(
                    r,
                    modelId,
                    "internal error while decoding (" + e
                            + "): this is a bug in streamgrad; please report it with this dead letter",
                    nowMs));
        }
    }

    private TrainerConfig config(String modelId) throws InvalidExampleException {
        TrainerConfig config = catalog.config(modelId);
        if (config == null) {
            throw new InvalidExampleException("unknown model '" + abbreviateId(modelId) + "': add it under models: in"
                    + " the job config, or set unknown_models: template (with a template:) to create models on first"
                    + " sight");
        }
        if (!catalog.modelIds().contains(modelId)) {
            // A new model would be created from the template: its id becomes a state key, a Kafka key and a
            // metric name, so it must be a sane one.
            String problem = modelId.isBlank()
                    ? "is blank"
                    : modelId.length() > MAX_MODEL_ID_CHARS
                            ? "has " + modelId.length() + " characters"
                            : modelId.chars().anyMatch(Character::isISOControl) ? "contains control characters" : null;
            if (problem != null) {
                throw new InvalidExampleException("model_id '" + abbreviateId(modelId) + "' " + problem
                        + ": a model created from the template needs an id of 1 to " + MAX_MODEL_ID_CHARS
                        + " printable characters");
            }
        }
        return config;
    }

    private DeadLetter deadLetter(SourceRecord r, String modelId, String reason, long nowMs) {
        long keyBytes = r.key == null ? 0 : r.key.length;
        long valueBytes = r.value == null ? 0 : r.value.length;
        boolean copy = keyBytes + valueBytes <= limits.maxDeadLetterBytes();
        String text = r.coordinates() + ": " + reason;
        if (text.length() > MAX_REASON_CHARS) {
            text = text.substring(0, MAX_REASON_CHARS - 20) + " ... (reason cut)";
        }
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
                .setModelId(modelId == null ? null : abbreviateId(modelId))
                .setFailedAt(Instant.ofEpochMilli(nowMs))
                .build();
    }

    static String abbreviateId(String id) {
        return id.length() <= MAX_MODEL_ID_CHARS ? id : id.substring(0, MAX_MODEL_ID_CHARS - 3) + "...";
    }
}

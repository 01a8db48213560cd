package io.streamgrad.job.decode;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.batch.BatchAssembler;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.InputDecoder;
import io.streamgrad.schemas.InvalidRecordException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes each examples-topic record (Avro single-object Example or MiniBatch of any known version, or JSON) and
 * validates every example against its model's configuration. Valid examples go on, one {@link TrainingExample}
 * each, in record order; a record that cannot be used goes whole to {@link #DEAD_LETTERS} with its coordinates
 * and a reason naming the problem and the fix, and is counted ({@code deadLetters} metric). Nothing here throws
 * on bad input.
 *
 * <p>A MiniBatch record is all-or-nothing: if any of its examples is invalid, none trains (a producer-made batch
 * is one unit), and the reason names the first bad example. A valid MiniBatch of exactly the model's
 * {@code batch_size} examples goes on as one record carrying the assembled batch ({@link TrainingExample#batch}),
 * which trains as one update; a MiniBatch of another size is split into its examples, which are re-batched.
 */
public final class DecodeAndValidate extends ProcessFunction<SourceRecord, TrainingExample> {
    private static final long serialVersionUID = 1L;

    /** Rejected input records, as published to the dead-letter topic. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final ModelCatalog catalog;
    private final Limits limits;
    private transient InputDecoder decoder;
    private transient ExampleValidator validator;
    private transient Counter deadLetters;
    private transient Counter examplesOut;

    public DecodeAndValidate(ModelCatalog catalog, Limits limits) {
        this.catalog = catalog;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new InputDecoder();
        validator = new ExampleValidator(NamedFeatures.hasher(), limits);
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
        examplesOut = getRuntimeContext().getMetricGroup().counter("validExamples");
    }

    @Override
    public void processElement(SourceRecord r, Context ctx, Collector<TrainingExample> out) {
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
                if (examples.size() > limits.maxExamplesPerRecord()) {
                    throw new InvalidExampleException("MiniBatch of " + examples.size() + " examples exceeds"
                            + " limits.max_examples_per_record=" + limits.maxExamplesPerRecord()
                            + ": send smaller batches or raise the limit");
                }
            } else {
                modelId = examples.get(0).getModelId();
            }
            TrainerConfig config = catalog.config(modelId);
            if (config == null) {
                throw new InvalidExampleException("unknown model '" + modelId + "': add it under models: in the job"
                        + " config, or set unknown_models: template (with a template:) to create models on first"
                        + " sight");
            }
            List<TrainingExample> valid = new ArrayList<>(examples.size());
            for (int i = 0; i < examples.size(); i++) {
                Example e = examples.get(i);
                if (d.isMiniBatch() && !modelId.equals(e.getModelId())) {
                    throw new InvalidExampleException("examples[" + i + "].model_id '" + e.getModelId()
                            + "' differs from the MiniBatch's model_id '" + modelId
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
            ExampleBatch whole = d.isMiniBatch() ? BatchAssembler.producerBatch(modelId, config.model().features(),
                    config.batchSize(), valid) : null;
            if (whole != null) {
                // One record for the whole batch: no per-example records, serialisation or buffering downstream.
                out.collect(TrainingExample.ofBatch(whole, r.topic, r.partition, r.offset));
            } else {
                for (TrainingExample t : valid) {
                    out.collect(t);
                }
            }
            examplesOut.inc(valid.size());
        } catch (InvalidRecordException | InvalidExampleException e) {
            deadLetter(r, modelId, e.getMessage(), ctx);
        }
    }

    private void deadLetter(SourceRecord r, String modelId, String reason, Context ctx) {
        deadLetters.inc();
        ctx.output(DEAD_LETTERS, DeadLetter.newBuilder()
                .setTopic(r.topic).setPartition(r.partition).setOffset(r.offset)
                .setKey(r.key == null ? null : ByteBuffer.wrap(r.key))
                .setValue(r.value == null ? null : ByteBuffer.wrap(r.value))
                .setReason(r.coordinates() + ": " + reason)
                .setModelId(modelId)
                .setFailedAt(Instant.ofEpochMilli(ctx.timerService().currentProcessingTime()))
                .build());
    }
}

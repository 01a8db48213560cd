package io.streamgrad.job.decode;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.job.batch.BatchAssembler;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.ProducerBatch;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.train.TrainerConfig;
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
 * on bad input. The logic is {@link RecordDecoder}, a plain function of one record; this is its Flink operator.
 *
 * <p>A MiniBatch record is all-or-nothing: if any of its examples is invalid, none trains (a producer-made batch
 * is one unit), and the reason names the first bad example. A valid MiniBatch of exactly the model's
 * {@code batch_size} examples goes on as one {@link ProducerBatch} carrying the assembled batch, which trains as
 * one update; a MiniBatch of another size is split into its examples, which are re-batched.
 */
public final class DecodeAndValidate extends ProcessFunction<SourceRecord, BatcherInput> {
    private static final long serialVersionUID = 1L;

    /** Rejected input records, as published to the dead-letter topic. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final ModelCatalog catalog;
    private final Limits limits;
    private transient RecordDecoder decoder;
    private transient Counter deadLetters;
    private transient Counter examplesOut;

    public DecodeAndValidate(ModelCatalog catalog, Limits limits) {
        this.catalog = catalog;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new RecordDecoder(catalog, limits);
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
        examplesOut = getRuntimeContext().getMetricGroup().counter("validExamples");
    }

    @Override
    public void processElement(SourceRecord r, Context ctx, Collector<BatcherInput> out) {
        RecordDecoder.Result result = decoder.decode(r, ctx.timerService().currentProcessingTime());
        if (result instanceof RecordDecoder.Accepted a) {
            String batchModel = a.miniBatchModelId();
            TrainerConfig config = batchModel == null ? null : catalog.config(batchModel);
            ExampleBatch whole = config == null
                    ? null
                    : BatchAssembler.producerBatch(
                            batchModel, config.model().features(), config.batchSize(), a.examples());
            if (whole != null) {
                // One record for the whole batch: no per-example records, serialisation or buffering downstream.
                out.collect(new ProducerBatch(whole, r.topic, r.partition, r.offset));
            } else {
                for (TrainingExample t : a.examples()) {
                    out.collect(t);
                }
            }
            examplesOut.inc(a.examples().size());
        } else {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, ((RecordDecoder.Rejected) result).deadLetter());
        }
    }
}

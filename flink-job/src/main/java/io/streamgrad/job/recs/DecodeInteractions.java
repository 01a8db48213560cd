package io.streamgrad.job.recs;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.SourceRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The Flink operator around {@link InteractionDecoder}: valid interactions go on, a bad record goes to
 * {@link #DEAD_LETTERS} with its coordinates and the reason, and is counted ({@code interactionDeadLetters}).
 */
public final class DecodeInteractions extends ProcessFunction<SourceRecord, InteractionRecord> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("interaction-dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final RecsModels models;
    private final Limits limits;
    private transient InteractionDecoder decoder;
    private transient Counter deadLetters;
    private transient Counter valid;

    public DecodeInteractions(RecsModels models, Limits limits) {
        this.models = models;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new InteractionDecoder(models, limits);
        deadLetters = getRuntimeContext().getMetricGroup().counter("interactionDeadLetters");
        valid = getRuntimeContext().getMetricGroup().counter("validInteractions");
    }

    @Override
    public void processElement(SourceRecord r, Context ctx, Collector<InteractionRecord> out) {
        InteractionDecoder.Result result = decoder.decode(r, ctx.timerService().currentProcessingTime());
        if (result instanceof InteractionDecoder.Accepted a) {
            valid.inc();
            out.collect(a.interaction());
        } else {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, ((InteractionDecoder.Rejected) result).deadLetter());
        }
    }
}

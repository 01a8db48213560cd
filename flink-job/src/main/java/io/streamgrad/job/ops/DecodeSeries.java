package io.streamgrad.job.ops;

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
 * The Flink operator of {@link SeriesDecoder}: valid points go on, a record that is not one goes to
 * {@link #DEAD_LETTERS} (the job's dead-letter topic) with its coordinates and the reason, and is counted
 * ({@code seriesDeadLetters}). Nothing here throws on bad input.
 */
public final class DecodeSeries extends ProcessFunction<SourceRecord, SeriesRecord> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("series-dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final OpsModels models;
    private final Limits limits;
    private transient SeriesDecoder decoder;
    private transient Counter deadLetters;
    private transient Counter points;

    public DecodeSeries(OpsModels models, Limits limits) {
        this.models = models;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new SeriesDecoder(models, limits);
        deadLetters = getRuntimeContext().getMetricGroup().counter("seriesDeadLetters");
        points = getRuntimeContext().getMetricGroup().counter("seriesPoints");
    }

    @Override
    public void processElement(SourceRecord r, Context ctx, Collector<SeriesRecord> out) {
        SeriesDecoder.Result result = decoder.decode(r, ctx.timerService().currentProcessingTime());
        if (result instanceof SeriesDecoder.Accepted a) {
            points.inc();
            out.collect(a.point());
        } else {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, ((SeriesDecoder.Rejected) result).deadLetter());
        }
    }
}

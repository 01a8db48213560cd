package io.streamgrad.job.batch;

import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.BatchTrigger;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.ProducerBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Forms each model's mini-batches (keyed by model id): a batch is emitted when the model's {@code batch_size}
 * examples have arrived, in arrival order (so a one-partition input gives the same batches every run); a partial
 * batch is flushed {@code batchTimeoutMs} of processing time after its first example (if > 0), and at the end
 * of a bounded input (an event-time timer at {@code Long.MAX_VALUE}, which only the final watermark reaches).
 * A {@link ProducerBatch} (trigger "producer") passes through as it is, after any partial batch of examples that
 * arrived before it ({@link BatchTrigger#BEFORE_PRODUCER_BATCH}).
 *
 * <p>The buffer lives in keyed state, so examples waiting in a partial batch are checkpointed with the source
 * offsets that produced them: nothing is lost or trained twice across a restore. Its elements are written by
 * {@link BufferedExampleSerializer}, in the byte layout of state format v1.
 *
 * <p>An all-dense batch's {@link ExampleBatch#dense} array is reused by this operator's next batch of the same
 * size: the next operator must be done with it when its {@code processElement} returns (Flink's contract for
 * object reuse, which the job turns on). The trainer is: it trains on the batch at once and keeps only its
 * labels and weights. Across a network exchange, or in a chain without object reuse, the batch is copied when
 * emitted anyway.
 */
public final class MiniBatcher extends KeyedProcessFunction<String, BatcherInput, ExampleBatch> {
    private static final long serialVersionUID = 1L;
    static final long END_OF_INPUT = Long.MAX_VALUE;

    private final ModelCatalog catalog;
    private final long batchTimeoutMs;
    private transient ListState<TrainingExample> buffer;
    private transient ValueState<Integer> count;
    private transient ValueState<Long> timeoutAt;
    /** The last all-dense batch's rows, written over by the next batch of the same size (see above). */
    private transient float[] denseRows;

    public MiniBatcher(ModelCatalog catalog, long batchTimeoutMs) {
        this.catalog = catalog;
        this.batchTimeoutMs = batchTimeoutMs;
    }

    @Override
    public void open(OpenContext openContext) {
        buffer = getRuntimeContext()
                .getListState(new ListStateDescriptor<>("buffer", BufferedExampleSerializer.INSTANCE));
        count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.INT));
        timeoutAt = getRuntimeContext().getState(new ValueStateDescriptor<>("timeoutAt", Types.LONG));
    }

    @Override
    public void processElement(BatcherInput in, Context ctx, Collector<ExampleBatch> out) throws Exception {
        TrainerConfig config = config(ctx.getCurrentKey());
        if (in instanceof ProducerBatch p) {
            // A producer-made batch trains as sent. Examples still waiting in a partial batch arrived before it:
            // they go first, so updates (and the offsets snapshots record) stay in arrival order.
            if (count.value() != null) {
                flush(ctx.getCurrentKey(), config, BatchTrigger.BEFORE_PRODUCER_BATCH, ctx.timerService(), out);
            }
            out.collect(p.batch());
            return;
        }
        buffer.add((TrainingExample) in);
        Integer c = count.value();
        int n = c == null ? 1 : c + 1;
        if (n == 1) {
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            if (batchTimeoutMs > 0) {
                long at = ctx.timerService().currentProcessingTime() + batchTimeoutMs;
                ctx.timerService().registerProcessingTimeTimer(at);
                timeoutAt.update(at);
            }
        }
        if (n >= config.batchSize()) {
            flush(ctx.getCurrentKey(), config, BatchTrigger.COUNT, ctx.timerService(), out);
        } else {
            count.update(n);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ExampleBatch> out) throws Exception {
        if (count.value() == null) {
            return; // flushed by count since the timer was set
        }
        if (catalog.config(ctx.getCurrentKey()) == null) {
            // The model was taken out of the job (resumed from a savepoint with a shorter model list): its examples
            // stay buffered, dormant, until it is added back; failing here would fail every other model too.
            return;
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == END_OF_INPUT) {
            flush(ctx.getCurrentKey(), config(ctx.getCurrentKey()), BatchTrigger.END_OF_INPUT, ctx.timerService(), out);
        } else if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME
                && Long.valueOf(timestamp).equals(timeoutAt.value())) {
            flush(ctx.getCurrentKey(), config(ctx.getCurrentKey()), BatchTrigger.TIMEOUT, ctx.timerService(), out);
        }
    }

    private void flush(
            String modelId,
            TrainerConfig config,
            BatchTrigger trigger,
            org.apache.flink.streaming.api.TimerService timers,
            Collector<ExampleBatch> out)
            throws Exception {
        List<TrainingExample> examples = new ArrayList<>();
        for (TrainingExample e : buffer.get()) {
            examples.add(e);
        }
        buffer.clear();
        count.clear();
        Long at = timeoutAt.value();
        if (at != null) {
            timers.deleteProcessingTimeTimer(at);
            timeoutAt.clear();
        }
        if (!examples.isEmpty()) {
            ExampleBatch b = BatchAssembler.assemble(modelId, config.model().features(), examples, trigger, denseRows);
            if (!b.isSparse()) {
                denseRows = b.dense;
            }
            out.collect(b);
        }
    }

    private TrainerConfig config(String modelId) {
        TrainerConfig c = catalog.config(modelId);
        if (c == null) {
            // DecodeAndValidate dead-letters unknown models, so this is a wiring bug, not bad input.
            throw new IllegalStateException("no config for model '" + modelId + "' reached the mini-batcher");
        }
        return c;
    }
}

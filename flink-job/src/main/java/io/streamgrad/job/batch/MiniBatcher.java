package io.streamgrad.job.batch;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.BatchTrigger;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.ProducerBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.train.TrainerConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

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
 *
 * <p>Models created from the template (ids not listed under {@code models:}) are admitted, capped and expired here
 * by {@link TemplateAdmission} (the {@code template_models:} limits), with the new keyed state
 * {@code templateModel} ({@link TemplateModelState}) and per-key-group counts in the operator (union) state
 * {@code templateModelCounts}. An example that does not train goes to {@link #DEAD_LETTERS} with the reason and is
 * counted ({@code templateRejected}; created models: {@code templateAdmitted}); gauges {@code templateModels} and {@code templatePending} show the live and
 * pending ids of the subtask. A model that expires has its partial batch flushed, its state and timers here
 * cleared, and an {@link BatchTrigger#IDLE_EXPIRED} marker sent to the trainer, which clears its own.
 */
public final class MiniBatcher extends KeyedProcessFunction<String, BatcherInput, ExampleBatch>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    static final long END_OF_INPUT = Long.MAX_VALUE;

    /** Examples of unlisted ids that were not admitted, with the reason (to the dead-letter topic). */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("template-dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final ModelCatalog catalog;
    private final long batchTimeoutMs;
    private transient ListState<TrainingExample> buffer;
    private transient ValueState<Integer> count;
    private transient ValueState<Long> timeoutAt;
    /** The last all-dense batch's rows, written over by the next batch of the same size (see above). */
    private transient float[] denseRows;

    private transient ValueState<TemplateModelState> templateModel;
    private transient ListState<Tuple3<Integer, Integer, Integer>> templateCounts;
    private transient TemplateAdmission admission;
    private transient int maxParallelism;
    private transient Counter templateRejected;
    private transient Counter templateAdmitted;
    /** The coordinates of the last dead letter: the examples of one split MiniBatch record get one between them. */
    private transient String lastDeadLetter;

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
        templateModel = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("templateModel", TypeInformation.of(TemplateModelState.class)));
        var group = getRuntimeContext().getMetricGroup();
        templateRejected = group.counter("templateRejected");
        templateAdmitted = group.counter("templateAdmitted");
        group.gauge("templateModels", (Gauge<Integer>) () -> admission.liveModels());
        group.gauge("templatePending", (Gauge<Integer>) () -> admission.pendingIds());
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        TaskInfo task = getRuntimeContext().getTaskInfo();
        maxParallelism = task.getMaxNumberOfParallelSubtasks();
        KeyGroupRange range = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                maxParallelism, task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
        admission = new TemplateAdmission(
                catalog.templateLimits(),
                task.getNumberOfParallelSubtasks(),
                range.getStartKeyGroup(),
                range.getEndKeyGroup());
        // Union state: after a rescale every subtask sees all counts and keeps those of the key groups it now owns.
        templateCounts = context.getOperatorStateStore()
                .getUnionListState(
                        new ListStateDescriptor<>("templateModelCounts", Types.TUPLE(Types.INT, Types.INT, Types.INT)));
        for (Tuple3<Integer, Integer, Integer> c : templateCounts.get()) {
            admission.restore(c.f0, c.f1, c.f2);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<Tuple3<Integer, Integer, Integer>> out = new ArrayList<>();
        for (int[] c : admission.counts()) {
            out.add(Tuple3.of(c[0], c[1], c[2]));
        }
        templateCounts.update(out);
    }

    @Override
    public void processElement(BatcherInput in, Context ctx, Collector<ExampleBatch> out) throws Exception {
        if (!catalog.isListed(ctx.getCurrentKey()) && !admit(in, ctx)) {
            return;
        }
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

    /** Whether an example of an unlisted id trains; if not, it is dead-lettered with the reason. */
    private boolean admit(BatcherInput in, Context ctx) throws Exception {
        String id = ctx.getCurrentKey();
        long now = ctx.timerService().currentProcessingTime();
        TemplateAdmission.Decision d = admission.onExample(
                templateModel.value(), KeyGroupRangeAssignment.assignToKeyGroup(id, maxParallelism), now);
        if (d.state() != null) {
            templateModel.update(d.state());
        }
        if (d.registerTimer()) {
            ctx.timerService().registerProcessingTimeTimer(d.state().idleTimerAtMs);
        }
        if (d.trains()) {
            if (d.outcome() == TemplateAdmission.Outcome.ADMITTED) {
                templateAdmitted.inc();
            }
            return true;
        }
        templateRejected.inc();
        String topic = in instanceof ProducerBatch p ? p.topic() : ((TrainingExample) in).topic;
        int partition = in instanceof ProducerBatch p ? p.partition() : ((TrainingExample) in).partition;
        long offset = in instanceof ProducerBatch p ? p.offset() : ((TrainingExample) in).offset;
        String coordinates = topic + "-" + partition + "@" + offset;
        if (coordinates.equals(lastDeadLetter)) {
            return false; // another example of the same (split MiniBatch) record: one dead letter says it
        }
        lastDeadLetter = coordinates;
        ctx.output(
                DEAD_LETTERS,
                DeadLetter.newBuilder()
                        .setTopic(topic)
                        .setPartition(partition)
                        .setOffset(offset)
                        .setReason(coordinates + ": " + admission.reason(d.outcome(), id, d.state())
                                + " [the record stays in " + topic + " partition " + partition + " at offset " + offset
                                + "]")
                        .setModelId(id)
                        .setFailedAt(Instant.ofEpochMilli(now))
                        .build());
        return false;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ExampleBatch> out) throws Exception {
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && !catalog.isListed(ctx.getCurrentKey())) {
            idleTimer(timestamp, ctx, out);
        }
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

    /** An unlisted id's idle timer (or a batch timeout at the same time: then both run). */
    private void idleTimer(long timestamp, OnTimerContext ctx, Collector<ExampleBatch> out) throws Exception {
        String id = ctx.getCurrentKey();
        TemplateModelState s = templateModel.value();
        long now = ctx.timerService().currentProcessingTime();
        switch (admission.onTimer(s, KeyGroupRangeAssignment.assignToKeyGroup(id, maxParallelism), timestamp, now)) {
            case NONE -> {}
            case REARM -> {
                templateModel.update(s);
                ctx.timerService().registerProcessingTimeTimer(s.idleTimerAtMs);
            }
            case FORGET_PENDING -> templateModel.clear();
            case EXPIRE_MODEL -> {
                // Its waiting examples train first, then the trainer publishes what is unpublished and clears it.
                if (count.value() != null) {
                    flush(id, config(id), BatchTrigger.TIMEOUT, ctx.timerService(), out);
                }
                ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
                templateModel.clear();
                ExampleBatch marker = new ExampleBatch();
                marker.modelId = id;
                marker.trigger = BatchTrigger.IDLE_EXPIRED.wireName();
                out.collect(marker);
            }
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
            TemplateModelState s = catalog.isListed(modelId) ? null : templateModel.value();
            if (s == null || s.idleTimerAtMs != at) { // one timer may serve both: keep the idle check's
                timers.deleteProcessingTimeTimer(at);
            }
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

package io.streamgrad.job.train;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.BatchTrigger;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.warmstart.WarmStartSet;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Trains each model (keyed by model id) on its mini-batches, one {@link Trainer#train} step per batch: the batch
 * is scored with the current parameters (prequential evaluation), then the model learns from it.
 *
 * <p>Everything a model needs to continue exactly where it stopped is keyed state, checkpointed with the source
 * offsets: parameters and optimizer state as {@code float[]} ({@link PrimitiveArrayTypeInfo}, never an INDArray
 * or Kryo), the counters, RNG position, snapshot version and metrics window ({@link TrainerProgress}), and the
 * window's scored batches ({@link ScoredBatch}); {@link ModelStateStore} owns that layout. The {@link Trainer}
 * objects are only scratch space: one per model per operator instance, created on first use, never checkpointed.
 *
 * <p>This class is the Flink glue only: per batch it loads the model, trains it, counts the batch into the metrics
 * window ({@link MetricsWindow}), asks the {@link SnapshotPolicy} whether to publish, saves the model and emits.
 *
 * <p>Outputs: a {@link TrainingMetrics} record every {@code metricsEveryBatches} batches (main output), and a
 * {@link ModelSnapshot} on {@link #SNAPSHOTS} every {@code snapshotEverySteps} updates and/or
 * {@code snapshotEverySeconds} of processing time, and once more when a bounded input ends.
 *
 * <p>Divergence guard: a batch the trainer rejects (non-finite loss, gradient or update) leaves the model unchanged,
 * is counted ({@code skippedBatches}) and raises the window's {@code alert}; the first rejection after a window
 * without alert closes the open window at once, so the alert is published with that batch, not up to
 * {@code metricsEveryBatches} batches later. With the model's {@code divergence.max_bad_batches} K > 0, K rejections
 * in a row roll the model back to the state of its last published snapshot (each publication is
 * {@link Trainer#markGood}) and back off its learning rate. The guard's state is {@link DivergenceGuard} and, with
 * the policy on, the last-good parameters and optimizer state ({@code float[]}); snapshots carry the guard fields but
 * not the last-good copy ({@link ModelState#withoutLastGood()}).
 *
 * <p>Expiry of a model created from the template: on the mini-batcher's {@link BatchTrigger#IDLE_EXPIRED} marker the
 * open metrics window is published, then a final snapshot if anything was trained since the last one (so the models
 * topic keeps the model's last state: a follower goes on serving it, and the compacted topic is the record of it),
 * then all seven keyed states and the model's timers are cleared and its scratch objects and metrics dropped. Only its
 * last published version stays, as {@code retiredVersion} for {@code template_models.retired_version_ttl_ms}: if the id
 * returns, its new model (freshly initialised) numbers its snapshots from that version + 1, so a follower of the
 * models topic never sees an id's version go backwards ({@link ModelStateStore#retire}).
 */
public final class ModelTrainer extends KeyedProcessFunction<String, ExampleBatch, TrainingMetrics> {
    private static final long serialVersionUID = 1L;
    static final long END_OF_INPUT = Long.MAX_VALUE;

    /** Model snapshots, as published to the compacted models topic. */
    public static final OutputTag<ModelSnapshot> SNAPSHOTS =
            new OutputTag<>("snapshots", new AvroTypeInfo<>(ModelSnapshot.class));

    private final ModelCatalog catalog;
    private final SnapshotPolicy snapshots;
    private final MetricsWindow window;
    private final WarmStartSet warm;

    private transient ModelStateStore store;
    private transient Map<String, Trainer> trainers;
    private transient Map<String, ModelGauges> gauges;

    public ModelTrainer(
            ModelCatalog catalog, long snapshotEverySteps, long snapshotEverySeconds, int metricsEveryBatches) {
        this(catalog, snapshotEverySteps, snapshotEverySeconds, metricsEveryBatches, WarmStartSet.none());
    }

    /**
     * @param warm the models that continue from their newest published snapshot when they have no keyed state
     *             ({@link io.streamgrad.job.warmstart.WarmStart}); their metrics windows that close at a step already
     *             published on the metrics topic are not published again
     */
    public ModelTrainer(
            ModelCatalog catalog,
            long snapshotEverySteps,
            long snapshotEverySeconds,
            int metricsEveryBatches,
            WarmStartSet warm) {
        this(catalog, snapshotEverySteps, snapshotEverySeconds, 0, metricsEveryBatches, warm);
    }

    /** @param snapshotFirstAfterMs see {@code snapshot.first_after_ms} (0: a model's first version waits a period) */
    public ModelTrainer(
            ModelCatalog catalog,
            long snapshotEverySteps,
            long snapshotEverySeconds,
            long snapshotFirstAfterMs,
            int metricsEveryBatches,
            WarmStartSet warm) {
        this.catalog = catalog;
        this.warm = warm;
        this.snapshots = new SnapshotPolicy(snapshotEverySteps, snapshotEverySeconds, snapshotFirstAfterMs);
        this.window = new MetricsWindow(metricsEveryBatches);
    }

    @Override
    public void open(OpenContext openContext) {
        store = new ModelStateStore(
                getRuntimeContext(), catalog.templateLimits().retiredVersionTtlMs());
        trainers = new HashMap<>();
        gauges = new HashMap<>();
    }

    @Override
    public void processElement(ExampleBatch in, Context ctx, Collector<TrainingMetrics> out) throws Exception {
        String id = ctx.getCurrentKey();
        long now = ctx.timerService().currentProcessingTime();
        if (BatchTrigger.IDLE_EXPIRED.wireName().equals(in.trigger)) {
            expire(id, ctx, out, now);
            return;
        }
        Trainer trainer = trainer(id);

        ModelStateStore.Loaded m = store.loadForBatch(id, trainer, now, warm);
        if (m.isNew()) {
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        }
        StepResult r = m.train(trainer, toBatch(in));
        TrainerProgress p = m.progress();
        p.mergeOffsets(in.sourcePartitions, in.nextOffsets);
        p.lastEventTime = Math.max(p.lastEventTime, in.maxEventTime);
        gauges(id).batch(in, r, m.state().lrScale(), now);

        if (r.applied()) {
            store.addScored(MetricsWindow.scored(in, r));
        }
        if (window.record(r, p, m.guard())) {
            emit(out, closeWindow(id, m, r.learningRate(), now));
        }
        SnapshotPolicy.Decision d = snapshots.afterBatch(p, now);
        ModelSnapshot snapshot = d.snapshotNow() ? snapshot(id, trainer, m, now) : null;
        schedule(d, ctx.timerService());
        store.save(m);
        if (snapshot != null) {
            ctx.output(SNAPSHOTS, snapshot);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingMetrics> out) throws Exception {
        ModelStateStore.Loaded m = store.loadForTimer();
        if (m == null) {
            return;
        }
        String id = ctx.getCurrentKey();
        TrainerProgress p = m.progress();
        if (catalog.config(id) == null) {
            // The model was taken out of the job (resumed from a savepoint with a shorter model list): its state
            // stays, dormant, and continues if the model is added back; a due time-based snapshot is dropped.
            p.snapshotTimerAt = 0;
            store.saveProgress(m);
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        ModelSnapshot snapshot = null;
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == END_OF_INPUT) {
            // A bounded input ended: publish what has not been published yet.
            if (p.windowBatches > 0) {
                emit(out, closeWindow(id, m, Double.NaN, now));
            }
            if (snapshots.atEndOfInput(p)) {
                snapshot = snapshot(id, trainer(id), m, now);
            }
        } else if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            SnapshotPolicy.Decision d = snapshots.onTimer(p, timestamp, now);
            snapshot = d.snapshotNow() ? snapshot(id, trainer(id), m, now) : null;
            schedule(d, ctx.timerService());
        }
        store.save(m);
        if (snapshot != null) {
            ctx.output(SNAPSHOTS, snapshot);
        }
    }

    /** A template model expired: publish what is unpublished, then forget it (see the class comment). */
    private void expire(String id, Context ctx, Collector<TrainingMetrics> out, long now) throws Exception {
        TimerService timers = ctx.timerService();
        ModelStateStore.Loaded m = store.loadForTimer();
        if (m != null) {
            TrainerProgress p = m.progress();
            if (p.windowBatches > 0) {
                out.collect(closeWindow(id, m, Double.NaN, now));
            }
            if (snapshots.atEndOfInput(p)) {
                ctx.output(SNAPSHOTS, snapshot(id, trainer(id), m, now));
            }
            if (p.snapshotTimerAt != 0) {
                timers.deleteProcessingTimeTimer(p.snapshotTimerAt);
            }
            store.retire(p.snapshotVersion);
        }
        // Without a model (it expired before): a retired version, if any, stays as it is.
        timers.deleteEventTimeTimer(END_OF_INPUT);
        trainers.remove(id);
        ModelGauges g = gauges.remove(id);
        if (g != null) {
            g.close();
        }
    }

    private TrainingMetrics closeWindow(String id, ModelStateStore.Loaded m, double lastRate, long now)
            throws Exception {
        TrainingMetrics t = window.close(id, config(id), m.progress(), m.guard(), store.scoredBatches(), lastRate, now);
        store.clearScored();
        return t;
    }

    /**
     * Publishes a closed window, unless a warm-started model's metrics already reached its step: the window covers
     * batches trained again after a warm start whose metrics the previous run had committed (see docs/RELIABILITY.md).
     */
    private void emit(Collector<TrainingMetrics> out, TrainingMetrics t) {
        if (t.getStep() > warm.metricsPublishedThroughStep(t.getModelId())) {
            out.collect(t);
        }
    }

    /** Publishing a snapshot marks the state good (the state a later rollback returns to). */
    private ModelSnapshot snapshot(String id, Trainer trainer, ModelStateStore.Loaded m, long now) throws Exception {
        long version = snapshots.published(m.progress(), now);
        gauges(id).snapshot(version);
        ModelState state = store.markGoodForSnapshot(m, trainer);
        return ModelSnapshots.build(
                id, version, state, m.progress(), SnapshotProvenance.of(catalog.yaml(id), m.progress()), now);
    }

    private static void schedule(SnapshotPolicy.Decision d, TimerService timers) {
        if (d.setTimer()) {
            timers.registerProcessingTimeTimer(d.timerAt());
        }
    }

    static Batch toBatch(ExampleBatch b) {
        return b.isSparse()
                ? Batch.sparse(b.size, b.dim, b.rowPtr, b.indices, b.values, b.labels, b.weights)
                : Batch.dense(b.size, b.dim, b.dense, b.labels, b.weights);
    }

    private TrainerConfig config(String id) {
        TrainerConfig c = catalog.config(id);
        if (c == null) {
            throw new IllegalStateException("no config for model '" + id + "' reached the trainer");
        }
        return c;
    }

    private Trainer trainer(String id) {
        return trainers.computeIfAbsent(id, k -> new Trainer(config(k)));
    }

    private ModelGauges gauges(String id) {
        return gauges.computeIfAbsent(
                id, k -> new ModelGauges(getRuntimeContext().getMetricGroup().addGroup("model", k)));
    }
}

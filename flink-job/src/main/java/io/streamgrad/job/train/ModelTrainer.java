package io.streamgrad.job.train;

import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.config.JobConfig;
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
 * then all eight keyed states and the model's timers are cleared and its scratch objects and metrics dropped. Only its
 * last published version stays, as {@code retiredVersion} for {@code template_models.retired_version_ttl_ms}: if the id
 * returns, its new model (freshly initialised) numbers its snapshots from that version + 1, so a follower of the
 * models topic never sees an id's version go backwards ({@link ModelStateStore#retire}).
 *
 * <p>Deltas ({@code deltas.enabled}, eligible models only, {@link DeltaPolicy}): each accepted batch adds the
 * coordinates it changed to the model's checkpointed dirty set; a version is then published either as a full
 * {@link ModelSnapshot} on {@link #SNAPSHOTS} or as a {@link ModelDelta} (the dirty rows' values, based on the version
 * before) on {@link #DELTAS}, never both (except the verification copies of {@code deltas.full_copies}), with one
 * version counter for both. A model whose newest version is a delta publishes a full version at the latest
 * {@code full_every_seconds} after its last full one, also when idle (a processing-time timer), and a bounded input's
 * end and a template model's expiry publish full.
 */
public final class ModelTrainer extends KeyedProcessFunction<String, ExampleBatch, TrainingMetrics> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelTrainer.class);
    static final long END_OF_INPUT = Long.MAX_VALUE;

    /** Model snapshots, as published to the compacted models topic. */
    public static final OutputTag<ModelSnapshot> SNAPSHOTS =
            new OutputTag<>("snapshots", new AvroTypeInfo<>(ModelSnapshot.class));

    /** Model deltas, as published to the updates topic ({@code deltas.enabled}). */
    public static final OutputTag<ModelDelta> DELTAS = new OutputTag<>("deltas", new AvroTypeInfo<>(ModelDelta.class));

    private final ModelCatalog catalog;
    private final SnapshotPolicy snapshots;
    private final MetricsWindow window;
    private final WarmStartSet warm;
    private final DeltaPolicy deltas;

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
        this(catalog, snapshotEverySteps, snapshotEverySeconds, metricsEveryBatches, warm, JobConfig.Deltas.OFF);
    }

    /** @param deltas when versions are published as deltas ({@code deltas:}) */
    public ModelTrainer(
            ModelCatalog catalog,
            long snapshotEverySteps,
            long snapshotEverySeconds,
            int metricsEveryBatches,
            WarmStartSet warm,
            JobConfig.Deltas deltas) {
        this(catalog, snapshotEverySteps, snapshotEverySeconds, 0, metricsEveryBatches, warm, deltas);
    }

    /**
     * @param snapshotFirstAfterMs see {@code snapshot.first_after_ms} (0: a model's first version waits a period)
     * @param deltas               when versions are published as deltas ({@code deltas:})
     */
    public ModelTrainer(
            ModelCatalog catalog,
            long snapshotEverySteps,
            long snapshotEverySeconds,
            long snapshotFirstAfterMs,
            int metricsEveryBatches,
            WarmStartSet warm,
            JobConfig.Deltas deltas) {
        this.catalog = catalog;
        this.warm = warm;
        this.deltas = new DeltaPolicy(deltas);
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
        TrainerProgress p = m.progress();
        DeltaTracking t = deltas.tracks(trainer.config()) ? store.deltaTracking() : null;
        if (t != null) {
            deltas.beforeBatch(t, p.step, p.skippedBatches);
        }
        StepResult r = m.train(trainer, toBatch(in));
        if (t != null) {
            deltas.afterBatch(
                    t, trainer, p.step, p.skippedBatches, trainer.model().numParams());
        }
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
        Publication pub = d.snapshotNow() ? publish(id, trainer, m, t, now, false, ctx.timerService()) : null;
        schedule(d, ctx.timerService());
        store.save(m);
        if (t != null) {
            store.saveDeltaTracking(t);
        }
        emit(ctx, pub);
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
        Trainer trainer = trainer(id);
        DeltaTracking t = deltas.tracks(trainer.config()) ? store.deltaTracking() : null;
        Publication pub = null;
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == END_OF_INPUT) {
            // A bounded input ended: publish what has not been published yet, as a full version (nothing follows it).
            if (p.windowBatches > 0) {
                emit(out, closeWindow(id, m, Double.NaN, now));
            }
            if (snapshots.atEndOfInput(p) || (t != null && DeltaPolicy.newestIsDelta(t))) {
                pub = publish(id, trainer, m, t, now, true, ctx.timerService());
            }
        } else if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            // The full-version timer is consumed first: a delta published now sets the next one.
            boolean fullTimer = t != null && timestamp == t.fullTimerAt;
            if (fullTimer) {
                t.fullTimerAt = 0;
            }
            SnapshotPolicy.Decision d = snapshots.onTimer(p, timestamp, now);
            pub = d.snapshotNow() ? publish(id, trainer, m, t, now, false, ctx.timerService()) : null;
            schedule(d, ctx.timerService());
            if (pub == null && fullTimer) {
                pub = fullIfIdleTooLong(id, trainer, m, t, now, ctx.timerService());
            }
        }
        store.save(m);
        if (t != null) {
            store.saveDeltaTracking(t);
        }
        emit(ctx, pub);
    }

    /**
     * The full-version timer of a model whose newest version may be a delta: a full version when
     * {@code full_every_seconds} have passed since the last full one (so the deltas a reader needs never outlive the
     * updates topic's retention), else the timer again at that time.
     */
    private Publication fullIfIdleTooLong(
            String id, Trainer trainer, ModelStateStore.Loaded m, DeltaTracking t, long now, TimerService timers)
            throws Exception {
        if (!DeltaPolicy.newestIsDelta(t)) {
            return null;
        }
        long due = deltas.fullDueAt(t);
        if (now < due) {
            t.fullTimerAt = due;
            timers.registerProcessingTimeTimer(due);
            return null;
        }
        return publish(id, trainer, m, t, now, true, timers);
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
            Trainer trainer = trainer(id);
            DeltaTracking t = deltas.tracks(trainer.config()) ? store.deltaTracking() : null;
            if (snapshots.atEndOfInput(p) || (t != null && DeltaPolicy.newestIsDelta(t))) {
                // Full: the models topic keeps the expired model's last state (its deltas age out of the updates
                // topic).
                emit(ctx, publish(id, trainer, m, t, now, true, timers));
            }
            if (p.snapshotTimerAt != 0) {
                timers.deleteProcessingTimeTimer(p.snapshotTimerAt);
            }
            if (t != null && t.fullTimerAt != 0) {
                timers.deleteProcessingTimeTimer(t.fullTimerAt);
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

    /** What one published version sends: a full snapshot, a delta, or both (verification copies). */
    private record Publication(ModelSnapshot full, ModelDelta delta) {}

    /**
     * Publishes the next version, as a delta or a full snapshot ({@link DeltaPolicy}; always full without delta
     * tracking {@code t}). Publishing marks the state good (the state a later rollback returns to).
     */
    private Publication publish(
            String id,
            Trainer trainer,
            ModelStateStore.Loaded m,
            DeltaTracking t,
            long now,
            boolean forceFull,
            TimerService timers)
            throws Exception {
        long version = snapshots.published(m.progress(), now);
        gauges(id).snapshot(version);
        ModelState state = store.markGoodForSnapshot(m, trainer);
        SnapshotProvenance provenance = SnapshotProvenance.of(catalog.yaml(id), m.progress());
        if (t == null) {
            store.clearDeltaTracking(); // not tracked now: a later delta period starts with a full version
            return new Publication(ModelSnapshots.build(id, version, state, m.progress(), provenance, now), null);
        }
        if (!deltas.isDelta(t, version, now, forceFull)) {
            deltas.publishedFull(t, version, now);
            return new Publication(ModelSnapshots.build(id, version, state, m.progress(), provenance, now), null);
        }
        ModelDelta delta = ModelDeltas.build(id, version, state, t, m.progress(), provenance, now);
        long timerAt = deltas.publishedDelta(t, version);
        if (timerAt != 0) {
            timers.registerProcessingTimeTimer(timerAt);
        }
        ModelSnapshot copy =
                deltas.fullCopies() ? ModelSnapshots.build(id, version, state, m.progress(), provenance, now) : null;
        return new Publication(copy, delta);
    }

    private static void emit(Context ctx, Publication pub) {
        if (pub == null) {
            return;
        }
        if (pub.delta() != null) {
            ctx.output(DELTAS, pub.delta());
        }
        if (pub.full() != null) {
            ctx.output(SNAPSHOTS, pub.full());
        }
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
        return trainers.computeIfAbsent(id, k -> {
            TrainerConfig c = config(k);
            String why = deltas.whyFullOnly(c);
            if (why != null) {
                LOG.info("deltas.enabled: model '{}' publishes full versions only: {}", k, why);
            }
            return new Trainer(c);
        });
    }

    private ModelGauges gauges(String id) {
        return gauges.computeIfAbsent(
                id, k -> new ModelGauges(getRuntimeContext().getMetricGroup().addGroup("model", k)));
    }
}

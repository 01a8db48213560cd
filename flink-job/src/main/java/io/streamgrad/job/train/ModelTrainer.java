package io.streamgrad.job.train;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.BuildInfo;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.metrics.PrequentialMetrics;
import io.streamgrad.learner.train.DivergenceSpec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.SchemaHistory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimeDomain;
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
 * window's scored batches ({@link ScoredBatch}). The {@link Trainer} objects are only scratch space: one per model
 * per operator instance, created on first use, never checkpointed.
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
 */
public final class ModelTrainer extends KeyedProcessFunction<String, ExampleBatch, TrainingMetrics> {
    private static final long serialVersionUID = 1L;
    static final long END_OF_INPUT = Long.MAX_VALUE;

    /** Model snapshots, as published to the compacted models topic. */
    public static final OutputTag<ModelSnapshot> SNAPSHOTS =
            new OutputTag<>("snapshots", new AvroTypeInfo<>(ModelSnapshot.class));

    private final ModelCatalog catalog;
    private final long snapshotEverySteps;
    private final long snapshotEverySeconds;
    private final int metricsEveryBatches;

    private transient ValueState<float[]> params;
    private transient ValueState<float[]> optimizerState;
    private transient ValueState<TrainerProgress> progress;
    private transient ListState<ScoredBatch> window;
    private transient ValueState<DivergenceGuard> guard;
    private transient ValueState<float[]> lastGoodParams;
    private transient ValueState<float[]> lastGoodOptimizerState;
    private transient Map<String, Trainer> trainers;
    private transient Map<String, ModelGauges> gauges;

    public ModelTrainer(ModelCatalog catalog, long snapshotEverySteps, long snapshotEverySeconds,
                        int metricsEveryBatches) {
        if (metricsEveryBatches < 1) {
            throw new IllegalArgumentException("metricsEveryBatches must be >= 1, got " + metricsEveryBatches);
        }
        this.catalog = catalog;
        this.snapshotEverySteps = snapshotEverySteps;
        this.snapshotEverySeconds = snapshotEverySeconds;
        this.metricsEveryBatches = metricsEveryBatches;
    }

    @Override
    public void open(OpenContext openContext) {
        params = getRuntimeContext().getState(
                new ValueStateDescriptor<>("params", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        optimizerState = getRuntimeContext().getState(
                new ValueStateDescriptor<>("optimizerState", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        progress = getRuntimeContext().getState(
                new ValueStateDescriptor<>("progress", TypeInformation.of(TrainerProgress.class)));
        window = getRuntimeContext().getListState(
                new ListStateDescriptor<>("window", TypeInformation.of(ScoredBatch.class)));
        guard = getRuntimeContext().getState(
                new ValueStateDescriptor<>("guard", TypeInformation.of(DivergenceGuard.class)));
        lastGoodParams = getRuntimeContext().getState(
                new ValueStateDescriptor<>("lastGoodParams", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        lastGoodOptimizerState = getRuntimeContext().getState(new ValueStateDescriptor<>("lastGoodOptimizerState",
                PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        trainers = new HashMap<>();
        gauges = new HashMap<>();
    }

    @Override
    public void processElement(ExampleBatch in, Context ctx, Collector<TrainingMetrics> out) throws Exception {
        String id = ctx.getCurrentKey();
        TrainerConfig config = config(id);
        Trainer trainer = trainer(id, config);
        DivergenceSpec policy = config.divergence();
        long now = ctx.timerService().currentProcessingTime();

        TrainerProgress p = progress.value();
        // null: a new model, or state restored from a savepoint taken before the guard was kept (defaults apply)
        DivergenceGuard g = guard.value();
        boolean guardChanged = g == null;
        if (g == null) {
            g = new DivergenceGuard();
        }
        float[] w;
        float[] opt;
        if (p == null) {
            ModelState init = trainer.initState(); // marked good when the policy is on
            w = init.params();
            opt = init.optimizerState();
            p = new TrainerProgress();
            p.rngState = init.rngState();
            p.lastSnapshotAtMs = now;
            p.windowStartMs = now;
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            if (init.hasLastGood()) {
                keepLastGood(init, g);
            }
        } else {
            w = params.value();
            opt = optimizerState.value();
            checkRestoredShape(id, trainer, w, opt);
        }
        guardChanged |= dropLastGoodIfOff(policy, g);

        // The last-good copy is read only when this batch could complete K rejections in a row (only then can the
        // trainer roll back), so with the policy on a batch reads no more state than with it off.
        boolean mayRollBack = g.hasLastGood && g.badStreak + 1 >= policy.maxBadBatches();
        ModelState state = modelState(w, opt, p, g, mayRollBack);
        if (policy.enabled() && !g.hasLastGood && g.badStreak == 0 && trainer.markGood(state)) {
            // Policy switched on for a trained model, or a pre-guard savepoint: its current state is the last
            // good one (as the offline CLI's --resume does).
            keepLastGood(state, g);
            guardChanged = true;
        }
        int streakBefore = g.badStreak;
        StepResult r = trainer.train(state, toBatch(in));
        p.step = state.step();
        p.rngState = state.rngState();
        p.examplesSeen = state.examplesSeen();
        p.skippedBatches = state.skippedBatches();
        p.mergeOffsets(in.sourcePartitions, in.nextOffsets);
        p.lastEventTime = Math.max(p.lastEventTime, in.maxEventTime);

        ModelGauges mg = gauges(id);
        mg.batches.inc();
        if (r.applied()) {
            mg.examples.inc(in.size);
            mg.lastLoss = r.loss();
            ScoredBatch s = new ScoredBatch();
            s.size = in.size;
            s.predictions = Arrays.copyOf(r.predictions(), in.size * r.outputs()); // the trainer reuses its array
            s.labels = in.labels;
            s.weights = in.weights;
            s.loss = r.loss();
            s.gradientNorm = r.gradientNorm();
            s.learningRate = r.learningRate();
            window.add(s);
        } else {
            mg.skipped.inc();
            p.windowRejected++;
            p.windowAlert = r.rejectReason();
            if (r.rolledBack()) {
                mg.rollbacks.inc();
                g.windowRollbacks++;
                g.windowRollback = r.rejectReason();
            }
        }
        mg.lagMs = in.maxEventTime > 0 ? Math.max(0, now - in.maxEventTime) : -1;
        mg.lrScale = state.lrScale();
        p.windowBatches++;
        if (!r.applied() || streakBefore != 0) {
            g.lrScale = state.lrScale();
            g.badStreak = state.badStreak();
            g.rollbacks = state.rollbacks();
            guardChanged = true;
        }
        if (guardChanged) {
            guard.update(g);
        }

        params.update(w);
        optimizerState.update(opt);

        // A rejection after a window without alert publishes the window now (prompt alert); later rejections wait
        // for their window's end, so a model that keeps rejecting does not flood the metrics topic.
        if (p.windowBatches >= metricsEveryBatches || (!r.applied() && !g.lastWindowAlerted)) {
            out.collect(closeWindow(id, config, p, g, r.learningRate(), now));
        }
        if (snapshotEverySteps > 0 && p.step - p.lastSnapshotStep >= snapshotEverySteps) {
            ctx.output(SNAPSHOTS, snapshot(id, trainer, w, opt, p, g, now));
        } else if (snapshotEverySeconds > 0 && p.step > p.lastSnapshotStep) {
            long due = p.lastSnapshotAtMs + snapshotEverySeconds * 1000;
            if (now >= due) {
                ctx.output(SNAPSHOTS, snapshot(id, trainer, w, opt, p, g, now));
            } else if (p.snapshotTimerAt == 0) {
                ctx.timerService().registerProcessingTimeTimer(due);
                p.snapshotTimerAt = due;
            }
        }
        progress.update(p);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingMetrics> out) throws Exception {
        TrainerProgress p = progress.value();
        if (p == null) {
            return;
        }
        String id = ctx.getCurrentKey();
        if (catalog.config(id) == null) {
            // The model was taken out of the job (resumed from a savepoint with a shorter model list): its state
            // stays, dormant, and continues if the model is added back; a due time-based snapshot is dropped.
            p.snapshotTimerAt = 0;
            progress.update(p);
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        DivergenceGuard g = guard.value();
        if (g == null) {
            g = new DivergenceGuard();
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == END_OF_INPUT) {
            // A bounded input ended: publish what has not been published yet.
            if (p.windowBatches > 0) {
                out.collect(closeWindow(id, config(id), p, g, Double.NaN, now));
            }
            if (p.step > p.lastSnapshotStep || p.snapshotVersion == 0) {
                ctx.output(SNAPSHOTS, snapshot(id, trainer(id, config(id)), params.value(), optimizerState.value(), p,
                        g, now));
            }
            progress.update(p);
            return;
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && timestamp == p.snapshotTimerAt) {
            p.snapshotTimerAt = 0;
            if (p.step > p.lastSnapshotStep) {
                long due = p.lastSnapshotAtMs + snapshotEverySeconds * 1000;
                if (now >= due) {
                    ctx.output(SNAPSHOTS, snapshot(id, trainer(id, config(id)), params.value(),
                            optimizerState.value(), p, g, now));
                } else {
                    // A step-triggered snapshot came in between: wait a full period after it.
                    ctx.timerService().registerProcessingTimeTimer(due);
                    p.snapshotTimerAt = due;
                }
            }
            progress.update(p);
        }
    }

    private TrainingMetrics closeWindow(String id, TrainerConfig config, TrainerProgress p, DivergenceGuard g,
                                        double lastRate, long now) throws Exception {
        PrequentialMetrics m = PrequentialMetrics.forConfig(config);
        double gradNormSum = 0;
        int scored = 0;
        double rate = lastRate;
        for (ScoredBatch s : window.get()) {
            m.add(s.predictions, s.labels, s.weights, s.size, s.loss);
            gradNormSum += s.gradientNorm;
            rate = s.learningRate;
            scored++;
        }
        Map<String, Double> values = m.snapshot();
        long examples = m.examples();
        double seconds = Math.max(1e-3, (now - p.windowStartMs) / 1000.0);
        String alert = alert(p, g);
        TrainingMetrics t = TrainingMetrics.newBuilder()
                .setModelId(id)
                .setStep(p.step)
                .setExamplesSeen(p.examplesSeen)
                .setWindowBatches(p.windowBatches)
                .setWindowExamples(examples)
                .setLoss(values.getOrDefault(PrequentialMetrics.LOSS, Double.NaN))
                .setAccuracy(values.get(PrequentialMetrics.ACCURACY))
                .setAuc(values.get(PrequentialMetrics.AUC))
                .setF1(values.get(PrequentialMetrics.F1))
                .setRmse(values.get(PrequentialMetrics.RMSE))
                .setMae(values.get(PrequentialMetrics.MAE))
                .setGradientNorm(scored == 0 ? Double.NaN : gradNormSum / scored)
                .setLearningRate(rate)
                .setExamplesPerSecond(examples / seconds)
                .setSkippedBatches(p.skippedBatches)
                .setAlert(alert)
                .setCreatedAt(Instant.ofEpochMilli(now))
                .build();
        p.lastMetricNames = values.keySet().toArray(new String[0]);
        p.lastMetricValues = values.values().stream().mapToDouble(Double::doubleValue).toArray();
        p.windowBatches = 0;
        p.windowRejected = 0;
        p.windowAlert = null;
        p.windowStartMs = now;
        window.clear();
        boolean alerted = alert != null;
        if (g.lastWindowAlerted != alerted || g.windowRollbacks != 0) {
            g.lastWindowAlerted = alerted;
            g.windowRollbacks = 0;
            g.windowRollback = null;
            guard.update(g);
        }
        return t;
    }

    /**
     * The window's alert, or null when no batch was rejected in it: how many were rejected, the last reason, the
     * rollbacks made (with what the last one did) and the learning-rate scale, and what to do.
     */
    static String alert(TrainerProgress p, DivergenceGuard g) {
        if (p.windowRejected == 0) {
            return null;
        }
        StringBuilder a = new StringBuilder("divergence guard: ").append(p.windowRejected).append(" of ")
                .append(p.windowBatches).append(" batches rejected in this window (a rejected batch does not change "
                        + "the model); last reason: ").append(p.windowAlert);
        if (g.windowRollbacks > 0) {
            a.append("; ").append(g.windowRollbacks).append(g.windowRollbacks == 1 ? " rollback" : " rollbacks")
                    .append(" in this window");
            if (!g.windowRollback.equals(p.windowAlert)) {
                a.append(", the last: ").append(g.windowRollback);
            }
        }
        a.append("; learning-rate scale ").append(g.lrScale).append(", rollbacks so far ").append(g.rollbacks)
                .append(". Lower optimizer.learning_rate, enable clipping, set divergence.max_bad_batches, or check"
                        + " the input scale");
        return a.toString();
    }

    /**
     * A snapshot of the model as it is now; publishing it marks the state good ({@link Trainer#markGood}: the
     * state a later rollback returns to, kept with the policy on only, not while the model is in a streak of
     * rejected batches). The snapshot carries the guard fields but not the last-good copy.
     */
    private ModelSnapshot snapshot(String id, Trainer trainer, float[] w, float[] opt, TrainerProgress p,
                                   DivergenceGuard g, long now) throws Exception {
        p.snapshotVersion++;
        p.lastSnapshotStep = p.step;
        p.lastSnapshotAtMs = now;
        gauges(id).snapshotVersion = p.snapshotVersion;
        boolean dropped = dropLastGoodIfOff(trainer.config().divergence(), g);
        // The held copy is read to be overwritten in place (no allocation per snapshot).
        ModelState state = modelState(w, opt, p, g, g.hasLastGood);
        if (trainer.markGood(state)) {
            keepLastGood(state, g);
            guard.update(g);
        } else if (dropped) {
            guard.update(g);
        }
        state = state.withoutLastGood();
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < p.lastMetricNames.length; i++) {
            metrics.put(p.lastMetricNames[i], p.lastMetricValues[i]);
        }
        metrics.put("skipped_batches", (double) p.skippedBatches);
        metrics.put("rollbacks", (double) g.rollbacks);
        metrics.put("lr_scale", g.lrScale);
        Map<String, Long> offsets = new LinkedHashMap<>();
        for (int i = 0; i < p.sourcePartitions.length; i++) {
            offsets.put(p.sourcePartitions[i], p.nextOffsets[i]);
        }
        return ModelSnapshot.newBuilder()
                .setModelId(id)
                .setVersion(p.snapshotVersion)
                .setStep(p.step)
                .setExamplesSeen(p.examplesSeen)
                .setCreatedAt(Instant.ofEpochMilli(now))
                .setConfigYaml(catalog.yaml(id))
                .setState(ByteBuffer.wrap(ModelStateCodec.encode(state)))
                .setMetrics(metrics)
                .setSourceOffsets(offsets)
                .setSchemaVersion(SchemaHistory.EXAMPLE_CURRENT_VERSION)
                .setBuildVersion(BuildInfo.version())
                .build();
    }

    /**
     * A model's restored state must fit its configuration: a savepoint resumed with another architecture or optimizer
     * type under the same model id is refused with what to do, instead of failing somewhere inside the learner.
     */
    private static void checkRestoredShape(String id, Trainer trainer, float[] w, float[] opt) {
        int n = trainer.model().numParams();
        int s = trainer.optimizer().stateSize(n);
        if (w.length != n || opt.length != s) {
            throw new IllegalStateException("model '" + id + "': its restored state has " + w.length
                    + " parameters and " + opt.length + " optimizer values, but models." + id + " now needs " + n
                    + " and " + s + ": a model's architecture and optimizer type cannot change across a savepoint."
                    + " Give the changed model a new id (the old state stays dormant) or restore its old configuration");
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

    private ModelGauges gauges(String id) {
        return gauges.computeIfAbsent(id, k -> new ModelGauges(getRuntimeContext().getMetricGroup().addGroup("model", k)));
    }

    /** The learner's state over the keyed state's arrays, with the guard fields (and the last-good copy if asked). */
    private ModelState modelState(float[] w, float[] opt, TrainerProgress p, DivergenceGuard g, boolean withLastGood)
            throws Exception {
        float[] goodW = withLastGood ? lastGoodParams.value() : null;
        float[] goodOpt = withLastGood ? lastGoodOptimizerState.value() : null;
        return new ModelState(w, opt, p.step, p.rngState, p.examplesSeen, p.skippedBatches, g.lrScale, g.badStreak,
                g.rollbacks, goodW, goodOpt, g.lastGoodStep);
    }

    /** Stores the state's last-good copy (just made by {@link Trainer#markGood}). */
    private void keepLastGood(ModelState state, DivergenceGuard g) throws Exception {
        lastGoodParams.update(state.lastGoodParams());
        lastGoodOptimizerState.update(state.lastGoodOptimizerState());
        g.hasLastGood = true;
        g.lastGoodStep = state.lastGoodStep();
    }

    /** With the policy off (switched off since the copy was made), the copy is dropped; returns whether it was. */
    private boolean dropLastGoodIfOff(DivergenceSpec policy, DivergenceGuard g) {
        if (policy.enabled() || !g.hasLastGood) {
            return false;
        }
        lastGoodParams.clear();
        lastGoodOptimizerState.clear();
        g.hasLastGood = false;
        g.lastGoodStep = 0;
        return true;
    }

    private Trainer trainer(String id, TrainerConfig config) {
        return trainers.computeIfAbsent(id, k -> new Trainer(config));
    }

    /** The per-model Flink metrics, under the group key {@code model=<id>}. */
    private static final class ModelGauges {
        final Counter examples;
        final Counter batches;
        final Counter skipped;
        final Counter rollbacks;
        volatile double lastLoss = Double.NaN;
        volatile double lrScale = 1.0;
        volatile long snapshotVersion;
        volatile long lagMs = -1;

        ModelGauges(MetricGroup group) {
            examples = group.counter("examples");
            batches = group.counter("batches");
            skipped = group.counter("skippedBatches");
            rollbacks = group.counter("rollbacks");
            group.gauge("lrScale", (Gauge<Double>) () -> lrScale);
            group.gauge("loss", (Gauge<Double>) () -> lastLoss);
            group.gauge("snapshotVersion", (Gauge<Long>) () -> snapshotVersion);
            group.gauge("eventTimeLagMs", (Gauge<Long>) () -> lagMs);
        }
    }
}

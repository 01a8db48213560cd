package io.streamgrad.job.train;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.BuildInfo;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.metrics.PrequentialMetrics;
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
 * {@code snapshotEverySeconds} of processing time, and once more when a bounded input ends. A batch the trainer
 * rejects (non-finite loss, gradient or update) leaves the model unchanged, is counted and raises the window's
 * {@code alert}.
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
        trainers = new HashMap<>();
        gauges = new HashMap<>();
    }

    @Override
    public void processElement(ExampleBatch in, Context ctx, Collector<TrainingMetrics> out) throws Exception {
        String id = ctx.getCurrentKey();
        TrainerConfig config = config(id);
        Trainer trainer = trainers.computeIfAbsent(id, k -> new Trainer(config));
        long now = ctx.timerService().currentProcessingTime();

        TrainerProgress p = progress.value();
        float[] w;
        float[] opt;
        if (p == null) {
            ModelState init = trainer.initState();
            w = init.params();
            opt = init.optimizerState();
            p = new TrainerProgress();
            p.rngState = init.rngState();
            p.lastSnapshotAtMs = now;
            p.windowStartMs = now;
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        } else {
            w = params.value();
            opt = optimizerState.value();
            checkRestoredShape(id, trainer, w, opt);
        }

        ModelState state = new ModelState(w, opt, p.step, p.rngState, p.examplesSeen, p.skippedBatches);
        StepResult r = trainer.train(state, toBatch(in));
        p.step = state.step();
        p.rngState = state.rngState();
        p.examplesSeen = state.examplesSeen();
        p.skippedBatches = state.skippedBatches();
        p.mergeOffsets(in.sourcePartitions, in.nextOffsets);
        p.lastEventTime = Math.max(p.lastEventTime, in.maxEventTime);

        ModelGauges g = gauges(id);
        g.batches.inc();
        if (r.applied()) {
            g.examples.inc(in.size);
            g.lastLoss = r.loss();
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
            g.skipped.inc();
            p.windowRejected++;
            p.windowAlert = r.rejectReason();
        }
        g.lagMs = in.maxEventTime > 0 ? Math.max(0, now - in.maxEventTime) : -1;
        p.windowBatches++;

        params.update(w);
        optimizerState.update(opt);

        if (p.windowBatches >= metricsEveryBatches) {
            out.collect(closeWindow(id, config, p, r.learningRate(), now));
        }
        if (snapshotEverySteps > 0 && p.step - p.lastSnapshotStep >= snapshotEverySteps) {
            ctx.output(SNAPSHOTS, snapshot(id, w, opt, p, now));
        } else if (snapshotEverySeconds > 0 && p.step > p.lastSnapshotStep) {
            long due = p.lastSnapshotAtMs + snapshotEverySeconds * 1000;
            if (now >= due) {
                ctx.output(SNAPSHOTS, snapshot(id, w, opt, p, now));
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
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == END_OF_INPUT) {
            // A bounded input ended: publish what has not been published yet.
            if (p.windowBatches > 0) {
                out.collect(closeWindow(id, config(id), p, Double.NaN, now));
            }
            if (p.step > p.lastSnapshotStep || p.snapshotVersion == 0) {
                ctx.output(SNAPSHOTS, snapshot(id, params.value(), optimizerState.value(), p, now));
            }
            progress.update(p);
            return;
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && timestamp == p.snapshotTimerAt) {
            p.snapshotTimerAt = 0;
            if (p.step > p.lastSnapshotStep) {
                long due = p.lastSnapshotAtMs + snapshotEverySeconds * 1000;
                if (now >= due) {
                    ctx.output(SNAPSHOTS, snapshot(id, params.value(), optimizerState.value(), p, now));
                } else {
                    // A step-triggered snapshot came in between: wait a full period after it.
                    ctx.timerService().registerProcessingTimeTimer(due);
                    p.snapshotTimerAt = due;
                }
            }
            progress.update(p);
        }
    }

    private TrainingMetrics closeWindow(String id, TrainerConfig config, TrainerProgress p, double lastRate, long now)
            throws Exception {
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
        String alert = p.windowRejected == 0 ? null
                : p.windowRejected + " of " + p.windowBatches + " batches rejected in this window (model unchanged by"
                + " them); last reason: " + p.windowAlert
                + ". Lower optimizer.learning_rate, enable clipping, or check the input scale";
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
        return t;
    }

    private ModelSnapshot snapshot(String id, float[] w, float[] opt, TrainerProgress p, long now) {
        p.snapshotVersion++;
        p.lastSnapshotStep = p.step;
        p.lastSnapshotAtMs = now;
        gauges(id).snapshotVersion = p.snapshotVersion;
        ModelState state = new ModelState(w, opt, p.step, p.rngState, p.examplesSeen, p.skippedBatches);
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < p.lastMetricNames.length; i++) {
            metrics.put(p.lastMetricNames[i], p.lastMetricValues[i]);
        }
        metrics.put("skipped_batches", (double) p.skippedBatches);
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

    /** The per-model Flink metrics, under the group key {@code model=<id>}. */
    private static final class ModelGauges {
        final Counter examples;
        final Counter batches;
        final Counter skipped;
        volatile double lastLoss = Double.NaN;
        volatile long snapshotVersion;
        volatile long lagMs = -1;

        ModelGauges(MetricGroup group) {
            examples = group.counter("examples");
            batches = group.counter("batches");
            skipped = group.counter("skippedBatches");
            group.gauge("loss", (Gauge<Double>) () -> lastLoss);
            group.gauge("snapshotVersion", (Gauge<Long>) () -> snapshotVersion);
            group.gauge("eventTimeLagMs", (Gauge<Long>) () -> lagMs);
        }
    }
}

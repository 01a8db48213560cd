package io.streamgrad.job.recs;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.MfGlobal;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfSpec;
import io.streamgrad.learner.recs.Prequential;
import io.streamgrad.learner.recs.RankingMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Trains the mf models of the job (keyed by model id) with row-level keyed state: interactions are buffered into
 * batches of the model's {@code batch_size} (in arrival order, so a one-partition input gives the batches of the
 * offline trainer; a partial batch is trained {@code batch_timeout_ms} of processing time after its first
 * interaction, if > 0, and at the end of a bounded input), and each batch is one {@link MfModel#train} step over
 * the model's state:
 *
 * <ul>
 *   <li>{@code mfGlobal} ({@code ValueState<byte[]>}): {@link MfGlobal#encode()} (global bias, step, row counts,
 *   the negatives ring);</li>
 *   <li>{@code mfUsers}, {@code mfItems} ({@code MapState<String, byte[]>}): one entry per raw id, its
 *   {@code RowCodec} bytes, behind a {@link MapStateRowStore}: a step reads and writes only the rows it touches,
 *   and expiry sweeps delete rows from the map;</li>
 *   <li>{@code mfBuffer}, {@code mfBufferCount}, {@code mfTimeoutAt}: the partial batch;</li>
 *   <li>{@code mfProgress} ({@link MfProgress}): examples seen, the metrics window, publishing counters, source
 *   offsets;</li>
 *   <li>{@code mfChangedUsers}, {@code mfChangedItems} ({@code MapState<String, Boolean>}): the ids written or
 *   deleted since the last published version (true: deleted at least once), for the next delta, behind
 *   {@link ChangedMarks}.</li>
 *   <li>{@code mfContexts} ({@code MapState<String, byte[]>}): the rows of every context table of the model (its
 *   {@code context:} fields), one map for all of them keyed by {@code field + "/" + id} (field names hold no
 *   {@code /}), so the state layout does not depend on the config; an expiry sweep or least-recent overflow of one
 *   context table iterates the whole map (context tables are small: devices, hours, countries);</li>
 *   <li>{@code mfChangedContexts} ({@code MapState<String, Boolean>}): as {@code mfChangedUsers}, keyed by
 *   {@code field + "/" + id}.</li>
 * </ul>
 *
 * <p>In the job ({@link MfTrainerOperator}) the three row maps sit behind write-back {@link RowCache}s of up to
 * {@code recs.cached_rows} decoded rows each per model: a step reads and updates cached {@link
 * io.streamgrad.learner.recs.Row}s in place and only marks them dirty; the operator writes the dirty rows to the maps
 * before every checkpoint barrier and at the end of the input, and a row leaving the cache is written first. Row
 * deletions go to the maps at once. The changed-ids marks, the partial batch ({@code mfBuffer},
 * {@code mfBufferCount}) and the model's global part and progress ({@code mfGlobal}, {@code mfProgress}: one
 * {@link MfModel} per model lives between batches, as offline) are likewise kept in memory and written at the same
 * moments, so a step makes no keyed state access per interaction and decodes nothing per batch. The state stays the
 * model's only durable form: a restored instance starts from it with empty caches.
 *
 * <p>A model without context fields never writes the two context maps: its state is what it was before they
 * existed.
 *
 * <p>Before a step (every {@code recs.evaluate_every_batches} steps) each interaction of the batch is scored with the
 * model as it stands by {@link Prequential#measure}, the offline trainer's own code; every
 * {@code metrics_every_batches} steps the window goes out as {@link TrainingMetrics} with recall@K / ndcg@K in
 * {@code ranking} and rmse / mae for ratings. Versions are published by {@link MfVersions} (side output
 * {@link MfVersions#VERSIONS}).
 */
public final class MfTrainer extends KeyedProcessFunction<String, InteractionRecord, TrainingMetrics> {
    private static final long serialVersionUID = 1L;
    static final long END_OF_INPUT = Long.MAX_VALUE;
    private static final int USER_IDS = 0;
    private static final int ITEM_IDS = 1;
    private static final int CONTEXT_IDS = 2; // keyed field/id

    private final RecsModels models;
    private final long batchTimeoutMs;
    private final int metricsEveryBatches;
    private final MfVersions.Policy publishing;
    /** Set by {@link MfTrainerOperator}, which flushes the row caches before every checkpoint. */
    private boolean writeBack;

    private transient ListState<InteractionRecord> buffer;
    private transient ValueState<Integer> bufferCount;
    private transient ValueState<Long> timeoutAt;
    private transient ValueState<byte[]> global;
    private transient MapState<String, byte[]> users;
    private transient MapState<String, byte[]> items;
    private transient ValueState<byte[]> progress;
    private transient MapState<String, Boolean> changedUsers;
    private transient MapState<String, Boolean> changedItems;
    private transient MapState<String, byte[]> contexts;
    private transient MapState<String, Boolean> changedContexts;
    private transient Counter interactionsTrained;
    private transient Counter steps;
    private transient MfVersions versions;
    /** Per model, per table (users, items, contexts): the changed-ids marks since the last version. */
    private transient Map<String, ChangedMarks[]> changedMarks;
    /** Per model: the partial batch (loaded from mfBuffer at the model's first use since the (re)start). */
    private transient Map<String, Pending> pending;
    /** Per model: the write-back row caches of mfUsers, mfItems, mfContexts (empty without write-back). */
    private transient Map<String, RowCache[]> rowCaches;
    /** Per model: the model and its progress in memory (empty without write-back). */
    private transient Map<String, Live> live;

    public MfTrainer(RecsModels models, long batchTimeoutMs, int metricsEveryBatches, MfVersions.Policy publishing) {
        this.models = models;
        this.batchTimeoutMs = batchTimeoutMs;
        this.metricsEveryBatches = metricsEveryBatches;
        this.publishing = publishing;
    }

    @Override
    public void open(OpenContext openContext) {
        var ctx = getRuntimeContext();
        buffer = ctx.getListState(new ListStateDescriptor<>("mfBuffer", TypeInformation.of(InteractionRecord.class)));
        bufferCount = ctx.getState(new ValueStateDescriptor<>("mfBufferCount", Types.INT));
        timeoutAt = ctx.getState(new ValueStateDescriptor<>("mfTimeoutAt", Types.LONG));
        global = ctx.getState(
                new ValueStateDescriptor<>("mfGlobal", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        users = ctx.getMapState(new MapStateDescriptor<>(
                "mfUsers", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        items = ctx.getMapState(new MapStateDescriptor<>(
                "mfItems", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        progress = ctx.getState(
                new ValueStateDescriptor<>("mfProgress", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        changedUsers = ctx.getMapState(new MapStateDescriptor<>("mfChangedUsers", Types.STRING, Types.BOOLEAN));
        changedItems = ctx.getMapState(new MapStateDescriptor<>("mfChangedItems", Types.STRING, Types.BOOLEAN));
        contexts = ctx.getMapState(new MapStateDescriptor<>(
                "mfContexts", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        changedContexts = ctx.getMapState(new MapStateDescriptor<>("mfChangedContexts", Types.STRING, Types.BOOLEAN));
        interactionsTrained = ctx.getMetricGroup().counter("mfInteractions");
        steps = ctx.getMetricGroup().counter("mfSteps");
        versions = new MfVersions(models, publishing);
        changedMarks = new HashMap<>();
        rowCaches = new HashMap<>();
        pending = new HashMap<>();
        live = new HashMap<>();
    }

    /**
     * Keeps decoded rows in write-back caches of up to {@code recs.cached_rows} rows per model and row map; only an
     * operator that calls {@link #flush} before every checkpoint and at the end of the input may turn it on
     * ({@link MfTrainerOperator}); otherwise every read decodes and every write encodes a row of the state.
     */
    void enableWriteBack() {
        this.writeBack = true;
    }

    /** Sets the current key of the keyed state (the operator's {@code setCurrentKey}). */
    @FunctionalInterface
    interface KeySetter {
        void set(String modelId) throws Exception;
    }

    /**
     * Writes what every model holds in memory only to its state, setting each such model as the current key first:
     * the dirty cached rows (which stay cached), the changed-ids marks, the partial batch, the global part and the
     * progress. Called before every checkpoint barrier and at the end of the input.
     */
    void flush(KeySetter setKey) throws Exception {
        if (rowCaches == null) {
            return;
        }
        java.util.Set<String> modelIds = new java.util.TreeSet<>(rowCaches.keySet());
        modelIds.addAll(changedMarks.keySet());
        modelIds.addAll(pending.keySet());
        modelIds.addAll(live.keySet());
        for (String modelId : modelIds) {
            setKey.set(modelId);
            flush(modelId); // writes nothing for a model with nothing dirty
        }
    }

    /** Writes what {@code modelId}, the current key, holds in memory only to its state. */
    private void flush(String modelId) throws Exception {
        RowCache[] caches = rowCaches.get(modelId);
        if (caches != null) {
            for (RowCache c : caches) {
                c.flush();
            }
        }
        ChangedMarks[] marks = changedMarks.get(modelId);
        if (marks != null) {
            for (ChangedMarks m : marks) {
                m.flush();
            }
        }
        Live l = live.get(modelId);
        if (l != null && l.dirty) {
            global.update(l.model.global().encode());
            if (l.progress != null) {
                progress.update(l.progress.encode());
            }
            l.dirty = false;
        }
        Pending b = pending.get(modelId);
        if (b != null && b.dirty) {
            if (b.records.isEmpty()) {
                buffer.clear();
                bufferCount.clear();
            } else {
                buffer.update(b.records);
                bufferCount.update(b.records.size());
            }
            b.dirty = false;
        }
    }

    /**
     * A model's partial batch in memory. Without write-back each interaction is also added to {@code mfBuffer} at
     * once; with it, {@code mfBuffer} and {@code mfBufferCount} are written by {@link #flush} ({@code dirty}: they
     * differ from {@code records}).
     */
    private static final class Pending {
        final List<InteractionRecord> records = new ArrayList<>();
        boolean dirty;
    }

    /** The partial batch of {@code modelId}, the current key: from mfBuffer at its first use since the (re)start. */
    private Pending pending(String modelId) throws Exception {
        Pending b = pending.get(modelId);
        if (b == null) {
            b = new Pending();
            for (InteractionRecord r : buffer.get()) {
                b.records.add(r);
            }
            pending.put(modelId, b);
        }
        return b;
    }

    /** The rows cached for {@code modelId} now, over its three row maps (tests). */
    int cachedRows(String modelId) {
        RowCache[] caches = rowCaches.get(modelId);
        int n = 0;
        if (caches != null) {
            for (RowCache c : caches) {
                n += c.size();
            }
        }
        return n;
    }

    @Override
    public void processElement(InteractionRecord r, Context ctx, Collector<TrainingMetrics> out) throws Exception {
        MfSpec spec = models.spec(r.modelId);
        Pending b = pending(r.modelId);
        b.records.add(r);
        int n = b.records.size();
        if (n == 1) {
            // The end of a bounded input trains what is left (only the final watermark reaches this time).
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            if (batchTimeoutMs > 0) {
                long at = ctx.timerService().currentProcessingTime() + batchTimeoutMs;
                timeoutAt.update(at);
                ctx.timerService().registerProcessingTimeTimer(at);
            }
        }
        if (n >= spec.batchSize()) {
            trainBuffered(ctx.getCurrentKey(), ctx.timerService().currentProcessingTime(), ctx, out);
        } else if (writeBack) {
            b.dirty = true;
        } else {
            buffer.add(r);
            bufferCount.update(n);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingMetrics> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            if (timestamp == END_OF_INPUT) {
                if (!pending(ctx.getCurrentKey()).records.isEmpty()) {
                    trainBuffered(ctx.getCurrentKey(), now, ctx, out);
                }
                flush(ctx.getCurrentKey()); // the state holds the whole model at the end of the input
                // The final version of a bounded job holds every interaction.
                MfModel model = model(ctx.getCurrentKey());
                MfProgress p = progress(ctx.getCurrentKey());
                if (model.global().step() > p.lastVersionStep) {
                    publish(ctx.getCurrentKey(), model, p, now, ctx);
                    storeProgress(ctx.getCurrentKey(), p);
                    flush(ctx.getCurrentKey());
                }
            }
            return;
        }
        Long at = timeoutAt.value();
        if (at != null
                && at == timestamp
                && !pending(ctx.getCurrentKey()).records.isEmpty()) {
            trainBuffered(ctx.getCurrentKey(), now, ctx, out);
            return;
        }
        // a version due by time without a batch (MfVersions.nextDueAt); timers are keyed state, so this survives a
        // restore
        if (!hasProgress(ctx.getCurrentKey())) {
            return;
        }
        MfModel model = model(ctx.getCurrentKey());
        MfProgress p = progress(ctx.getCurrentKey());
        if (versions.dueByTime(model, p, now)) {
            publish(ctx.getCurrentKey(), model, p, now, ctx);
            storeProgress(ctx.getCurrentKey(), p);
        }
        scheduleNextVersion(model, p, ctx);
    }

    private void scheduleNextVersion(MfModel model, MfProgress p, Context ctx) {
        long next = versions.nextDueAt(model, p);
        if (next > 0) {
            // one timer per due time: Flink keeps a single timer per (key, timestamp)
            ctx.timerService().registerProcessingTimeTimer(next);
        }
    }

    private void trainBuffered(String modelId, long nowMs, Context ctx, Collector<TrainingMetrics> out)
            throws Exception {
        Pending b = pending(modelId);
        List<InteractionRecord> records = new ArrayList<>(b.records);
        b.records.clear();
        if (writeBack) {
            b.dirty = true;
        } else {
            buffer.clear();
            bufferCount.clear();
        }
        Long at = timeoutAt.value();
        if (at != null) {
            ctx.timerService().deleteProcessingTimeTimer(at);
            timeoutAt.clear();
        }
        if (records.isEmpty()) {
            return;
        }
        MfModel model = model(modelId);
        MfSpec spec = model.spec();
        MfProgress p = progress(modelId);
        List<Interaction> batch = new ArrayList<>(records.size());
        for (InteractionRecord r : records) {
            batch.add(r.interaction());
            p.nextOffsets.merge(r.partition, r.offset + 1, Math::max);
        }
        boolean evaluate =
                models.evaluateEveryBatches() > 0 && (model.global().step() + 1) % models.evaluateEveryBatches() == 0;
        if (evaluate) {
            RankingMetrics window = RankingMetrics.of(spec.topK(), p.windowSums);
            Prequential.measure(model, batch, window);
            p.windowSums = window.sums();
        }
        MfModel.StepResult step = model.train(batch);
        if (writeBack) {
            live(modelId).dirty = true;
        } else {
            global.update(model.global().encode());
        }
        ChangedMarks[] marks = changedMarks(modelId);
        marks[USER_IDS].changed(step.changedUsers());
        marks[ITEM_IDS].changed(step.changedItems());
        marks[USER_IDS].deleted(step.removedUsers());
        marks[ITEM_IDS].deleted(step.removedItems());
        marks[CONTEXT_IDS].changed(contextKeys(step.changedContexts()));
        marks[CONTEXT_IDS].deleted(contextKeys(step.removedContexts()));
        if (!writeBack) {
            for (ChangedMarks m : marks) {
                m.flush();
            }
        }
        interactionsTrained.inc(batch.size());
        steps.inc();
        p.examplesSeen += batch.size();
        if (p.windowStartMs < 0) {
            p.windowStartMs = nowMs;
        }
        p.windowBatches++;
        p.windowExamples += batch.size();
        if (step.trained() > 0) {
            p.windowLoss += step.loss();
            p.windowTrainedBatches++;
        }
        if (step.step() % metricsEveryBatches == 0) {
            out.collect(metrics(modelId, model, p, nowMs));
            p.resetWindow();
        }
        if (versions.due(model, p, nowMs)) {
            publish(modelId, model, p, nowMs, ctx);
        }
        storeProgress(modelId, p);
        scheduleNextVersion(model, p, ctx);
    }

    /** The {@code field/id} keys of {@code mfContexts} and {@code mfChangedContexts} for ids by field. */
    private static List<String> contextKeys(Map<String, List<String>> idsByField) {
        List<String> keys = new ArrayList<>();
        idsByField.forEach((field, ids) -> ids.forEach(id -> keys.add(field + "/" + id)));
        return keys;
    }

    /**
     * The changed-ids marks of {@code modelId}, the current key, per table: from its changed-ids maps at the model's
     * first use since the (re)start.
     */
    private ChangedMarks[] changedMarks(String modelId) throws Exception {
        ChangedMarks[] marks = changedMarks.get(modelId);
        if (marks == null) {
            marks = new ChangedMarks[] {
                new ChangedMarks(changedUsers), new ChangedMarks(changedItems), new ChangedMarks(changedContexts)
            };
            changedMarks.put(modelId, marks);
        }
        return marks;
    }

    /** Publishes the model's next version ({@link MfVersions#publish}, which clears the changed-ids marks). */
    private void publish(String modelId, MfModel model, MfProgress p, long nowMs, Context ctx) throws Exception {
        ChangedMarks[] marks = changedMarks(modelId);
        versions.publish(modelId, model, p, marks[USER_IDS], marks[ITEM_IDS], marks[CONTEXT_IDS], nowMs, ctx);
    }

    /**
     * A model kept in memory between batches with write-back ({@link #enableWriteBack}): the {@link MfModel} over
     * the row caches, as the offline trainer keeps its one model, and its progress; {@code mfGlobal} and
     * {@code mfProgress} are written by {@link #flush} ({@code dirty}: they differ from these).
     */
    private static final class Live {
        final MfModel model;
        /** Null until the model's first batch (no mfProgress yet). */
        MfProgress progress;

        boolean dirty;

        Live(MfModel model, MfProgress progress) {
            this.model = model;
            this.progress = progress;
        }
    }

    /** The in-memory model of {@code modelId}, the current key: from its state at its first use since the (re)start. */
    private Live live(String modelId) throws Exception {
        Live l = live.get(modelId);
        if (l == null) {
            byte[] p = progress.value();
            l = new Live(modelFromState(modelId), p == null ? null : MfProgress.decode(p));
            live.put(modelId, l);
        }
        return l;
    }

    /** Whether {@code modelId}, the current key, has trained a batch (has a progress, in memory or in state). */
    private boolean hasProgress(String modelId) throws Exception {
        return writeBack ? live(modelId).progress != null : progress.value() != null;
    }

    /** The progress of {@code modelId}, the current key (fresh when it has none). */
    private MfProgress progress(String modelId) throws Exception {
        if (!writeBack) {
            return MfProgress.decode(progress.value());
        }
        Live l = live(modelId);
        if (l.progress == null) {
            l.progress = MfProgress.decode(null);
        }
        return l.progress;
    }

    private void storeProgress(String modelId, MfProgress p) throws Exception {
        if (writeBack) {
            Live l = live(modelId);
            l.progress = p;
            l.dirty = true;
        } else {
            progress.update(p.encode());
        }
    }

    /** The model of the current key over its keyed state (fresh at step 0 when it has none). */
    MfModel model(String modelId) throws Exception {
        return writeBack ? live(modelId).model : modelFromState(modelId);
    }

    private MfModel modelFromState(String modelId) throws Exception {
        MfSpec spec = models.spec(modelId);
        byte[] g = global.value();
        MfGlobal mg = g == null ? new MfGlobal(spec) : MfGlobal.decode(spec, g);
        Map<String, io.streamgrad.learner.recs.RowStore> ctx = new java.util.LinkedHashMap<>();
        int cached = models.cachedRows();
        if (writeBack && cached > 0) {
            RowCache[] caches = rowCaches.get(modelId);
            if (caches == null) { // first use since the (re)start: from the state, as it was checkpointed
                caches = new RowCache[] {
                    new RowCache(users, cached), new RowCache(items, cached), new RowCache(contexts, cached)
                };
                rowCaches.put(modelId, caches);
            }
            for (String field : spec.contextFields()) {
                ctx.put(field, caches[2].store(field + "/"));
            }
            return new MfModel(spec, mg, caches[0].store(""), caches[1].store(""), ctx);
        }
        for (String field : spec.contextFields()) {
            ctx.put(field, new MapStateRowStore(contexts, field + "/"));
        }
        return new MfModel(spec, mg, new MapStateRowStore(users), new MapStateRowStore(items), ctx);
    }

    private TrainingMetrics metrics(String modelId, MfModel model, MfProgress p, long nowMs) {
        RankingMetrics m = RankingMetrics.of(model.spec().topK(), p.windowSums);
        Map<String, Double> ranking = new HashMap<>();
        if (m.examples() > 0) {
            ranking.put("recall@" + m.k(), m.recall());
            ranking.put("ndcg@" + m.k(), m.ndcg());
            ranking.put("evaluated", (double) m.examples());
        }
        double seconds = Math.max(1e-3, (nowMs - p.windowStartMs) / 1000.0);
        return TrainingMetrics.newBuilder()
                .setModelId(modelId)
                .setStep(model.global().step())
                .setExamplesSeen(p.examplesSeen)
                .setWindowBatches(p.windowBatches)
                .setWindowExamples(p.windowExamples)
                .setLoss(p.windowTrainedBatches == 0 ? Double.NaN : p.windowLoss / p.windowTrainedBatches)
                .setAccuracy(null)
                .setAuc(null)
                .setF1(null)
                .setRmse(m.rated() > 0 ? m.rmse() : null)
                .setMae(m.rated() > 0 ? m.mae() : null)
                .setGradientNorm(Double.NaN) // not computed per row; the loss shows divergence
                .setLearningRate(model.spec().optimizer().learningRate())
                .setExamplesPerSecond(p.windowExamples / seconds)
                .setSkippedBatches(0)
                .setAlert(null)
                .setCreatedAt(Instant.ofEpochMilli(nowMs))
                .setRanking(ranking)
                .build();
    }
}

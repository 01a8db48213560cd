package io.streamgrad.job.train;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.job.warmstart.WarmStartSet;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.DivergenceSpec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The trainer's keyed-state layout, in one place: the eight states of one model (keyed by model id) and the
 * translation between them and the learner's {@link ModelState}. No other class names a state or copies a
 * {@code ModelState} field into {@link TrainerProgress} or {@link DivergenceGuard}.
 *
 * <p>The layout is part of the savepoint format (state format v1): names, types and the POJO classes must not
 * change, or existing savepoints stop restoring.
 * <ul>
 *   <li>{@code params}, {@code optimizerState}: {@code float[]} ({@link PrimitiveArrayTypeInfo}, never an INDArray
 *   or Kryo);</li>
 *   <li>{@code progress}: {@link TrainerProgress} (counters, RNG position, snapshot bookkeeping, the metrics
 *   window's counters, source offsets);</li>
 *   <li>{@code window}: the open metrics window's {@link ScoredBatch}es;</li>
 *   <li>{@code guard}: {@link DivergenceGuard}, null in savepoints taken before the guard existed (defaults apply);</li>
 *   <li>{@code lastGoodParams}, {@code lastGoodOptimizerState}: the divergence policy's last-good copy (policy on
 *   only), written when a state is marked good and read only when a rollback is possible;</li>
 *   <li>{@code deltaTracking}: {@link DeltaTracking} (since state format v1 + deltas; absent in older savepoints and
 *   for models that publish full versions only, which then publish full first), the dirty set since the newest
 *   published version and the newest full version ({@code deltas:}, {@link DeltaPolicy}).</li>
 * </ul>
 * and, for a model created from the template that expired, in place of all eight:
 * <ul>
 *   <li>{@code retiredVersion}: {@code Long}, the last version it published, with a state TTL of
 *   {@code template_models.retired_version_ttl_ms} (processing time from the write; expired values are never
 *   returned and are dropped in the background and from full snapshots). A model re-created under that id starts
 *   fresh but numbers its snapshots above it, so no version of an id is published twice with different content;
 *   the record is removed once the new model exists (its {@code progress} carries the version on).</li>
 * </ul>
 *
 * <p>The guard is written only when it differs from what was loaded (the defaults when none was stored), so a
 * plain accepted batch writes no more state with the policy on than with it off.
 */
final class ModelStateStore {
    private final ValueState<float[]> params;
    private final ValueState<float[]> optimizerState;
    private final ValueState<TrainerProgress> progress;
    private final ListState<ScoredBatch> window;
    private final ValueState<DivergenceGuard> guard;
    private final ValueState<float[]> lastGoodParams;
    private final ValueState<float[]> lastGoodOptimizerState;
    private final ValueState<Long> retiredVersion;
    private final ValueState<DeltaTracking> deltaTracking;

    /**
     * Registers the states (call from {@code open}).
     *
     * @param retiredVersionTtlMs how long an expired model's last version is kept ({@code retiredVersion})
     */
    ModelStateStore(RuntimeContext ctx, long retiredVersionTtlMs) {
        params = ctx.getState(floats("params"));
        optimizerState = ctx.getState(floats("optimizerState"));
        progress = ctx.getState(new ValueStateDescriptor<>("progress", TypeInformation.of(TrainerProgress.class)));
        window = ctx.getListState(new ListStateDescriptor<>("window", TypeInformation.of(ScoredBatch.class)));
        guard = ctx.getState(new ValueStateDescriptor<>("guard", TypeInformation.of(DivergenceGuard.class)));
        lastGoodParams = ctx.getState(floats("lastGoodParams"));
        lastGoodOptimizerState = ctx.getState(floats("lastGoodOptimizerState"));
        ValueStateDescriptor<Long> retired = new ValueStateDescriptor<>("retiredVersion", Types.LONG);
        retired.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(retiredVersionTtlMs))
                .updateTtlOnCreateAndWrite()
                .neverReturnExpired()
                .cleanupFullSnapshot()
                .build());
        retiredVersion = ctx.getState(retired);
        deltaTracking =
                ctx.getState(new ValueStateDescriptor<>("deltaTracking", TypeInformation.of(DeltaTracking.class)));
    }

    /**
     * The model's delta bookkeeping, or a fresh one (the next version full) when it has none. The heap backend hands
     * out the stored object: change it, then {@link #saveDeltaTracking}.
     */
    DeltaTracking deltaTracking() throws Exception {
        DeltaTracking t = deltaTracking.value();
        return t == null ? new DeltaTracking() : t;
    }

    void saveDeltaTracking(DeltaTracking t) throws Exception {
        deltaTracking.update(t);
    }

    /** Drops the delta bookkeeping (a model that publishes full versions only: its next delta period starts full). */
    void clearDeltaTracking() {
        deltaTracking.clear();
    }

    private static ValueStateDescriptor<float[]> floats(String name) {
        return new ValueStateDescriptor<>(name, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** One model's state as loaded for a batch or a timer; {@link #save} writes back what changed. */
    static final class Loaded {
        private final ModelState state;
        private final TrainerProgress progress;
        private final DivergenceGuard guard;
        /** The guard as loaded (never changed here; null when none was stored): the guard is written if it differs. */
        private final DivergenceGuard storedGuard;

        private final boolean isNew;
        private final boolean forBatch;

        private Loaded(
                ModelState state,
                TrainerProgress progress,
                DivergenceGuard guard,
                DivergenceGuard storedGuard,
                boolean isNew,
                boolean forBatch) {
            this.state = state;
            this.progress = progress;
            this.guard = guard;
            this.storedGuard = storedGuard;
            this.isNew = isNew;
            this.forBatch = forBatch;
        }

        /** The learner's state (the truth for the counters; the POJOs' copies follow on {@link #train} and save). */
        ModelState state() {
            return state;
        }

        /** Snapshot and window bookkeeping, with copies of the {@link ModelState} counters. */
        TrainerProgress progress() {
            return progress;
        }

        /** The alert bookkeeping, with copies of the {@link ModelState} guard fields. */
        DivergenceGuard guard() {
            return guard;
        }

        /** Whether the model had no state before this batch (it was just initialised). */
        boolean isNew() {
            return isNew;
        }

        /** Trains one batch ({@link Trainer#train}) and brings the progress and guard counters up to date. */
        StepResult train(Trainer trainer, Batch batch) {
            StepResult r = trainer.train(state, batch);
            sync();
            return r;
        }

        /** Copies the {@link ModelState} counters and guard fields into the POJOs that checkpoint them. */
        private void sync() {
            progress.step = state.step();
            progress.rngState = state.rngState();
            progress.examplesSeen = state.examplesSeen();
            progress.skippedBatches = state.skippedBatches();
            guard.lrScale = state.lrScale();
            guard.badStreak = state.badStreak();
            guard.rollbacks = state.rollbacks();
        }
    }

    /**
     * The current model, ready to train one batch: a new model is initialised ({@link Trainer#initState}, with
     * {@code now} as the start of its first snapshot period and metrics window); a restored one is checked against
     * its configuration. The last-good copy is read only when this batch could complete K rejections in a row (only
     * then can the trainer roll back), so with the policy on a batch reads no more state than with it off.
     */
    Loaded loadForBatch(String id, Trainer trainer, long now) throws Exception {
        return loadForBatch(id, trainer, now, WarmStartSet.none());
    }

    /**
     * As {@link #loadForBatch(String, Trainer, long)}; a model without state that is in {@code warm} starts from its
     * snapshot instead of a fresh initialisation: parameters, optimizer state, counters, RNG position and guard fields
     * from the snapshot's state, the snapshot's version as the last published one (the next is one higher), its
     * metrics as the last published window's, its source offsets as the offsets trained so far. Keyed state, when
     * there is some (a checkpoint restore), wins.
     *
     * <p>A model re-created after it expired ({@code retiredVersion} is set) starts fresh with that version as its
     * last published one, so its first snapshot is one higher; a warm-start snapshot counts only if it is newer than
     * that version (the set is read at job start, so it can be older than what the expired model published since).
     */
    Loaded loadForBatch(String id, Trainer trainer, long now, WarmStartSet warm) throws Exception {
        DivergenceSpec policy = trainer.config().divergence();
        TrainerProgress p = progress.value();
        DivergenceGuard stored = guard.value();
        DivergenceGuard g = copyOf(stored);
        float[] w;
        float[] opt;
        boolean isNew = p == null;
        Long retired = isNew ? retiredVersion.value() : null;
        ModelSnapshot snapshot = isNew ? warm.snapshot(id) : null;
        if (snapshot != null && retired != null && snapshot.getVersion() <= retired) {
            snapshot = null;
        }
        if (retired != null) {
            retiredVersion.clear(); // the new model's progress carries the version from here on
        }
        if (snapshot != null) {
            ModelState init = ModelSnapshots.state(snapshot);
            w = init.params();
            opt = init.optimizerState();
            checkSnapshotShape(id, snapshot, trainer, w, opt);
            p = new TrainerProgress();
            p.step = init.step();
            p.rngState = init.rngState();
            p.examplesSeen = init.examplesSeen();
            p.skippedBatches = init.skippedBatches();
            // Deltas may have been published above the newest full version: number on above them.
            p.snapshotVersion = Math.max(snapshot.getVersion(), warm.newestDeltaVersion(id));
            p.lastSnapshotStep = init.step();
            p.lastSnapshotAtMs = now;
            p.windowStartMs = now;
            ModelSnapshots.restoreLastWindow(snapshot, p);
            for (Map.Entry<String, Long> o : snapshot.getSourceOffsets().entrySet()) {
                p.mergeOffsets(new String[] {o.getKey()}, new long[] {o.getValue()});
            }
            g.lrScale = init.lrScale();
            g.badStreak = init.badStreak();
            g.rollbacks = init.rollbacks();
        } else if (isNew) {
            ModelState init = trainer.initState(); // marked good when the policy is on
            w = init.params();
            opt = init.optimizerState();
            p = new TrainerProgress();
            p.rngState = init.rngState();
            p.snapshotVersion = Math.max(retired == null ? 0 : retired, warm.newestDeltaVersion(id));
            p.lastSnapshotAtMs = now;
            p.windowStartMs = now;
            if (init.hasLastGood()) {
                keepLastGood(init, g);
            }
        } else {
            w = params.value();
            opt = optimizerState.value();
            checkRestoredShape(id, trainer, w, opt);
        }
        dropLastGoodIfOff(policy, g);
        boolean mayRollBack = g.hasLastGood && g.badStreak + 1 >= policy.maxBadBatches();
        ModelState state = modelState(w, opt, p, g, mayRollBack);
        if (policy.enabled() && !g.hasLastGood && g.badStreak == 0 && trainer.markGood(state)) {
            // Policy switched on for a trained model, or a pre-guard savepoint: its current state is the last good
            // one (as the offline CLI's --resume does).
            keepLastGood(state, g);
        }
        return new Loaded(state, p, g, stored, isNew, true);
    }

    /** The current model for a timer (without its last-good copy), or null when it has no state. */
    Loaded loadForTimer() throws Exception {
        TrainerProgress p = progress.value();
        if (p == null) {
            return null;
        }
        DivergenceGuard stored = guard.value();
        DivergenceGuard g = copyOf(stored);
        return new Loaded(modelState(params.value(), optimizerState.value(), p, g, false), p, g, stored, false, false);
    }

    /**
     * The state to publish in a snapshot, marked good first ({@link Trainer#markGood}: the state a later rollback
     * returns to, kept with the policy on only, not during a streak of rejected batches). The held last-good copy is
     * read to be overwritten in place (no allocation per snapshot). The result carries the guard fields but not the
     * last-good copy ({@link ModelState#withoutLastGood()}).
     */
    ModelState markGoodForSnapshot(Loaded m, Trainer trainer) throws Exception {
        DivergenceGuard g = m.guard;
        dropLastGoodIfOff(trainer.config().divergence(), g);
        ModelState s = m.state;
        ModelState good = new ModelState(
                s.params(),
                s.optimizerState(),
                s.step(),
                s.rngState(),
                s.examplesSeen(),
                s.skippedBatches(),
                s.lrScale(),
                s.badStreak(),
                s.rollbacks(),
                g.hasLastGood ? lastGoodParams.value() : null,
                g.hasLastGood ? lastGoodOptimizerState.value() : null,
                g.lastGoodStep);
        if (trainer.markGood(good)) {
            keepLastGood(good, g);
        }
        return good.withoutLastGood();
    }

    /** The open metrics window's scored batches, oldest first. */
    Iterable<ScoredBatch> scoredBatches() throws Exception {
        return window.get();
    }

    void addScored(ScoredBatch s) throws Exception {
        window.add(s);
    }

    void clearScored() {
        window.clear();
    }

    /**
     * Writes the model back: the progress always, the parameters and optimizer state after a batch, the guard when it
     * changed.
     */
    void save(Loaded m) throws Exception {
        m.sync();
        if (m.forBatch) {
            params.update(m.state.params());
            optimizerState.update(m.state.optimizerState());
        }
        if (!sameGuard(m.storedGuard == null ? new DivergenceGuard() : m.storedGuard, m.guard)) {
            guard.update(m.guard);
        }
        progress.update(m.progress);
    }

    /**
     * Removes the model (an expired model created from the template): all eight states; when it has published a
     * version, that version is kept as {@code retiredVersion} (see the class comment).
     *
     * @param lastVersion the model's last published version, 0 when none
     */
    void retire(long lastVersion) throws Exception {
        clear();
        if (lastVersion > 0) {
            retiredVersion.update(lastVersion);
        }
    }

    private void clear() {
        params.clear();
        optimizerState.clear();
        progress.clear();
        window.clear();
        guard.clear();
        lastGoodParams.clear();
        lastGoodOptimizerState.clear();
        deltaTracking.clear();
    }

    /** Writes only the progress (a model taken out of the job: its other state stays as it is). */
    void saveProgress(Loaded m) throws Exception {
        progress.update(m.progress);
    }

    /**
     * A model's restored state must fit its configuration: a savepoint resumed with another architecture or optimizer
     * type under the same model id is refused with what to do, instead of failing somewhere inside the learner.
     */
    private static void checkRestoredShape(String id, Trainer trainer, float[] w, float[] opt) {
        int n = trainer.model().numParams();
        int s = trainer.optimizer().stateSize(n);
        if (w.length != n || opt.length != s) {
            throw new IllegalStateException(
                    "model '" + id + "': its restored state has " + w.length
                            + " parameters and " + opt.length + " optimizer values, but models." + id + " now needs "
                            + n
                            + " and " + s
                            + ": a model's architecture and optimizer type cannot change across a savepoint."
                            + " Give the changed model a new id (the old state stays dormant) or restore its old configuration");
        }
    }

    /** A warm-start snapshot must fit the model's configuration (checked at start too, by WarmStart.load). */
    private static void checkSnapshotShape(String id, ModelSnapshot s, Trainer trainer, float[] w, float[] opt) {
        int n = trainer.model().numParams();
        int size = trainer.optimizer().stateSize(n);
        if (w.length != n || opt.length != size) {
            throw new IllegalStateException("model '" + id + "': its warm-start snapshot (version " + s.getVersion()
                    + ") has " + w.length + " parameters and " + opt.length + " optimizer values, but models." + id
                    + " now needs " + n + " and " + size + ": give the changed model a new id or point topics.models"
                    + " at a new topic");
        }
    }

    /** The learner's state over the keyed state's arrays, with the guard fields (and the last-good copy if asked). */
    private ModelState modelState(float[] w, float[] opt, TrainerProgress p, DivergenceGuard g, boolean withLastGood)
            throws Exception {
        float[] goodW = withLastGood ? lastGoodParams.value() : null;
        float[] goodOpt = withLastGood ? lastGoodOptimizerState.value() : null;
        return new ModelState(
                w,
                opt,
                p.step,
                p.rngState,
                p.examplesSeen,
                p.skippedBatches,
                g.lrScale,
                g.badStreak,
                g.rollbacks,
                goodW,
                goodOpt,
                g.lastGoodStep);
    }

    /** Stores the state's last-good copy (just made by {@link Trainer#markGood}). */
    private void keepLastGood(ModelState state, DivergenceGuard g) throws Exception {
        lastGoodParams.update(state.lastGoodParams());
        lastGoodOptimizerState.update(state.lastGoodOptimizerState());
        g.hasLastGood = true;
        g.lastGoodStep = state.lastGoodStep();
    }

    /** With the policy off (switched off since the copy was made), the copy is dropped. */
    private void dropLastGoodIfOff(DivergenceSpec policy, DivergenceGuard g) {
        if (policy.enabled() || !g.hasLastGood) {
            return;
        }
        lastGoodParams.clear();
        lastGoodOptimizerState.clear();
        g.hasLastGood = false;
        g.lastGoodStep = 0;
    }

    /**
     * A working copy of the stored guard (the heap backend hands out the stored object itself), or the defaults when
     * there is none: a new model, or a savepoint taken before the guard was kept.
     */
    private static DivergenceGuard copyOf(DivergenceGuard stored) {
        DivergenceGuard g = new DivergenceGuard();
        if (stored != null) {
            g.lrScale = stored.lrScale;
            g.badStreak = stored.badStreak;
            g.rollbacks = stored.rollbacks;
            g.hasLastGood = stored.hasLastGood;
            g.lastGoodStep = stored.lastGoodStep;
            g.windowRollbacks = stored.windowRollbacks;
            g.windowRollback = stored.windowRollback;
            g.lastWindowAlerted = stored.lastWindowAlerted;
        }
        return g;
    }

    private static boolean sameGuard(DivergenceGuard a, DivergenceGuard b) {
        return Double.doubleToLongBits(a.lrScale) == Double.doubleToLongBits(b.lrScale)
                && a.badStreak == b.badStreak
                && a.rollbacks == b.rollbacks
                && a.hasLastGood == b.hasLastGood
                && a.lastGoodStep == b.lastGoodStep
                && a.windowRollbacks == b.windowRollbacks
                && java.util.Objects.equals(a.windowRollback, b.windowRollback)
                && a.lastWindowAlerted == b.lastWindowAlerted;
    }
}

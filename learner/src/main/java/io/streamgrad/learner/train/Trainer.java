package io.streamgrad.learner.train;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.model.Model;
import io.streamgrad.learner.model.Models;
import io.streamgrad.learner.model.SparseGradient;
import io.streamgrad.learner.model.TouchedSet;
import io.streamgrad.learner.optim.Optimizer;
import io.streamgrad.learner.optim.Optimizers;
import io.streamgrad.learner.schedule.Schedule;
import io.streamgrad.learner.schedule.Schedules;
import io.streamgrad.learner.util.FloatArrays;
import io.streamgrad.learner.util.Rng;

/**
 * One model's training step, in three roles: {@code loss.lossAndGradient} → {@code model.backward} →
 * {@code optimizer.step}. The trainer owns scratch buffers only; the {@link ModelState} belongs to the caller
 * (the offline CLI or the Flink job's keyed state) and is updated in place.
 *
 * <p>Each step is prequential: the batch is scored with the current parameters (those predictions are
 * returned), then the model trains on it. A batch whose loss, gradient, updated parameters or updated optimizer
 * state are not finite is rejected and leaves the model exactly as it was.
 *
 * <p>Divergence policy ({@link DivergenceSpec}, {@code divergence.max_bad_batches = K > 0}): K rejected batches in
 * a row restore the parameters and optimizer state the caller last declared good with {@link #markGood}, and
 * multiply the state's learning-rate scale by {@code lr_backoff}. Everything the policy needs lives in the
 * {@link ModelState}, so a caller that checkpoints state must keep, besides the parameters and optimizer state:
 * {@link ModelState#lrScale()}, {@link ModelState#badStreak()}, {@link ModelState#rollbacks()},
 * {@link ModelState#lastGoodStep()}, and — only with the policy on — the arrays {@link ModelState#lastGoodParams()}
 * and {@link ModelState#lastGoodOptimizerState()}, which change only in {@link #markGood} (and
 * {@link #initState}); it rebuilds the state with the full {@link ModelState} constructor. With the policy off the
 * per-batch cost is unchanged: no copy beyond the per-update backup, no allocation.
 *
 * <p>Not thread-safe: one trainer per thread (Flink: per operator instance).
 */
public final class Trainer {
    private final TrainerConfig config;
    private final Model model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final boolean optimizerRegularizes;
    private final int numParams;
    private final int outputs;
    private final float[] grad;
    /** Lazy updates only: the model's touched-set path (dense batches, FM, MLP) ... */
    private final TouchedSet touched;
    /** ... and the compact path (linear models over sparse batches). */
    private final SparseGradient sparseGrad;
    /** Lazy updates: this step's gradient in compact form, {@code sVal[k]} for coordinate {@code sIdx[k]}. */
    private int[] sIdx;

    private float[] sVal;
    private int sCount;
    private float[] gathered = new float[0];
    private float[] raw = new float[0];
    private float[] dRaw = new float[0];
    private float[] predictions = new float[0];
    private float[] paramsBackup;
    private float[] stateBackup;
    /** What the last {@link #train} call changed: see {@link #changedAll()} and {@link #changedIndices()}. */
    private boolean changedAll;

    private int[] changedIdx = new int[0];
    private int changedCount;

    public Trainer(TrainerConfig config) {
        this.config = config;
        this.model = Models.create(config.model());
        this.loss = config.loss().create(config.huberDelta());
        this.optimizer = Optimizers.create(config.optimizer());
        this.schedule = Schedules.create(config.schedule(), config.optimizer().learningRate());
        this.optimizerRegularizes = config.optimizer().type().appliesRegularization();
        this.numParams = model.numParams();
        this.outputs = model.numOutputs();
        this.grad = new float[numParams];
        this.touched = config.sparseUpdates() ? new TouchedSet(numParams) : null;
        this.sparseGrad = config.sparseUpdates() ? new SparseGradient(numParams) : null;
    }

    public TrainerConfig config() {
        return config;
    }

    public Model model() {
        return model;
    }

    public Loss loss() {
        return loss;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Schedule schedule() {
        return schedule;
    }

    public int outputs() {
        return outputs;
    }

    /**
     * A fresh state: parameters initialised from {@code config.seed()}, optimizer state at its start. With the
     * rollback policy on ({@code divergence.max_bad_batches > 0}) the fresh state is marked good, so there is
     * always something to roll back to.
     */
    public ModelState initState() {
        Rng rng = new Rng(config.seed());
        float[] params = new float[numParams];
        model.initParams(params, rng);
        float[] opt = new float[optimizer.stateSize(numParams)];
        optimizer.initState(opt, numParams);
        ModelState state = new ModelState(params, opt, 0, rng.state(), 0, 0);
        markGood(state);
        return state;
    }

    /**
     * Declares the state's current parameters and optimizer state good: a later rollback
     * ({@code divergence.max_bad_batches} rejected batches in a row) restores them. The copy is kept in the state
     * (so it is checkpointed with it), reusing its arrays once allocated; O(parameters + optimizer state). The
     * streaming job calls this whenever it publishes a snapshot; offline training after every
     * {@link io.streamgrad.learner.config.TrainingOptions#OFFLINE_MARK_GOOD_EVERY} updates without a rejection and at the
     * end of a pass without one since the last mark ({@link OfflineTrainer}).
     *
     * <p>Does nothing while the state is in a streak of rejected batches (its parameters are those that keep
     * failing, not a state worth returning to). With the policy off it keeps no copy: it drops any copy the
     * state holds (for example after the policy was switched off) and returns false.
     *
     * @return whether the state was marked good
     */
    public boolean markGood(ModelState state) {
        if (!config.divergence().enabled()) {
            if (state.hasLastGood()) {
                state.dropLastGood();
            }
            return false;
        }
        if (state.badStreak() > 0) {
            return false;
        }
        checkShape(state);
        state.markGood();
        return true;
    }

    /** Linked predictions ({@code n x k}) for a batch with the given parameters; does not train. */
    public float[] predict(float[] params, Batch batch, float[] out) {
        int n = batch.size();
        ensureCapacity(n);
        model.forward(params, batch, raw);
        float[] result = out != null && out.length >= n * outputs ? out : new float[n * outputs];
        loss.link(raw, n, outputs, result);
        return result;
    }

    /**
     * Scores the batch with the current model, then trains on it (one update) at the schedule's rate times the
     * state's learning-rate scale. A batch whose loss or gradient is not finite, or whose update would make a
     * parameter or an optimizer-state value non-finite, is rejected: the state's parameters and optimizer state
     * are left bit-identical, and the rejection is counted ({@link ModelState#skippedBatches()},
     * {@link ModelState#badStreak()}). When a rejection makes {@code divergence.max_bad_batches} in a row, the
     * model is rolled back to its last-good copy and its learning-rate scale backed off ({@link DivergenceSpec}).
     */
    public StepResult train(ModelState state, Batch batch) {
        changedAll = false;
        changedCount = 0;
        int n = batch.size();
        if (batch.dim() != config.model().features()) {
            throw new IllegalArgumentException("batch has " + batch.dim() + " features, model expects "
                    + config.model().features());
        }
        checkShape(state);
        // lrScale is exactly 1.0 until a rollback, so the product is bit-identical to the schedule's rate.
        double lr = schedule.rate(state.step()) * state.lrScale();
        if (n == 0) {
            return new StepResult(
                    false, "empty batch", Double.NaN, 0, lr, predictions, outputs, false, state.lrScale());
        }
        ensureCapacity(n);
        float[] params = state.params();
        model.forward(params, batch, raw);
        loss.link(raw, n, outputs, predictions);
        double batchLoss = loss.lossAndGradient(raw, batch.labels(), batch.weights(), n, outputs, dRaw);
        if (!Double.isFinite(batchLoss)) {
            return reject(state, "non-finite loss " + batchLoss, batchLoss, Double.NaN, lr);
        }

        if (touched == null) {
            model.gradient(params, batch, dRaw, grad);
        } else {
            sparseGradient(params, batch);
        }
        if (!optimizerRegularizes) {
            addRegularization(params);
        }
        double norm = gradientNorm();
        if (!Double.isFinite(norm)) {
            clearGradient();
            return reject(state, "non-finite gradient", batchLoss, norm, lr);
        }
        clip(norm);

        long t = state.step() + 1;
        if (touched == null) {
            // The optimizer's checked step, where it has one: checked before written, so no copy to undo it.
            int checked = optimizer.stepIfFinite(params, grad, state.optimizerState(), t, lr);
            if (checked != Optimizer.UNSUPPORTED) {
                if (checked != Optimizer.APPLIED) {
                    return reject(
                            state,
                            checked == Optimizer.PARAMS_NOT_FINITE ? PARAMS_NOT_FINITE : stateNotFinite(),
                            batchLoss,
                            norm,
                            lr);
                }
                clipWeights(params); // clipping finite values leaves them finite
                changedAll = true;
                state.advance(n);
                return new StepResult(true, null, batchLoss, norm, lr, predictions, outputs, false, state.lrScale());
            }
        } else {
            int checked = optimizer.stepSparseIfFinite(params, sVal, state.optimizerState(), t, lr, sIdx, sCount);
            if (checked != Optimizer.UNSUPPORTED) {
                if (checked != Optimizer.APPLIED) {
                    clearGradient();
                    return reject(
                            state,
                            checked == Optimizer.PARAMS_NOT_FINITE ? PARAMS_NOT_FINITE : stateNotFinite(),
                            batchLoss,
                            norm,
                            lr);
                }
                clipWeights(params);
                keepChanged();
                clearGradient();
                state.advance(n);
                return new StepResult(true, null, batchLoss, norm, lr, predictions, outputs, false, state.lrScale());
            }
        }
        backup(state);
        if (touched == null) {
            optimizer.step(params, grad, state.optimizerState(), t, lr);
        } else {
            optimizer.stepSparse(params, sVal, state.optimizerState(), t, lr, sIdx, sCount);
        }
        clipWeights(params);
        String nonFinite = !finite(params, 1)
                ? PARAMS_NOT_FINITE
                : !finite(state.optimizerState(), optimizerBlocks(state)) ? stateNotFinite() : null;
        if (nonFinite != null) {
            restore(state);
            clearGradient();
            return reject(state, nonFinite, batchLoss, norm, lr);
        }
        if (touched == null) {
            changedAll = true;
        } else {
            keepChanged();
        }
        clearGradient();
        state.advance(n);
        return new StepResult(true, null, batchLoss, norm, lr, predictions, outputs, false, state.lrScale());
    }

    /**
     * Whether the last {@link #train} call may have changed any parameter, not only {@link #changedIndices()}: an
     * update on the dense path ({@code sparse_updates: false}) or a rollback to the last-good state. A rejected batch
     * without a rollback changes nothing (false, with no changed indices).
     */
    public boolean changedAll() {
        return changedAll;
    }

    /**
     * The parameter indices the last {@link #train} call changed on the lazy path ({@code sparse_updates: true}): the
     * first {@link #changedCount()} entries, in no particular order, without repeats. Every parameter outside them
     * is bit-identical to its value before the call (unless {@link #changedAll()}). The array is the trainer's
     * scratch: valid until the next call, never to be written.
     */
    public int[] changedIndices() {
        return changedIdx;
    }

    /** How many of {@link #changedIndices()} the last {@link #train} call changed. */
    public int changedCount() {
        return changedCount;
    }

    /** Keeps the accepted lazy step's coordinates (the compact gradient's indices stay valid until the next step). */
    private void keepChanged() {
        changedIdx = sIdx;
        changedCount = sCount;
    }

    private static final String PARAMS_NOT_FINITE = "update would make a parameter non-finite";

    private String stateNotFinite() {
        return "update would make the " + optimizer.name() + " optimizer state non-finite";
    }

    /**
     * Counts a rejected batch (the model is as it was) and applies the rollback policy when the batch completes
     * {@code max_bad_batches} rejections in a row.
     */
    private StepResult reject(ModelState state, String reason, double batchLoss, double norm, double lr) {
        state.skip();
        DivergenceSpec policy = config.divergence();
        if (!policy.enabled() || state.badStreak() < policy.maxBadBatches()) {
            return new StepResult(false, reason, batchLoss, norm, lr, predictions, outputs, false, state.lrScale());
        }
        int streak = state.badStreak();
        long goodStep = state.lastGoodStep();
        double scale = Math.max(policy.minLrScale(), state.lrScale() * policy.lrBackoff());
        boolean restored = state.rollBack(scale);
        changedAll = restored;
        String action = restored
                ? "rolled back to the state marked good at step " + goodStep
                : "no state was marked good, parameters kept";
        return new StepResult(
                false,
                reason + "; " + streak + " rejected batches in a row (divergence.max_bad_batches): " + action
                        + ", learning-rate scale now " + scale,
                batchLoss,
                norm,
                lr,
                predictions,
                outputs,
                true,
                scale);
    }

    private void checkShape(ModelState state) {
        if (state.params().length != numParams) {
            throw new IllegalArgumentException(
                    "state has " + state.params().length + " parameters, the model " + numParams);
        }
    }

    private int optimizerBlocks(ModelState state) {
        return numParams == 0 ? 0 : state.optimizerState().length / numParams;
    }

    private void ensureCapacity(int n) {
        int need = n * outputs;
        if (raw.length < need) {
            raw = new float[need];
            dRaw = new float[need];
            predictions = new float[need];
        }
    }

    /**
     * The lazy update's gradient in compact form ({@link #sIdx}, {@link #sVal}, {@link #sCount}): from the model's
     * compact path where it has one, else from its touched-set path, gathered (and the dense vector zeroed again).
     */
    private void sparseGradient(float[] params, Batch batch) {
        if (model.backwardSparse(params, batch, dRaw, sparseGrad)) {
            sIdx = sparseGrad.indices();
            sVal = sparseGrad.values();
            sCount = sparseGrad.count();
            return;
        }
        model.backward(params, batch, dRaw, grad, touched);
        int c = touched.count();
        int[] idx = touched.indices();
        if (gathered.length < c) {
            gathered = new float[Math.max(c, 2 * gathered.length)];
        }
        for (int k = 0; k < c; k++) {
            int i = idx[k];
            gathered[k] = grad[i];
            grad[i] = 0f;
        }
        sIdx = idx;
        sVal = gathered;
        sCount = c;
    }

    private void addRegularization(float[] params) {
        double l1 = config.regularization().l1();
        double l2 = config.regularization().l2();
        if (l1 == 0 && l2 == 0) {
            return;
        }
        if (touched == null) {
            for (int i = 0; i < numParams; i++) {
                if (!model.isBias(i)) {
                    grad[i] += (float) (l1 * Math.signum(params[i]) + l2 * params[i]);
                }
            }
        } else {
            for (int k = 0; k < sCount; k++) {
                int i = sIdx[k];
                if (!model.isBias(i)) {
                    sVal[k] += (float) (l1 * Math.signum(params[i]) + l2 * params[i]);
                }
            }
        }
    }

    private double gradientNorm() {
        if (touched == null) {
            double fast = FloatArrays.sumOfSquares(grad);
            // A finite float sum proves every element finite; otherwise recompute exactly (a gradient with
            // elements beyond 1.8e19 overflows float squares but may still have a finite norm in double).
            return Math.sqrt(Double.isFinite(fast) ? fast : FloatArrays.exactSumOfSquares(grad));
        }
        double s = 0;
        for (int k = 0; k < sCount; k++) {
            double g = sVal[k];
            s += g * g;
        }
        return Math.sqrt(s);
    }

    private void clip(double norm) {
        double byValue = config.clipping().value();
        double byNorm = config.clipping().globalNorm();
        // Dense: the gradient vector; lazy: the compact values.
        float[] g = touched == null ? grad : sVal;
        int len = touched == null ? numParams : sCount;
        if (byValue > 0) {
            float c = (float) byValue;
            for (int k = 0; k < len; k++) {
                g[k] = Math.max(-c, Math.min(c, g[k]));
            }
        }
        if (byNorm > 0) {
            // The norm after value clipping is what global-norm clipping bounds.
            double current = byValue > 0 ? gradientNorm() : norm;
            if (current > byNorm) {
                float scale = (float) (byNorm / current);
                for (int k = 0; k < len; k++) {
                    g[k] *= scale;
                }
            }
        }
    }

    private void clipWeights(float[] params) {
        double w = config.clipping().weight();
        if (w <= 0) {
            return;
        }
        float c = (float) w;
        if (touched == null) {
            for (int i = 0; i < numParams; i++) {
                params[i] = Math.max(-c, Math.min(c, params[i]));
            }
        } else {
            for (int k = 0; k < sCount; k++) {
                int i = sIdx[k];
                params[i] = Math.max(-c, Math.min(c, params[i]));
            }
        }
    }

    /**
     * Whether every value the update may have changed is finite: all of {@code a} on the dense path, the touched
     * coordinates of each of its {@code blocks} blocks of {@code numParams} on the sparse path.
     */
    private boolean finite(float[] a, int blocks) {
        if (touched == null) {
            return FloatArrays.allFinite(a);
        }
        int[] idx = sIdx;
        for (int b = 0; b < blocks; b++) {
            int base = b * numParams;
            for (int k = 0, c = sCount; k < c; k++) {
                if (!Float.isFinite(a[base + idx[k]])) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Keeps what the update may change, so a non-finite result can be undone exactly: every parameter and
     * optimizer-state value on the dense path, the touched coordinates on the sparse path.
     *
     * <p>Used where the optimizer has no checked step ({@link Optimizer#stepIfFinite}; Adam and AdamW have one,
     * which proves the update finite before writing it, so their dense path needs no copy): the other optimizers
     * update in place, and whether an update overflows is known only after it ran. Skipping the copy when
     * overflow is provably impossible would need a per-rule bound kept in step with every optimizer, which a later
     * change to a rule could silently invalidate; the checked step evaluates the rule itself instead.
     */
    private void backup(ModelState state) {
        float[] params = state.params();
        float[] opt = state.optimizerState();
        if (touched == null) {
            if (paramsBackup == null || paramsBackup.length < params.length) {
                paramsBackup = new float[params.length];
                stateBackup = new float[opt.length];
            }
            System.arraycopy(params, 0, paramsBackup, 0, params.length);
            System.arraycopy(opt, 0, stateBackup, 0, opt.length);
            return;
        }
        // Sparse: the touched values in touched order, in buffers sized by the batch, not the model (a copy into
        // parameter-sized arrays scattered its writes over megabytes; docs/BENCHMARKS.md#sparse-kernels).
        int blocks = numParams == 0 ? 0 : opt.length / numParams;
        int c = sCount;
        if (paramsBackup == null || paramsBackup.length < c) {
            paramsBackup = new float[Math.max(c, 1024)];
        }
        if (stateBackup == null || stateBackup.length < c * blocks) {
            stateBackup = new float[Math.max(c, 1024) * blocks];
        }
        int[] idx = sIdx;
        for (int k = 0; k < c; k++) {
            paramsBackup[k] = params[idx[k]];
        }
        for (int b = 0; b < blocks; b++) {
            int base = b * numParams;
            int to = b * c;
            for (int k = 0; k < c; k++) {
                stateBackup[to + k] = opt[base + idx[k]];
            }
        }
    }

    private void restore(ModelState state) {
        float[] params = state.params();
        float[] opt = state.optimizerState();
        if (touched == null) {
            System.arraycopy(paramsBackup, 0, params, 0, params.length);
            System.arraycopy(stateBackup, 0, opt, 0, opt.length);
            return;
        }
        int blocks = numParams == 0 ? 0 : opt.length / numParams;
        int c = sCount;
        int[] idx = sIdx;
        for (int k = 0; k < c; k++) {
            params[idx[k]] = paramsBackup[k];
        }
        for (int b = 0; b < blocks; b++) {
            int base = b * numParams;
            int from = b * c;
            for (int k = 0; k < c; k++) {
                opt[base + idx[k]] = stateBackup[from + k];
            }
        }
    }

    private void clearGradient() {
        if (touched == null) {
            return; // zeroed in full before the next backward
        }
        // The dense vector of the touched-set path was zeroed as it was gathered.
        touched.clear();
        sparseGrad.clear();
        sCount = 0;
    }
}

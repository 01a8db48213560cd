package io.streamgrad.learner.train;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.loss.Losses;
import io.streamgrad.learner.model.Model;
import io.streamgrad.learner.model.Models;
import io.streamgrad.learner.model.TouchedSet;
import io.streamgrad.learner.optim.Optimizer;
import io.streamgrad.learner.optim.Optimizers;
import io.streamgrad.learner.schedule.Schedule;
import io.streamgrad.learner.schedule.Schedules;
import io.streamgrad.learner.util.Rng;
import java.util.Arrays;

/**
 * One model's training step, in three roles: {@code loss.lossAndGradient} → {@code model.backward} →
 * {@code optimizer.step}. The trainer owns scratch buffers only; the {@link ModelState} belongs to the caller
 * (the offline CLI or the Flink job's keyed state) and is updated in place.
 *
 * <p>Each step is prequential: the batch is scored with the current parameters (those predictions are
 * returned), then the model trains on it. A batch whose loss, gradient or updated parameters are not finite is
 * rejected and leaves the model exactly as it was.
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
    private final TouchedSet touched;
    private float[] raw = new float[0];
    private float[] dRaw = new float[0];
    private float[] predictions = new float[0];
    private float[] paramsBackup;
    private float[] stateBackup;

    public Trainer(TrainerConfig config) {
        this.config = config;
        this.model = Models.create(config.model());
        this.loss = Losses.create(config.loss(), config.huberDelta());
        this.optimizer = Optimizers.create(config.optimizer());
        this.schedule = Schedules.create(config.schedule(), config.optimizer().learningRate());
        this.optimizerRegularizes = "ftrl".equals(config.optimizer().type());
        this.numParams = model.numParams();
        this.outputs = model.numOutputs();
        this.grad = new float[numParams];
        this.touched = config.sparseUpdates() ? new TouchedSet(numParams) : null;
    }

    public TrainerConfig config() { return config; }
    public Model model() { return model; }
    public Loss loss() { return loss; }
    public Optimizer optimizer() { return optimizer; }
    public Schedule schedule() { return schedule; }
    public int outputs() { return outputs; }

    /** A fresh state: parameters initialised from {@code config.seed()}, optimizer state at its start. */
    public ModelState initState() {
        Rng rng = new Rng(config.seed());
        float[] params = new float[numParams];
        model.initParams(params, rng);
        float[] opt = new float[optimizer.stateSize(numParams)];
        optimizer.initState(opt, numParams);
        return new ModelState(params, opt, 0, rng.state(), 0, 0);
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

    /** Scores the batch with the current model, then trains on it (one update). */
    public StepResult train(ModelState state, Batch batch) {
        int n = batch.size();
        if (batch.dim() != config.model().features()) {
            throw new IllegalArgumentException("batch has " + batch.dim() + " features, model expects "
                    + config.model().features());
        }
        double lr = schedule.rate(state.step());
        if (n == 0) {
            return new StepResult(false, "empty batch", Double.NaN, 0, lr, predictions, outputs);
        }
        ensureCapacity(n);
        float[] params = state.params();
        model.forward(params, batch, raw);
        loss.link(raw, n, outputs, predictions);
        double batchLoss = loss.lossAndGradient(raw, batch.labels(), batch.weights(), n, outputs, dRaw);
        if (!Double.isFinite(batchLoss)) {
            state.skip();
            return new StepResult(false, "non-finite loss " + batchLoss, batchLoss, Double.NaN, lr, predictions,
                    outputs);
        }

        if (touched == null) {
            Arrays.fill(grad, 0f);
        }
        model.backward(params, batch, dRaw, grad, touched);
        if (!optimizerRegularizes) {
            addRegularization(params);
        }
        double norm = gradientNorm();
        if (!Double.isFinite(norm)) {
            clearGradient();
            state.skip();
            return new StepResult(false, "non-finite gradient", batchLoss, norm, lr, predictions, outputs);
        }
        clip(norm);

        backup(state);
        long t = state.step() + 1;
        if (touched == null) {
            optimizer.step(params, grad, state.optimizerState(), t, lr);
        } else {
            optimizer.stepSparse(params, grad, state.optimizerState(), t, lr, touched.indices(), touched.count());
        }
        clipWeights(params);
        if (!paramsFinite(params)) {
            restore(state);
            clearGradient();
            state.skip();
            return new StepResult(false, "update would make a parameter non-finite", batchLoss, norm, lr,
                    predictions, outputs);
        }
        clearGradient();
        state.advance(n);
        return new StepResult(true, null, batchLoss, norm, lr, predictions, outputs);
    }

    private void ensureCapacity(int n) {
        int need = n * outputs;
        if (raw.length < need) {
            raw = new float[need];
            dRaw = new float[need];
            predictions = new float[need];
        }
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
            int[] idx = touched.indices();
            for (int k = 0, c = touched.count(); k < c; k++) {
                int i = idx[k];
                if (!model.isBias(i)) {
                    grad[i] += (float) (l1 * Math.signum(params[i]) + l2 * params[i]);
                }
            }
        }
    }

    private double gradientNorm() {
        double s = 0;
        if (touched == null) {
            for (float g : grad) {
                s += (double) g * g;
            }
        } else {
            int[] idx = touched.indices();
            for (int k = 0, c = touched.count(); k < c; k++) {
                double g = grad[idx[k]];
                s += g * g;
            }
        }
        return Math.sqrt(s);
    }

    private void clip(double norm) {
        double byValue = config.clipping().value();
        double byNorm = config.clipping().globalNorm();
        if (byValue > 0) {
            float c = (float) byValue;
            forEachGradient(i -> grad[i] = Math.max(-c, Math.min(c, grad[i])));
        }
        if (byNorm > 0) {
            // The norm after value clipping is what global-norm clipping bounds.
            double current = byValue > 0 ? gradientNorm() : norm;
            if (current > byNorm) {
                float scale = (float) (byNorm / current);
                forEachGradient(i -> grad[i] *= scale);
            }
        }
    }

    private void clipWeights(float[] params) {
        double w = config.clipping().weight();
        if (w <= 0) {
            return;
        }
        float c = (float) w;
        forEachGradient(i -> params[i] = Math.max(-c, Math.min(c, params[i])));
    }

    private boolean paramsFinite(float[] params) {
        if (touched == null) {
            for (float p : params) {
                if (!Float.isFinite(p)) {
                    return false;
                }
            }
            return true;
        }
        int[] idx = touched.indices();
        for (int k = 0, c = touched.count(); k < c; k++) {
            if (!Float.isFinite(params[idx[k]])) {
                return false;
            }
        }
        return true;
    }

    /** Keeps what the update may change, so a non-finite result can be undone exactly. */
    private void backup(ModelState state) {
        float[] params = state.params();
        float[] opt = state.optimizerState();
        if (paramsBackup == null) {
            paramsBackup = new float[params.length];
            stateBackup = new float[opt.length];
        }
        if (touched == null) {
            System.arraycopy(params, 0, paramsBackup, 0, params.length);
            System.arraycopy(opt, 0, stateBackup, 0, opt.length);
            return;
        }
        int blocks = numParams == 0 ? 0 : opt.length / numParams;
        int[] idx = touched.indices();
        for (int k = 0, c = touched.count(); k < c; k++) {
            int i = idx[k];
            paramsBackup[i] = params[i];
            for (int b = 0; b < blocks; b++) {
                stateBackup[b * numParams + i] = opt[b * numParams + i];
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
        int[] idx = touched.indices();
        for (int k = 0, c = touched.count(); k < c; k++) {
            int i = idx[k];
            params[i] = paramsBackup[i];
            for (int b = 0; b < blocks; b++) {
                opt[b * numParams + i] = stateBackup[b * numParams + i];
            }
        }
    }

    private void clearGradient() {
        if (touched == null) {
            return; // zeroed in full before the next backward
        }
        int[] idx = touched.indices();
        for (int k = 0, c = touched.count(); k < c; k++) {
            grad[idx[k]] = 0f;
        }
        touched.clear();
    }

    private void forEachGradient(java.util.function.IntConsumer op) {
        if (touched == null) {
            for (int i = 0; i < numParams; i++) {
                op.accept(i);
            }
        } else {
            int[] idx = touched.indices();
            for (int k = 0, c = touched.count(); k < c; k++) {
                op.accept(idx[k]);
            }
        }
    }
}

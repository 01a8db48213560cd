package io.streamgrad.learner.train;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.model.Model;
import io.streamgrad.learner.model.Models;

/**
 * Scores batches with fixed parameters (no training): linked predictions and, when the batch has valid labels,
 * the mean weighted loss. Used by {@code predict} and {@code evaluate}. Not thread-safe (scratch buffers).
 */
public final class Predictor {
    private final Model model;
    private final Loss loss;
    private final int outputs;
    private float[] raw = new float[0];

    public Predictor(TrainerConfig config) {
        this.model = Models.create(config.model());
        this.loss = config.loss().create(config.huberDelta());
        this.outputs = model.numOutputs();
    }

    /** Width of a prediction row: 1, or k class probabilities. */
    public int outputs() {
        return outputs;
    }

    public int numParams() {
        return model.numParams();
    }

    /** Linked predictions ({@code n x outputs}, row-major) into {@code out} (allocated when too small). */
    public float[] predict(float[] params, Batch batch, float[] out) {
        checkParams(params);
        int n = batch.size();
        forward(params, batch);
        float[] result = out != null && out.length >= n * outputs ? out : new float[n * outputs];
        loss.link(raw, n, outputs, result);
        return result;
    }

    /**
     * Predictions as {@link #predict}, plus the batch's mean weighted loss ({@code sum w_i * loss_i / n}, the
     * training loss's convention) returned.
     */
    public double predictWithLoss(float[] params, Batch batch, float[] out) {
        predict(params, batch, out);
        int n = batch.size();
        if (n == 0) {
            return Double.NaN;
        }
        double sum = 0;
        float[] w = batch.weights();
        for (int i = 0; i < n; i++) {
            sum += w[i] * loss.exampleLoss(raw, batch.labels(), i, outputs);
        }
        return sum / n;
    }

    private void forward(float[] params, Batch batch) {
        int need = batch.size() * outputs;
        if (raw.length < need) {
            raw = new float[need];
        }
        model.forward(params, batch, raw);
    }

    private void checkParams(float[] params) {
        if (params.length != model.numParams()) {
            throw new IllegalArgumentException("the model state has " + params.length + " parameters, the config's "
                    + "model has " + model.numParams() + "; the state does not belong to this config");
        }
    }
}

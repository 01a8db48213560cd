package io.streamgrad.bench;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.model.Model;
import io.streamgrad.learner.train.Trainer;
import java.util.Arrays;
import java.util.List;

/**
 * The MLP step {@link Trainer#train} takes, with the three changes the profile points at, so their combined effect
 * is measured rather than added up: the same model ({@link Trainer#model()}: the same ND4J forward and backward)
 * and loss, then
 * <ol>
 *   <li>the gradient norm with eight independent float partial sums ({@link DenseKernels#blockedNorm}'s loop)
 *       instead of one serial double accumulator;</li>
 *   <li>Adam with the two moments in separate arrays, in float, so that C2 vectorises the loop
 *       ({@link DenseKernels#floatAdamSplitState}'s loop) — the learner keeps {@code m} and {@code v} in one
 *       array at {@code i} and {@code n + i}, which keeps its loop scalar;</li>
 *   <li>no rollback copy of parameters and optimizer state (the finiteness check of both stays, as the trainer
 *       does it; a real trainer would need another way to undo a non-finite update, such as checking the update
 *       before writing it).</li>
 * </ol>
 * Not a trainer: no schedule, clipping or regularisation (the benchmark configuration uses none of them), no
 * rejection. It exists to put a measured number on "what the fixes would give".
 */
public final class WhatIfStep {
    private final Model model;
    private final Loss loss;
    private final int outputs;
    private final float[] params;
    private final float[] grad;
    private final float[] m;
    private final float[] v;
    private final List<Batch> batches;
    private final float[] raw;
    private final float[] dRaw;
    private final float[] pred;
    private int next;
    private long t;

    public WhatIfStep(Trainer trainer, float[] initialParams, List<Batch> batches) {
        this.model = trainer.model();
        this.loss = trainer.loss();
        this.outputs = model.numOutputs();
        this.params = initialParams.clone();
        this.grad = new float[params.length];
        this.m = new float[params.length];
        this.v = new float[params.length];
        this.batches = batches;
        int n = batches.get(0).size();
        this.raw = new float[n * outputs];
        this.dRaw = new float[n * outputs];
        this.pred = new float[n * outputs];
    }

    /** One step on the next batch; returns the batch loss. */
    public double step() {
        Batch b = batches.get(next);
        next = next + 1 == batches.size() ? 0 : next + 1;
        int n = b.size();
        model.forward(params, b, raw);
        loss.link(raw, n, outputs, pred);
        double batchLoss = loss.lossAndGradient(raw, b.labels(), b.weights(), n, outputs, dRaw);
        Arrays.fill(grad, 0f);
        model.backward(params, b, dRaw, grad, null);
        double norm = blockedSquaredNorm(grad);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("non-finite gradient at step " + t);
        }
        adam(++t);
        // The trainer's check, kept: parameters and optimizer state (here m and v).
        if (!allFinite(params) || !allFinite(m) || !allFinite(v)) {
            throw new IllegalStateException("non-finite parameter or optimizer state at step " + t);
        }
        return batchLoss;
    }

    private static boolean allFinite(float[] values) {
        for (float x : values) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private void adam(long step) {
        int n = params.length;
        float b1 = (float) BenchConfigs.ADAM_BETA1;
        float b2 = (float) BenchConfigs.ADAM_BETA2;
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        double bc2 = Math.sqrt(1 - Math.pow(BenchConfigs.ADAM_BETA2, step));
        float alpha = (float) (BenchConfigs.ADAM_LR * bc2 / (1 - Math.pow(BenchConfigs.ADAM_BETA1, step)));
        float epsHat = (float) (BenchConfigs.ADAM_EPS * bc2);
        float[] w = params;
        float[] g = grad;
        float[] ms = m;
        float[] vs = v;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = b1 * ms[i] + c1 * gi;
            float vi = b2 * vs[i] + c2 * gi * gi;
            ms[i] = mi;
            vs[i] = vi;
            w[i] -= alpha * mi / ((float) Math.sqrt(vi) + epsHat);
        }
    }

    static double blockedSquaredNorm(float[] g) {
        double total = 0;
        int n = g.length;
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + 1024);
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            float s4 = 0;
            float s5 = 0;
            float s6 = 0;
            float s7 = 0;
            for (; i + 7 < end; i += 8) {
                s0 += g[i] * g[i];
                s1 += g[i + 1] * g[i + 1];
                s2 += g[i + 2] * g[i + 2];
                s3 += g[i + 3] * g[i + 3];
                s4 += g[i + 4] * g[i + 4];
                s5 += g[i + 5] * g[i + 5];
                s6 += g[i + 6] * g[i + 6];
                s7 += g[i + 7] * g[i + 7];
            }
            for (; i < end; i++) {
                s0 += g[i] * g[i];
            }
            total += (double) ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        }
        return total;
    }
}

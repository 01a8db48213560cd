package io.streamgrad.bench;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.model.Model;
import io.streamgrad.learner.model.SparseGradient;
import io.streamgrad.learner.model.TouchedSet;
import io.streamgrad.learner.optim.Optimizer;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Trainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the time of one lazy (sparse-update) training step goes: {@link Trainer#train}'s sparse path replayed
 * phase by phase through its public parts, with the trainer's own passes re-created as the same loops (gradient
 * norm over the compact gradient; for optimizers without a checked sparse step the rollback copy into a compact
 * buffer and the finiteness check; clearing).
 *
 * <p>With 2^20 hashed features the arrays are large (a weight and its optimizer state live in different arrays of
 * 4–67 MB) and the indices random, so each phase is mostly cache misses; the profile says which array walks cost
 * what. The gradient itself is compact ({@link SparseGradient}, a batch-sized table) where the model has that
 * path, else a model-sized vector plus a {@link TouchedSet}, gathered.
 */
public final class SparsePhases {
    private final Model model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final double lr;
    private final float[] params;
    private final float[] optState;
    private final float[] grad;
    private float[] compactBackup = new float[0];
    private float[] gathered = new float[0];
    private final TouchedSet touched;
    private final SparseGradient sparseGrad;
    private final List<Batch> batches;
    private final int blocks;
    private final float[] raw;
    private final float[] dRaw;
    private final float[] pred;
    private final boolean checked;
    private long t;

    public SparsePhases(Trainer trainer, ModelState state, List<Batch> batches) {
        this.model = trainer.model();
        this.loss = trainer.loss();
        this.optimizer = trainer.optimizer();
        this.lr = trainer.config().optimizer().learningRate();
        this.params = state.params().clone();
        this.optState = state.optimizerState().clone();
        this.grad = new float[params.length];
        this.touched = new TouchedSet(params.length);
        this.sparseGrad = new SparseGradient(params.length);
        this.batches = batches;
        this.blocks = params.length == 0 ? 0 : optState.length / params.length;
        int n = batches.get(0).size();
        this.raw = new float[n];
        this.dRaw = new float[n];
        this.pred = new float[n];
        this.checked = optimizer.stepSparseIfFinite(
                        new float[1], new float[1], new float[optimizer.stateSize(1)], 1, lr, new int[] {0}, 0)
                != Optimizer.UNSUPPORTED;
    }

    /**
     * Mean microseconds per step of each phase over {@code steps} steps (after {@code warmup} untimed ones), by
     * the calling thread's CPU time ({@code cpu}) or the wall clock.
     */
    public Map<String, Double> profile(int warmup, int steps, boolean cpu) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier clock = cpu ? mx::getCurrentThreadCpuTime : System::nanoTime;
        long[] ns = new long[8];
        long touchedTotal = 0;
        for (int s = 0; s < warmup + steps; s++) {
            Batch b = batches.get(s % batches.size());
            int n = b.size();
            long t0 = clock.getAsLong();
            model.forward(params, b, raw);
            long t1 = clock.getAsLong();
            loss.link(raw, n, 1, pred);
            loss.lossAndGradient(raw, b.labels(), b.weights(), n, 1, dRaw);
            long t2 = clock.getAsLong();
            int[] idx;
            float[] g;
            int count;
            if (model.backwardSparse(params, b, dRaw, sparseGrad)) {
                idx = sparseGrad.indices();
                g = sparseGrad.values();
                count = sparseGrad.count();
            } else {
                model.backward(params, b, dRaw, grad, touched);
                idx = touched.indices();
                count = touched.count();
                if (gathered.length < count) {
                    gathered = new float[2 * count];
                }
                for (int k = 0; k < count; k++) {
                    gathered[k] = grad[idx[k]];
                    grad[idx[k]] = 0f;
                }
                g = gathered;
            }
            long t3 = clock.getAsLong();
            double norm = 0;
            for (int k = 0; k < count; k++) {
                double gk = g[k];
                norm += gk * gk;
            }
            long t4 = clock.getAsLong();
            boolean finite;
            long t5;
            long t6;
            long t7;
            if (checked) {
                t5 = t4;
                t6 = t4;
                finite = optimizer.stepSparseIfFinite(params, g, optState, ++t, lr, idx, count) == Optimizer.APPLIED;
                t7 = clock.getAsLong();
            } else {
                int need = count * (1 + blocks);
                if (compactBackup.length < need) {
                    compactBackup = new float[need];
                }
                for (int k = 0, c = 0; k < count; k++) {
                    int i = idx[k];
                    compactBackup[c++] = params[i];
                    for (int q = 0; q < blocks; q++) {
                        compactBackup[c++] = optState[q * params.length + i];
                    }
                }
                t5 = clock.getAsLong();
                optimizer.stepSparse(params, g, optState, ++t, lr, idx, count);
                t6 = clock.getAsLong();
                finite = touchedFinite(idx, count);
                t7 = clock.getAsLong();
            }
            touched.clear();
            sparseGrad.clear();
            long t8 = clock.getAsLong();
            if (!finite || Double.isNaN(norm)) {
                throw new IllegalStateException("profiled step went non-finite at step " + t);
            }
            if (s >= warmup) {
                long[] d = {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7};
                for (int i = 0; i < d.length; i++) {
                    ns[i] += d[i];
                }
                touchedTotal += count;
            }
        }
        String[] names = {
            "model.forward",
            "loss.link + lossAndGradient",
            "model backward -> compact gradient",
            "trainer: gradient norm (compact)",
            "trainer: rollback copy, compact buffer",
            "optimizer.stepSparse",
            checked
                    ? "optimizer.stepSparseIfFinite (gather, update, check, write)"
                    : "trainer: finiteness check (params + opt state)",
            "trainer: clear gradient"
        };
        Map<String, Double> us = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            if (checked && (i == 4 || i == 5)) {
                continue; // no copy and no separate step: the checked step is one phase
            }
            us.put(names[i], ns[i] / 1e3 / steps);
        }
        us.put("touched coordinates per step", (double) touchedTotal / steps);
        return us;
    }

    /** The trainer's check, loop for loop (early exit on the first non-finite value). */
    private boolean touchedFinite(int[] idx, int count) {
        for (int k = 0; k < count; k++) {
            if (!Float.isFinite(params[idx[k]])) {
                return false;
            }
        }
        // Since the divergence policy the trainer also checks the touched coordinates of each state block.
        for (int q = 0; q < blocks; q++) {
            int base = q * params.length;
            for (int k = 0; k < count; k++) {
                if (!Float.isFinite(optState[base + idx[k]])) {
                    return false;
                }
            }
        }
        return true;
    }
}

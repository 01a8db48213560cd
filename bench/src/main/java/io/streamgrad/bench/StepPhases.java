package io.streamgrad.bench;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.model.Model;
import io.streamgrad.learner.optim.Optimizer;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.util.FloatArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the time of one dense training step goes: the step of {@link Trainer#train} replayed phase by phase
 * through the public parts it is made of ({@link Trainer#model()}, {@link Trainer#loss()},
 * {@link Trainer#optimizer()}), with the trainer's own O(parameters) pass (the gradient's norm by
 * {@link FloatArrays#sumOfSquares}) done the same way and the update by the optimizer's checked step
 * ({@link Optimizer#stepIfFinite}: a read-only pass that proves the update finite, then the update; no rollback
 * copy, no check after). Each phase is timed over many steps; the
 * sum is compared with the measured {@code Trainer.train} time, so a phase missing from the list shows up as a
 * gap.
 *
 * <p>This is the profile behind the MLP findings in {@code docs/BENCHMARKS.md}: it needs no profiler agent and
 * runs anywhere the benchmarks run ({@code ./streamgrad bench --profile}).
 */
public final class StepPhases {
    private final Model model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final float[] params;
    private final float[] optState;
    private final float[] grad;
    private final List<Batch> batches;
    private final int outputs;
    private final float[] raw;
    private final float[] dRaw;
    private final float[] pred;
    private long t;

    public StepPhases(Trainer trainer, ModelState state, List<Batch> batches) {
        this.model = trainer.model();
        this.loss = trainer.loss();
        this.optimizer = trainer.optimizer();
        this.params = state.params().clone();
        this.optState = state.optimizerState().clone();
        this.grad = new float[params.length];
        this.batches = batches;
        this.outputs = model.numOutputs();
        int n = batches.get(0).size();
        this.raw = new float[n * outputs];
        this.dRaw = new float[n * outputs];
        this.pred = new float[n * outputs];
    }

    /**
     * Mean microseconds per step of each phase over {@code steps} steps (after {@code warmup} untimed ones), by
     * the calling thread's CPU time ({@code cpu}; with one native thread the ND4J calls run on it) or the wall
     * clock.
     */
    public Map<String, Double> profile(int warmup, int steps, boolean cpu) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier clock = cpu ? mx::getCurrentThreadCpuTime : System::nanoTime;
        long[] ns = new long[6];
        for (int s = 0; s < warmup + steps; s++) {
            Batch b = batches.get(s % batches.size());
            int n = b.size();
            long t0 = clock.getAsLong();
            model.forward(params, b, raw);
            long t1 = clock.getAsLong();
            loss.link(raw, n, outputs, pred);
            loss.lossAndGradient(raw, b.labels(), b.weights(), n, outputs, dRaw);
            long t2 = clock.getAsLong();
            long t3 = t2;
            model.gradient(params, b, dRaw, grad); // what the trainer calls: overwrites grad, no zero fill
            long t4 = clock.getAsLong();
            double norm = Math.sqrt(FloatArrays.sumOfSquares(grad));
            long t5 = clock.getAsLong();
            int code = optimizer.stepIfFinite(params, grad, optState, ++t, BenchConfigs.ADAM_LR);
            long t6 = clock.getAsLong();
            if (code != Optimizer.APPLIED || Double.isNaN(norm)) {
                throw new IllegalStateException("profiled step not applied (" + code + ") at step " + t);
            }
            if (s >= warmup) {
                ns[0] += t1 - t0;
                ns[1] += t2 - t1;
                ns[2] += t3 - t2;
                ns[3] += t4 - t3;
                ns[4] += t5 - t4;
                ns[5] += t6 - t5;
            }
        }
        String[] names = {
            "model.forward",
            "loss.link + lossAndGradient",
            "(no zero fill: gradient() overwrites)",
            "model.gradient (backward)",
            "trainer: gradient norm",
            "optimizer.stepIfFinite (check pass + update)"
        };
        Map<String, Double> us = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            us.put(names[i], ns[i] / 1e3 / steps);
        }
        return us;
    }

    /** The trainer's check, loop for loop (early exit on the first non-finite value). */
}

package io.streamgrad.bench;

import io.streamgrad.learner.optim.Optimizer;
import io.streamgrad.learner.optim.Optimizers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The O(parameters) passes of a dense step, as the learner runs them and as alternatives that the JIT can
 * vectorise, over the MLP's 235,146 parameters. Evidence for the profile in {@code docs/BENCHMARKS.md}; not used
 * by the learner.
 *
 * <ul>
 *   <li>Adam: the learner's {@link Optimizer#step} vs the same rule in float arithmetic over a plain counted loop
 *       (no index indirection, constants hoisted), which C2 compiles to AVX-512 {@code vsqrtps/vdivps};</li>
 *   <li>the gradient's squared norm: one double accumulator (a serial dependency the JIT may not reorder) vs
 *       eight independent float partial sums in double blocks;</li>
 *   <li>the finiteness check: {@code Float.isFinite} per element (an early-exit loop the JIT does not vectorise)
 *       vs the sum of {@code x * 0}, which is exactly 0 when every element is finite and NaN otherwise (so it
 *       cannot overflow), with the loop kept only to confirm a NaN.</li>
 * </ul>
 */
public final class DenseKernels {
    private final Optimizer adam = Optimizers.create(BenchConfigs.adam());
    private final float[] params;
    private final float[] grads;
    private final float[] state;
    private final float[] mSplit;
    private final float[] vSplit;
    private final INDArray offParams;
    private final INDArray offGrads;
    private final INDArray offM;
    private final INDArray offV;
    private long t;

    public DenseKernels(int n, long seed) {
        io.streamgrad.learner.util.Rng rng = new io.streamgrad.learner.util.Rng(seed);
        params = new float[n];
        grads = new float[n];
        for (int i = 0; i < n; i++) {
            params[i] = (float) rng.nextGaussian() * 0.05f;
            grads[i] = (float) rng.nextGaussian() * 1e-3f;
        }
        state = new float[adam.stateSize(n)];
        adam.initState(state, n);
        mSplit = new float[n];
        vSplit = new float[n];
        offParams = Nd4j.createFromArray(params.clone());
        offGrads = Nd4j.create(DataType.FLOAT, n);
        offM = Nd4j.create(DataType.FLOAT, n);
        offV = Nd4j.create(DataType.FLOAT, n);
    }

    public double learnerAdam() {
        adam.step(params, grads, state, ++t, BenchConfigs.ADAM_LR);
        return params[0];
    }

    /** Adam in float over a counted loop; the bias corrections are folded into one step size per call. */
    public double floatAdam() {
        int n = params.length;
        long step = ++t;
        float b1 = (float) BenchConfigs.ADAM_BETA1;
        float b2 = (float) BenchConfigs.ADAM_BETA2;
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        // lr * mHat / (sqrt(vHat) + eps) = alpha * m / (sqrt(v) + epsHat), with
        // alpha = lr * sqrt(1 - b2^t) / (1 - b1^t) and epsHat = eps * sqrt(1 - b2^t) (Kingma & Ba, Sec. 2).
        double bc2 = Math.sqrt(1 - Math.pow(BenchConfigs.ADAM_BETA2, step));
        float alpha = (float) (BenchConfigs.ADAM_LR * bc2 / (1 - Math.pow(BenchConfigs.ADAM_BETA1, step)));
        float epsHat = (float) (BenchConfigs.ADAM_EPS * bc2);
        float[] w = params;
        float[] g = grads;
        float[] s = state;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float m = b1 * s[i] + c1 * gi;
            float v = b2 * s[n + i] + c2 * gi * gi;
            s[i] = m;
            s[n + i] = v;
            w[i] -= alpha * m / ((float) Math.sqrt(v) + epsHat);
        }
        return w[0];
    }

    /**
     * The float loop with the two moments in separate arrays: with {@code m} and {@code v} in one array at
     * {@code i} and {@code n + i}, C2's vectoriser cannot prove the stores and loads independent.
     */
    public double floatAdamSplitState() {
        int n = params.length;
        long step = ++t;
        float b1 = (float) BenchConfigs.ADAM_BETA1;
        float b2 = (float) BenchConfigs.ADAM_BETA2;
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        double bc2 = Math.sqrt(1 - Math.pow(BenchConfigs.ADAM_BETA2, step));
        float alpha = (float) (BenchConfigs.ADAM_LR * bc2 / (1 - Math.pow(BenchConfigs.ADAM_BETA1, step)));
        float epsHat = (float) (BenchConfigs.ADAM_EPS * bc2);
        float[] w = params;
        float[] g = grads;
        float[] ms = mSplit;
        float[] vs = vSplit;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float m = b1 * ms[i] + c1 * gi;
            float v = b2 * vs[i] + c2 * gi * gi;
            ms[i] = m;
            vs[i] = v;
            w[i] -= alpha * m / ((float) Math.sqrt(v) + epsHat);
        }
        return w[0];
    }

    /**
     * The float loop over the learner's own state layout ({@code m} at {@code i}, {@code v} at {@code n + i}),
     * with {@code v} staged through a scratch array by two {@code System.arraycopy} calls, so that the loop sees
     * two distinct arrays and vectorises without a change to the checkpointed layout.
     */
    public double floatAdamStagedV() {
        int n = params.length;
        long step = ++t;
        System.arraycopy(state, n, vSplit, 0, n);
        float b1 = (float) BenchConfigs.ADAM_BETA1;
        float b2 = (float) BenchConfigs.ADAM_BETA2;
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        double bc2 = Math.sqrt(1 - Math.pow(BenchConfigs.ADAM_BETA2, step));
        float alpha = (float) (BenchConfigs.ADAM_LR * bc2 / (1 - Math.pow(BenchConfigs.ADAM_BETA1, step)));
        float epsHat = (float) (BenchConfigs.ADAM_EPS * bc2);
        float[] w = params;
        float[] g = grads;
        float[] ms = state;
        float[] vs = vSplit;
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = b1 * ms[i] + c1 * gi;
            float vi = b2 * vs[i] + c2 * gi * gi;
            ms[i] = mi;
            vs[i] = vi;
            w[i] -= alpha * mi / ((float) Math.sqrt(vi) + epsHat);
        }
        System.arraycopy(vSplit, 0, state, n, n);
        return w[0];
    }

    /**
     * The learner's arithmetic (double per coordinate, stored as float) with the moments split into two arrays:
     * shows that the layout, not the precision, keeps the learner's loop scalar.
     */
    public double doubleAdamSplitState() {
        int n = params.length;
        long step = ++t;
        double b1 = BenchConfigs.ADAM_BETA1;
        double b2 = BenchConfigs.ADAM_BETA2;
        double c1 = 1.0 / (1.0 - Math.pow(b1, step));
        double c2 = 1.0 / (1.0 - Math.pow(b2, step));
        double lr = BenchConfigs.ADAM_LR;
        double eps = BenchConfigs.ADAM_EPS;
        float[] w = params;
        float[] g = grads;
        float[] ms = mSplit;
        float[] vs = vSplit;
        for (int i = 0; i < n; i++) {
            double gi = g[i];
            double m = b1 * ms[i] + (1 - b1) * gi;
            double v = b2 * vs[i] + (1 - b2) * gi * gi;
            ms[i] = (float) m;
            vs[i] = (float) v;
            w[i] = (float) (w[i] - lr * (m * c1) / (Math.sqrt(v * c2) + eps));
        }
        return w[0];
    }

    /**
     * Adam by ND4J's native {@code adam_updater} op under the {@code float[]} contract: copy the gradient and both
     * moments to off-heap buffers, one op computes the update in place of the gradient and the new moments, one
     * op subtracts it from the parameters, and the parameters and moments are copied back.
     */
    public double nativeAdam() {
        int n = params.length;
        long step = ++t;
        offGrads.data().asNioFloat().put(grads, 0, n);
        offM.data().asNioFloat().put(state, 0, n);
        offV.data().asNioFloat().put(state, n, n);
        Nd4j.exec(new AdamUpdater(offGrads, offV, offM, offGrads, offV, offM, BenchConfigs.ADAM_LR,
                BenchConfigs.ADAM_BETA1, BenchConfigs.ADAM_BETA2, BenchConfigs.ADAM_EPS, (int) (step - 1)));
        offParams.subi(offGrads);
        offParams.data().asNioFloat().get(params, 0, n);
        offM.data().asNioFloat().get(state, 0, n);
        offV.data().asNioFloat().get(state, n, n);
        return params[0];
    }

    public double serialNorm() {
        double s = 0;
        for (float g : grads) {
            s += (double) g * g;
        }
        return s;
    }

    /** Eight float partial sums over blocks of 1024, each block's total added in double. */
    public double blockedNorm() {
        return WhatIfStep.blockedSquaredNorm(grads);
    }

    public double finiteLoop() {
        for (float p : params) {
            if (!Float.isFinite(p)) {
                return 0;
            }
        }
        return 1;
    }

    /** Non-finite elements make the sum non-finite; a finite sum therefore proves every element finite. */
    public double finiteBySum() {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float[] p = params;
        int i = 0;
        for (; i + 3 < p.length; i += 4) {
            s0 += p[i] * 0f;
            s1 += p[i + 1] * 0f;
            s2 += p[i + 2] * 0f;
            s3 += p[i + 3] * 0f;
        }
        for (; i < p.length; i++) {
            s0 += p[i] * 0f;
        }
        // x * 0 is 0 for finite x and NaN for +-inf or NaN, so the sum cannot overflow: it is 0 or NaN.
        return (s0 + s1 + s2 + s3) == 0f ? 1 : finiteLoop();
    }

    public int size() {
        return params.length;
    }
}

package io.streamgrad.bench;

import io.streamgrad.learner.optim.Optimizer;
import io.streamgrad.learner.optim.Optimizers;
import io.streamgrad.learner.util.FloatArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The O(parameters) passes of a dense step over the MLP's 235,146 parameters: the learner's (its Adam, checked
 * step, gradient norm and finiteness check) next to the references they replaced or compete with, so that
 * {@code --profile} shows the speed-ups measured in the same run. Not used by the learner.
 *
 * <ul>
 *   <li>Adam: the learner's (float32, {@code v} staged so the loop vectorises) vs its former double loop over one
 *       state array (scalar), vs the same float loop over separately stored {@code m} and {@code v} (the ceiling
 *       without staging copies), vs ND4J's native {@code adam_updater} with the copies a {@code float[]} contract
 *       needs;</li>
 *   <li>the checked step ({@link Optimizer#stepIfFinite}) vs what the trainer did before: copy parameters and
 *       state, step, check both;</li>
 *   <li>the gradient's squared norm: one double accumulator vs the learner's eight float partial sums;</li>
 *   <li>the finiteness check: {@code Float.isFinite} per element vs the learner's max of absolute values.</li>
 * </ul>
 */
public final class DenseKernels {
    private final Optimizer adam = Optimizers.create(BenchConfigs.adam());
    private final float[] params;
    private final float[] grads;
    private final float[] state;
    private final float[] mSplit;
    private final float[] vSplit;
    private final float[] backupParams;
    private final float[] backupState;
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
        backupParams = new float[n];
        backupState = new float[state.length];
        offParams = Nd4j.createFromArray(params.clone());
        offGrads = Nd4j.create(DataType.FLOAT, n);
        offM = Nd4j.create(DataType.FLOAT, n);
        offV = Nd4j.create(DataType.FLOAT, n);
    }

    public double learnerAdam() {
        adam.step(params, grads, state, ++t, BenchConfigs.ADAM_LR);
        return params[0];
    }

    /** The learner's checked step: a read-only pass proving the update finite, then the update. */
    public double learnerCheckedAdam() {
        int code = adam.stepIfFinite(params, grads, state, ++t, BenchConfigs.ADAM_LR);
        if (code != Optimizer.APPLIED) {
            throw new IllegalStateException("benchmark update rejected: " + code);
        }
        return params[0];
    }

    /** What the trainer did before the checked step: copy params and state, step, check both for finiteness. */
    public double copyStepCheck() {
        System.arraycopy(params, 0, backupParams, 0, params.length);
        System.arraycopy(state, 0, backupState, 0, state.length);
        adam.step(params, grads, state, ++t, BenchConfigs.ADAM_LR);
        if (!finiteLoop(params) || !finiteLoop(state)) {
            throw new IllegalStateException("benchmark update went non-finite");
        }
        return params[0];
    }

    /**
     * The learner's Adam before it was vectorised, kept as the reference of the speed-up: double arithmetic per
     * coordinate, {@code m} and {@code v} read from one array at {@code i} and {@code n + i} (a scalar loop).
     */
    public double formerAdam() {
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
        float[] s = state;
        for (int i = 0; i < n; i++) {
            double gi = g[i];
            double m = b1 * s[i] + (1 - b1) * gi;
            double v = b2 * s[n + i] + (1 - b2) * gi * gi;
            s[i] = (float) m;
            s[n + i] = (float) v;
            w[i] = (float) (w[i] - lr * (m * c1) / (Math.sqrt(v * c2) + eps));
        }
        return w[0];
    }

    public double learnerFinite() {
        return FloatArrays.allFinite(params) ? 1 : 0;
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
        Nd4j.exec(new AdamUpdater(
                offGrads,
                offV,
                offM,
                offGrads,
                offV,
                offM,
                BenchConfigs.ADAM_LR,
                BenchConfigs.ADAM_BETA1,
                BenchConfigs.ADAM_BETA2,
                BenchConfigs.ADAM_EPS,
                (int) (step - 1)));
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
        return FloatArrays.sumOfSquares(grads);
    }

    public double finiteLoop() {
        return finiteLoop(params) ? 1 : 0;
    }

    private static boolean finiteLoop(float[] values) {
        for (float p : values) {
            if (!Float.isFinite(p)) {
                return false;
            }
        }
        return true;
    }

    public int size() {
        return params.length;
    }
}

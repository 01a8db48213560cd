package io.streamgrad.serving;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.train.TrainerConfig;

/**
 * Predictions over {@link BlockedParams} for the model kinds a delta can update (linear, logistic, softmax, fm),
 * bit-identical to the learner's {@link io.streamgrad.learner.train.Predictor} on the same parameters: every sum
 * is formed in the same order and the same precision as {@code LinearModel.forward} and
 * {@code FactorizationMachine.forward} (float accumulators and the four-way dense dot of the linear models; double
 * accumulators, duplicate features summed in float first, of the FM), then the loss's own link. Only where a
 * parameter is read differs (a block and an offset instead of one array). {@code BlockedPredictorTest} checks the
 * bits against the learner on random models and dense/sparse batches.
 *
 * <p>Not thread-safe (scratch buffers): {@link ServableModel} pools them as it pools the learner's predictors.
 */
final class BlockedPredictor {
    private final ModelKind kind;
    private final int d;
    private final int k;
    private final int f;
    private final int numParams;
    private final Loss loss;
    private float[] raw = new float[0];

    // FM scratch: one row's features with duplicates merged, and an open-addressing index feature -> position.
    private int[] rowIdx = new int[16];
    private float[] rowVal = new float[16];
    private int[] tableKey = new int[32];
    private int[] tablePos = new int[32];
    private double[] sums = new double[0];
    private double[] squares = new double[0];

    BlockedPredictor(TrainerConfig config) {
        ModelSpec spec = config.model();
        if (!supports(spec.type())) {
            throw new IllegalArgumentException("model type " + spec.type().yamlName() + " is not served from blocked"
                    + " parameters (only linear, logistic, softmax and fm are)");
        }
        this.kind = spec.type();
        this.d = spec.features();
        this.k = spec.outputs();
        this.f = kind == ModelKind.FM ? spec.factors() : 0;
        this.numParams = Math.toIntExact(kind == ModelKind.FM ? 1L + d + (long) d * f : (long) k * d + k);
        this.loss = config.loss().create(config.huberDelta());
        this.sums = new double[f];
        this.squares = new double[f];
    }

    /** Whether a model kind's parameters are served blocked (the kinds whose versions can be deltas). */
    static boolean supports(ModelKind kind) {
        return kind == ModelKind.LINEAR
                || kind == ModelKind.LOGISTIC
                || kind == ModelKind.SOFTMAX
                || kind == ModelKind.FM;
    }

    int numParams() {
        return numParams;
    }

    int outputs() {
        return k;
    }

    /** Linked predictions ({@code n x outputs}, row-major), as {@code Predictor.predict(params, batch, null)}. */
    float[] predict(BlockedParams w, Batch batch) {
        if (w.length() != numParams) {
            throw new IllegalArgumentException("the model state has " + w.length() + " parameters, the config's"
                    + " model has " + numParams + "; the state does not belong to this config");
        }
        if (batch.dim() != d) {
            throw new IllegalArgumentException("batch has " + batch.dim() + " features, model.features is " + d);
        }
        int n = batch.size();
        if (raw.length < n * k) {
            raw = new float[n * k];
        }
        if (kind == ModelKind.FM) {
            forwardFm(w, batch);
        } else if (batch.isSparse()) {
            forwardLinearSparse(w, batch);
        } else {
            forwardLinearDense(w, batch);
        }
        float[] out = new float[n * k];
        loss.link(raw, n, k, out);
        return out;
    }

    // ---------------------------------------------------------------------------------- linear, logistic, softmax

    private void forwardLinearDense(BlockedParams w, Batch batch) {
        float[] x = batch.dense();
        int biasStart = k * d;
        for (int r = 0, n = batch.size(); r < n; r++) {
            int xOff = r * d;
            for (int c = 0; c < k; c++) {
                raw[r * k + c] = w.get(biasStart + c) + dot(w, c * d, x, xOff, d);
            }
        }
    }

    /** {@code LinearModel.dot}: four accumulators over j mod 4, the tail into the first, summed as (0+1)+(2+3). */
    static float dot(BlockedParams w, int wOff, float[] b, int bOff, int len) {
        int first = w.blockOf(wOff);
        if (len > 0 && first == w.blockOf(wOff + len - 1)) {
            return dot(w.block(first), w.offsetOf(wOff), b, bOff, len); // within one block
        }
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            s0 += w.get(wOff + j) * b[bOff + j];
            s1 += w.get(wOff + j + 1) * b[bOff + j + 1];
            s2 += w.get(wOff + j + 2) * b[bOff + j + 2];
            s3 += w.get(wOff + j + 3) * b[bOff + j + 3];
        }
        for (; j < len; j++) {
            s0 += w.get(wOff + j) * b[bOff + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            s0 += a[aOff + j] * b[bOff + j];
            s1 += a[aOff + j + 1] * b[bOff + j + 1];
            s2 += a[aOff + j + 2] * b[bOff + j + 2];
            s3 += a[aOff + j + 3] * b[bOff + j + 3];
        }
        for (; j < len; j++) {
            s0 += a[aOff + j] * b[bOff + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private void forwardLinearSparse(BlockedParams w, Batch batch) {
        int[] ptr = batch.rowPtr();
        int[] idx = batch.indices();
        float[] val = batch.values();
        int biasStart = k * d;
        for (int r = 0, n = batch.size(); r < n; r++) {
            int from = ptr[r];
            int to = ptr[r + 1];
            if (k == 1) {
                float s = w.get(biasStart);
                for (int p = from; p < to; p++) {
                    s += w.get(column(idx[p], r)) * val[p];
                }
                raw[r] = s;
                continue;
            }
            for (int p = from; p < to; p++) {
                column(idx[p], r);
            }
            for (int c = 0; c < k; c++) {
                int wOff = c * d;
                float s = w.get(biasStart + c);
                for (int p = from; p < to; p++) {
                    s += w.get(wOff + idx[p]) * val[p];
                }
                raw[r * k + c] = s;
            }
        }
    }

    private int column(int j, int row) {
        if (j < 0 || j >= d) {
            throw new IllegalArgumentException("sparse batch row " + row + " has feature index " + j + " outside [0, "
                    + d + "); hash feature names into model.features");
        }
        return j;
    }

    // ---------------------------------------------------------------------------------- factorization machine

    /** {@code FactorizationMachine.prepare} with outputs: per row, double sums over the merged features. */
    private void forwardFm(BlockedParams w, Batch batch) {
        int vStart = 1 + d;
        for (int r = 0, n = batch.size(); r < n; r++) {
            int count = batch.isSparse() ? mergeSparseRow(batch, r) : denseRow(batch, r);
            for (int q = 0; q < f; q++) {
                sums[q] = 0;
                squares[q] = 0;
            }
            double y = w.get(0);
            for (int p = 0; p < count; p++) {
                int j = rowIdx[p];
                double x = rowVal[p];
                y += w.get(1 + j) * x;
                int vb = vStart + j * f;
                for (int q = 0; q < f; q++) {
                    double vx = w.get(vb + q) * x;
                    sums[q] += vx;
                    squares[q] += vx * vx;
                }
            }
            double pair = 0;
            for (int q = 0; q < f; q++) {
                double s = sums[q];
                pair += s * s - squares[q];
            }
            raw[r] = (float) (y + 0.5 * pair);
        }
    }

    /** A dense row's non-zero entries, in column order (zeros add nothing, as in the learner). */
    private int denseRow(Batch batch, int r) {
        float[] x = batch.dense();
        int count = 0;
        for (int j = 0, off = r * d; j < d; j++) {
            float v = x[off + j];
            if (v != 0f) {
                ensureRow(count + 1);
                rowIdx[count] = j;
                rowVal[count] = v;
                count++;
            }
        }
        return count;
    }

    /** A sparse row with repeated features merged at their first position, summed in float in row order. */
    private int mergeSparseRow(Batch batch, int r) {
        int from = batch.rowPtr()[r];
        int to = batch.rowPtr()[r + 1];
        int[] idx = batch.indices();
        float[] val = batch.values();
        ensureRow(to - from);
        int size = Integer.highestOneBit(Math.max(4, (to - from) * 2)) << 1;
        if (tableKey.length < size) {
            tableKey = new int[size];
            tablePos = new int[size];
        }
        int mask = size - 1;
        java.util.Arrays.fill(tableKey, 0, size, -1);
        int count = 0;
        for (int p = from; p < to; p++) {
            int j = idx[p];
            if (j < 0 || j >= d) {
                throw new IllegalArgumentException("sparse batch row " + r + " has feature index " + j + " outside [0, "
                        + d + "); hash feature names into model.features");
            }
            int h = (j * 0x9E3779B1) >>> 7 & mask;
            while (tableKey[h] != -1 && tableKey[h] != j) {
                h = (h + 1) & mask;
            }
            if (tableKey[h] == j) {
                rowVal[tablePos[h]] += val[p];
            } else {
                tableKey[h] = j;
                tablePos[h] = count;
                rowIdx[count] = j;
                rowVal[count] = val[p];
                count++;
            }
        }
        return count;
    }

    private void ensureRow(int n) {
        if (rowIdx.length < n) {
            int size = Math.max(n, rowIdx.length * 2);
            rowIdx = java.util.Arrays.copyOf(rowIdx, size);
            rowVal = java.util.Arrays.copyOf(rowVal, size);
        }
    }
}

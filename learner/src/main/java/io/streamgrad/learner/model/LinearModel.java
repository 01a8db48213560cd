package io.streamgrad.learner.model;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.util.Rng;
import java.util.Arrays;

/**
 * A generalised linear model with {@code k} outputs: {@code raw[c] = W[c] . x + b[c]}. Type {@code linear}
 * (k = 1, a regression value), {@code logistic} (k = 1, a logit) or {@code softmax} (k = classes logits); the
 * loss supplies the link.
 *
 * <p>Parameter layout (d = features): {@code W} as k rows of d, row-major ({@code W[c][j]} at {@code c*d + j}),
 * then the k biases at {@code k*d + c}.
 *
 * <p>Plain Java on purpose: with hashed sparse inputs (d ~ 2^20, ~30 non-zeros per example) the work is
 * O(nnz * k) per batch, far below ND4J's per-call cost (see STACK.md). Sparse batches never touch the
 * d-sized arrays beyond the present coordinates, so one step costs O(nnz * k + k) whatever d is.
 *
 * <p>Initialisation: {@code W} by {@code model.init} with fan_in = d and fan_out = k, drawn in index order;
 * biases zero.
 */
final class LinearModel implements Model {
    private final ModelSpec spec;
    private final int d;
    private final int k;
    private final int biasStart;
    private final int numParams;
    private final Init init;
    /** Dense batches with sparse updates: which columns hold a non-zero (lazily allocated scratch). */
    private boolean[] columnSeen;

    LinearModel(ModelSpec spec) {
        SpecChecks.features(spec);
        SpecChecks.noHidden(spec);
        if (spec.type() == ModelKind.SOFTMAX) {
            if (spec.classes() < 2) {
                throw new IllegalArgumentException("model.classes: type softmax needs classes >= 2, got "
                        + spec.classes() + "; use type logistic for a binary task");
            }
        } else {
            SpecChecks.singleOutput(spec);
        }
        this.spec = spec;
        this.init = Init.parse(spec.init());
        this.d = spec.features();
        this.k = spec.outputs();
        this.numParams = SpecChecks.paramCount(spec, (long) k * d + k);
        this.biasStart = k * d;
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public int numParams() {
        return numParams;
    }

    @Override
    public int numOutputs() {
        return k;
    }

    @Override
    public void initParams(float[] params, Rng rng) {
        SpecChecks.params(params, numParams);
        init.fill(params, 0, biasStart, d, k, rng);
        Arrays.fill(params, biasStart, numParams, 0f);
    }

    @Override
    public boolean isBias(int i) {
        return i >= biasStart;
    }

    @Override
    public void forward(float[] params, Batch batch, float[] rawOut) {
        SpecChecks.params(params, numParams);
        SpecChecks.batch(batch, d, k, rawOut, "rawOut");
        if (batch.isSparse()) {
            forwardSparse(params, batch, rawOut);
        } else {
            forwardDense(params, batch, rawOut);
        }
    }

    private void forwardDense(float[] w, Batch batch, float[] out) {
        float[] x = batch.dense();
        for (int r = 0, n = batch.size(); r < n; r++) {
            int xOff = r * d;
            for (int c = 0; c < k; c++) {
                out[r * k + c] = w[biasStart + c] + dot(w, c * d, x, xOff, d);
            }
        }
    }

    /** Four independent accumulators: the JIT keeps them in registers and overlaps the multiply-adds. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
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

    private void forwardSparse(float[] w, Batch batch, float[] out) {
        int[] ptr = batch.rowPtr();
        int[] idx = batch.indices();
        float[] val = batch.values();
        for (int r = 0, n = batch.size(); r < n; r++) {
            int from = ptr[r];
            int to = ptr[r + 1];
            if (k == 1) {
                float s = w[biasStart];
                for (int p = from; p < to; p++) {
                    s += w[column(idx[p], r)] * val[p];
                }
                out[r] = s;
                continue;
            }
            for (int p = from; p < to; p++) {
                column(idx[p], r);
            }
            // Class-outer: one register accumulator per class, and the row's few indices stay in L1.
            for (int c = 0; c < k; c++) {
                int wOff = c * d;
                float s = w[biasStart + c];
                for (int p = from; p < to; p++) {
                    s += w[wOff + idx[p]] * val[p];
                }
                out[r * k + c] = s;
            }
        }
    }

    private int column(int j, int row) {
        if (j < 0 || j >= d) {
            throw SpecChecks.badIndex(row, j, d);
        }
        return j;
    }

    @Override
    public void backward(float[] params, Batch batch, float[] dRaw, float[] grad, TouchedSet touched) {
        SpecChecks.params(grad, numParams);
        SpecChecks.batch(batch, d, k, dRaw, "dRaw");
        int n = batch.size();
        if (batch.isSparse()) {
            backwardSparse(batch, dRaw, grad, touched);
        } else {
            backwardDense(batch, dRaw, grad, touched);
        }
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < k; c++) {
                grad[biasStart + c] += dRaw[r * k + c];
            }
        }
        if (touched != null) {
            touched.addRange(biasStart, numParams);
        }
    }

    /**
     * Sparse batches: the same sums as {@link #backwardSparse(Batch, float[], float[], TouchedSet)} and the bias
     * loop of {@link #backward}, in the same order (weights row by row and non-zero by non-zero, class by class;
     * then the biases, summed row by row), so coordinates and bits match the touched-set path.
     */
    @Override
    public boolean backwardSparse(float[] params, Batch batch, float[] dRaw, SparseGradient out) {
        if (!batch.isSparse()) {
            return false;
        }
        SpecChecks.batch(batch, d, k, dRaw, "dRaw");
        if (out.capacity() != numParams) {
            throw new IllegalArgumentException(
                    "sparse gradient for " + out.capacity() + " coordinates, the model has " + numParams);
        }
        int n = batch.size();
        int[] ptr = batch.rowPtr();
        int[] idx = batch.indices();
        float[] val = batch.values();
        for (int r = 0; r < n; r++) {
            int base = r * k;
            for (int p = ptr[r], to = ptr[r + 1]; p < to; p++) {
                int j = column(idx[p], r);
                float v = val[p];
                for (int c = 0; c < k; c++) {
                    out.add(c * d + j, dRaw[base + c] * v);
                }
            }
        }
        // Biases last, as backward adds them to the touched set after the weights.
        for (int c = 0; c < k; c++) {
            float s = 0f;
            for (int r = 0; r < n; r++) {
                s += dRaw[r * k + c];
            }
            out.add(biasStart + c, s);
        }
        return true;
    }

    private void backwardDense(Batch batch, float[] dRaw, float[] grad, TouchedSet touched) {
        float[] x = batch.dense();
        int n = batch.size();
        for (int r = 0; r < n; r++) {
            int xOff = r * d;
            for (int c = 0; c < k; c++) {
                float g = dRaw[r * k + c];
                if (g == 0f) {
                    continue;
                }
                int wOff = c * d;
                for (int j = 0; j < d; j++) {
                    grad[wOff + j] += g * x[xOff + j];
                }
            }
        }
        if (touched == null) {
            return;
        }
        // Sparse updates on a dense batch: the present features are the columns with a non-zero value, the same
        // set a CSR form of this batch (without explicit zeros) would list.
        if (columnSeen == null) {
            columnSeen = new boolean[d];
        }
        for (int r = 0; r < n; r++) {
            for (int j = 0, off = r * d; j < d; j++) {
                if (x[off + j] != 0f) {
                    columnSeen[j] = true;
                }
            }
        }
        for (int j = 0; j < d; j++) {
            if (columnSeen[j]) {
                columnSeen[j] = false;
                for (int c = 0; c < k; c++) {
                    touched.add(c * d + j);
                }
            }
        }
    }

    private void backwardSparse(Batch batch, float[] dRaw, float[] grad, TouchedSet touched) {
        int[] ptr = batch.rowPtr();
        int[] idx = batch.indices();
        float[] val = batch.values();
        for (int r = 0, n = batch.size(); r < n; r++) {
            int base = r * k;
            for (int p = ptr[r], to = ptr[r + 1]; p < to; p++) {
                int j = column(idx[p], r);
                float v = val[p];
                for (int c = 0; c < k; c++) {
                    grad[c * d + j] += dRaw[base + c] * v;
                }
                if (touched != null) {
                    for (int c = 0; c < k; c++) {
                        touched.add(c * d + j);
                    }
                }
            }
        }
    }
}

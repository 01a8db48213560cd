package io.streamgrad.learner.model;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.util.Rng;

/**
 * A second-order factorization machine (Rendle, "Factorization Machines", ICDM 2010) with one output (a
 * regression value or a logit):
 * <pre>
 *   y(x) = w0 + sum_j w_j x_j + sum_{i&lt;j} &lt;v_i, v_j&gt; x_i x_j
 *        = w0 + sum_j w_j x_j + 1/2 sum_f [ (sum_j v_jf x_j)^2 - sum_j v_jf^2 x_j^2 ]      (eq. 5)
 * </pre>
 * computed in O(factors * nnz) per example, with gradients (eq. 4) {@code dy/dw0 = 1}, {@code dy/dw_j = x_j},
 * {@code dy/dv_jf = x_j s_f - v_jf x_j^2} where {@code s_f = sum_i v_if x_i} is kept from the forward pass.
 *
 * <p>Parameter layout (d = features, f = factors): {@code w0} at 0, {@code w_j} at {@code 1 + j}, then V row-major,
 * {@code v_jf} at {@code 1 + d + j*f + q}. Only {@code w0} is a bias.
 *
 * <p>Initialisation, in this order: {@code w0 = 0}; {@code w} by {@code model.init} (fan_in = d, fan_out = 1) in
 * index order; then V from N(0, initStd^2) in index order. V is drawn from the normal even when
 * {@code init = zeros}: with V = 0 every factor gradient {@code x_j s_f - v_jf x_j^2} is zero, so the
 * interactions would never learn.
 *
 * <p>Eq. 5 holds for an example whose features are distinct, so duplicate indices in a CSR row are summed first
 * (the {@link Batch} contract). Dense rows use their non-zero entries only (zeros add nothing), and with sparse
 * updates those are the present features. {@link #backward} reuses the per-row sums of the last {@link #forward}
 * when it gets the same batch object, and recomputes them otherwise.
 */
final class FactorizationMachine implements Model {
    private final ModelSpec spec;
    private final int d;
    private final int f;
    private final int vStart;
    private final int numParams;
    private final Init init;
    private final double initStd;

    // Scratch for the current batch: rows with duplicates merged and zeros of dense rows dropped.
    private int[] cPtr = new int[1];
    private int[] cIdx = new int[0];
    private float[] cVal = new float[0];
    /** Position of feature j in cIdx (the sparse-set trick: valid only when cIdx[pos[j]] == j in this row). */
    private int[] pos;
    /** s_f per example (n x f), from the last forward. */
    private double[] sums = new double[0];

    private double[] squares;
    private Batch preparedBatch;
    private float[] preparedParams;

    FactorizationMachine(ModelSpec spec) {
        SpecChecks.features(spec);
        SpecChecks.singleOutput(spec);
        SpecChecks.noHidden(spec);
        if (!ModelOptions.FACTORS.range().contains(spec.factors())) {
            throw new IllegalArgumentException("model.factors: type fm needs factors >= 1, got " + spec.factors());
        }
        if (!ModelOptions.INIT_STD.range().contains(spec.initStd())) {
            throw new IllegalArgumentException("model.init_std: type fm needs a finite init_std > 0 (default 0.01), "
                    + "got " + spec.initStd() + "; zero factors would never learn");
        }
        this.spec = spec;
        this.init = Init.parse(spec.init());
        this.d = spec.features();
        this.f = spec.factors();
        this.initStd = spec.initStd();
        this.numParams = SpecChecks.paramCount(spec, 1L + d + (long) d * f);
        this.vStart = 1 + d;
        this.squares = new double[f];
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
        return 1;
    }

    @Override
    public void initParams(float[] params, Rng rng) {
        SpecChecks.params(params, numParams);
        params[0] = 0f;
        init.fill(params, 1, d, d, 1, rng);
        Init.normal(params, vStart, numParams, initStd, rng);
    }

    @Override
    public boolean isBias(int i) {
        return i == 0;
    }

    @Override
    public void forward(float[] params, Batch batch, float[] rawOut) {
        SpecChecks.params(params, numParams);
        SpecChecks.batch(batch, d, 1, rawOut, "rawOut");
        prepare(params, batch, rawOut);
    }

    @Override
    public void backward(float[] params, Batch batch, float[] dRaw, float[] grad, TouchedSet touched) {
        SpecChecks.params(grad, numParams);
        SpecChecks.batch(batch, d, 1, dRaw, "dRaw");
        if (batch != preparedBatch || params != preparedParams) {
            prepare(params, batch, null);
        }
        float[] v = params;
        for (int r = 0, n = batch.size(); r < n; r++) {
            double g = dRaw[r];
            grad[0] += (float) g;
            int sBase = r * f;
            for (int p = cPtr[r], to = cPtr[r + 1]; p < to; p++) {
                int j = cIdx[p];
                double x = cVal[p];
                double gx = g * x;
                grad[1 + j] += (float) gx;
                int vb = vStart + j * f;
                for (int q = 0; q < f; q++) {
                    grad[vb + q] += (float) (gx * (sums[sBase + q] - v[vb + q] * x));
                }
                if (touched != null) {
                    touched.add(1 + j);
                    touched.addRange(vb, vb + f);
                }
            }
        }
        if (touched != null) {
            touched.add(0);
        }
    }

    /** Coalesces the batch rows, computes the factor sums and, when {@code out != null}, the outputs. */
    private void prepare(float[] w, Batch batch, float[] out) {
        int n = batch.size();
        coalesce(batch);
        if (sums.length < n * f) {
            sums = new double[n * f];
        }
        double[] sq = squares;
        for (int r = 0; r < n; r++) {
            int sBase = r * f;
            for (int q = 0; q < f; q++) {
                sums[sBase + q] = 0;
                sq[q] = 0;
            }
            double y = w[0];
            for (int p = cPtr[r], to = cPtr[r + 1]; p < to; p++) {
                int j = cIdx[p];
                double x = cVal[p];
                y += w[1 + j] * x;
                int vb = vStart + j * f;
                for (int q = 0; q < f; q++) {
                    double vx = w[vb + q] * x;
                    sums[sBase + q] += vx;
                    sq[q] += vx * vx;
                }
            }
            if (out != null) {
                double pair = 0;
                for (int q = 0; q < f; q++) {
                    double s = sums[sBase + q];
                    pair += s * s - sq[q];
                }
                out[r] = (float) (y + 0.5 * pair);
            }
        }
        preparedBatch = batch;
        preparedParams = w;
    }

    private void coalesce(Batch batch) {
        int n = batch.size();
        if (cPtr.length < n + 1) {
            cPtr = new int[n + 1];
        }
        if (!batch.isSparse()) {
            float[] x = batch.dense();
            ensureEntries((long) n * d);
            int cur = 0;
            for (int r = 0; r < n; r++) {
                cPtr[r] = cur;
                for (int j = 0, off = r * d; j < d; j++) {
                    float v = x[off + j];
                    if (v != 0f) {
                        cIdx[cur] = j;
                        cVal[cur] = v;
                        cur++;
                    }
                }
            }
            cPtr[n] = cur;
            return;
        }
        int[] ptr = batch.rowPtr();
        int[] idx = batch.indices();
        float[] val = batch.values();
        ensureEntries(ptr[n] - ptr[0]);
        if (pos == null) {
            pos = new int[d];
        }
        int cur = 0;
        for (int r = 0; r < n; r++) {
            int rowStart = cur;
            cPtr[r] = cur;
            for (int p = ptr[r], to = ptr[r + 1]; p < to; p++) {
                int j = idx[p];
                if (j < 0 || j >= d) {
                    throw SpecChecks.badIndex(r, j, d);
                }
                int at = pos[j];
                if (at >= rowStart && at < cur && cIdx[at] == j) {
                    cVal[at] += val[p];
                } else {
                    pos[j] = cur;
                    cIdx[cur] = j;
                    cVal[cur] = val[p];
                    cur++;
                }
            }
        }
        cPtr[n] = cur;
    }

    private void ensureEntries(long count) {
        if (cIdx.length < count) {
            int size = Math.toIntExact(count);
            cIdx = new int[size];
            cVal = new float[size];
        }
    }
}

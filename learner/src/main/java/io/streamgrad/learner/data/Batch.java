package io.streamgrad.learner.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A mini-batch of {@code size} examples over {@code dim} features, either dense (row-major {@code size x dim})
 * or sparse in CSR form ({@code rowPtr}, {@code indices}, {@code values}; indices 0-based, within a row in any
 * order, duplicates summed).
 *
 * <p>Labels: the target value for regression, 0 or 1 for binary tasks, the class index {@code 0..k-1} (stored
 * as a float) for multi-class tasks. Weights scale each example's loss; 1 by default.
 *
 * <p>The arrays are shared, not copied: a batch is a view the caller promises not to mutate while it is used.
 */
public final class Batch {
    private final int size;
    private final int dim;
    private final float[] dense;
    private final int[] rowPtr;
    private final int[] indices;
    private final float[] values;
    private final float[] labels;
    private final float[] weights;

    private Batch(
            int size,
            int dim,
            float[] dense,
            int[] rowPtr,
            int[] indices,
            float[] values,
            float[] labels,
            float[] weights) {
        if (size < 0 || dim <= 0) {
            throw new IllegalArgumentException("batch needs size >= 0 and dim > 0, got size=" + size + " dim=" + dim);
        }
        this.size = size;
        this.dim = dim;
        this.dense = dense;
        this.rowPtr = rowPtr;
        this.indices = indices;
        this.values = values;
        this.labels = Objects.requireNonNull(labels, "labels");
        this.weights = weights == null ? ones(size) : weights;
        if (labels.length < size || this.weights.length < size) {
            throw new IllegalArgumentException("labels/weights shorter than batch size " + size);
        }
    }

    public static Batch dense(int size, int dim, float[] x, float[] labels, float[] weights) {
        if (x.length < (long) size * dim) {
            throw new IllegalArgumentException("dense batch needs " + (long) size * dim + " values, got " + x.length);
        }
        return new Batch(size, dim, x, null, null, null, labels, weights);
    }

    public static Batch sparse(
            int size, int dim, int[] rowPtr, int[] indices, float[] values, float[] labels, float[] weights) {
        if (rowPtr.length < size + 1) {
            throw new IllegalArgumentException("rowPtr needs size+1=" + (size + 1) + " entries, got " + rowPtr.length);
        }
        return new Batch(size, dim, null, rowPtr, indices, values, labels, weights);
    }

    private static float[] ones(int n) {
        float[] w = new float[n];
        Arrays.fill(w, 1f);
        return w;
    }

    public int size() {
        return size;
    }

    public int dim() {
        return dim;
    }

    public boolean isSparse() {
        return dense == null;
    }
    /** Row-major {@code size x dim} values; null for a sparse batch. */
    public float[] dense() {
        return dense;
    }
    /** CSR row pointers ({@code size + 1}); null for a dense batch. */
    public int[] rowPtr() {
        return rowPtr;
    }

    public int[] indices() {
        return indices;
    }

    public float[] values() {
        return values;
    }

    public float[] labels() {
        return labels;
    }

    public float[] weights() {
        return weights;
    }

    /** Number of stored non-zeros (dense: size*dim). */
    public long nnz() {
        return isSparse() ? rowPtr[size] - rowPtr[0] : (long) size * dim;
    }

    /** A dense copy ({@code size x dim}, row-major); this batch's own array when already dense. */
    public float[] toDenseArray() {
        if (!isSparse()) {
            int len = Math.multiplyExact(size, dim);
            return dense.length == len ? dense : Arrays.copyOf(dense, len); // arrays may have spare capacity
        }
        float[] out = new float[Math.multiplyExact(size, dim)];
        for (int r = 0; r < size; r++) {
            for (int p = rowPtr[r]; p < rowPtr[r + 1]; p++) {
                out[r * dim + indices[p]] += values[p];
            }
        }
        return out;
    }
}

package io.streamgrad.learner.data;

import io.streamgrad.learner.util.Rng;
import java.util.Arrays;
import java.util.Objects;

/**
 * Parsed examples held in memory, column-compact: dense row-major values, or CSR ({@code rowPtr}, 0-based
 * {@code indices}, {@code values}), plus labels and weights. Immutable once built; {@link #batch} builds
 * {@link Batch}es of consecutive or permuted examples.
 */
public final class Dataset {
    private final int dim;
    private final int size;
    private final float[] labels;
    private final float[] weights;
    private final float[] dense; // null when sparse
    private final int[] rowPtr; // null when dense
    private final int[] indices;
    private final float[] values;
    private final ReadReport report;

    private Dataset(
            int dim,
            int size,
            float[] labels,
            float[] weights,
            float[] dense,
            int[] rowPtr,
            int[] indices,
            float[] values,
            ReadReport report) {
        this.dim = dim;
        this.size = size;
        this.labels = labels;
        this.weights = weights;
        this.dense = dense;
        this.rowPtr = rowPtr;
        this.indices = indices;
        this.values = values;
        this.report = report;
    }

    public int dim() {
        return dim;
    }

    public int size() {
        return size;
    }

    public boolean isDense() {
        return dense != null;
    }

    public float label(int i) {
        Objects.checkIndex(i, size);
        return labels[i];
    }

    public float weight(int i) {
        Objects.checkIndex(i, size);
        return weights[i];
    }

    /** Stored values (dense: size*dim). */
    public long nnz() {
        return dense != null ? (long) size * dim : rowPtr[size];
    }

    /** How the file was read (null for a dataset built in code). */
    public ReadReport report() {
        return report;
    }

    /** Examples {@code [from, to)} in order, as a fresh batch (dense when this dataset is dense, CSR otherwise). */
    public Batch batch(int from, int to) {
        return batch(null, from, to);
    }

    /**
     * Examples {@code order[from..to)} (or {@code from..to} when {@code order} is null) as a fresh batch. The
     * batch owns its arrays, so it stays valid after later calls.
     */
    public Batch batch(int[] order, int from, int to) {
        return batch(order, from, to, null);
    }

    /**
     * As {@link #batch(int[], int, int)}, but into the arrays of {@code reuse} where they are large enough (a batch
     * this method returned earlier, which must not be used afterwards; null: fresh arrays). A pass over a dense
     * dataset then allocates nothing per batch instead of a copy of every example (a 784-feature batch of 128 is
     * 400 KB): the garbage of a pass was as large as the dataset, and its collections stopped the trainer.
     */
    public Batch batch(int[] order, int from, int to, Batch reuse) {
        Objects.checkFromToIndex(from, to, order == null ? size : order.length);
        int n = to - from;
        float[] y =
                reuse != null && reuse.labels() != null && reuse.labels().length >= n ? reuse.labels() : new float[n];
        float[] w = reuse != null && reuse.weights() != null && reuse.weights().length >= n
                ? reuse.weights()
                : new float[n];
        for (int r = 0; r < n; r++) {
            int i = order == null ? from + r : order[from + r];
            y[r] = labels[i];
            w[r] = weights[i];
        }
        if (dense != null) {
            int len = Math.multiplyExact(n, dim);
            float[] x = reuse != null && reuse.dense() != null && reuse.dense().length >= len
                    ? reuse.dense()
                    : new float[len];
            if (order == null) {
                System.arraycopy(dense, from * dim, x, 0, n * dim);
            } else {
                for (int r = 0; r < n; r++) {
                    System.arraycopy(dense, order[from + r] * dim, x, r * dim, dim);
                }
            }
            return Batch.dense(n, dim, x, y, w);
        }
        int[] ptr = reuse != null && reuse.rowPtr() != null && reuse.rowPtr().length >= n + 1
                ? reuse.rowPtr()
                : new int[n + 1];
        ptr[0] = 0;
        int total = 0;
        for (int r = 0; r < n; r++) {
            int i = order == null ? from + r : order[from + r];
            total += rowPtr[i + 1] - rowPtr[i];
            ptr[r + 1] = total;
        }
        int[] idx = reuse != null && reuse.indices() != null && reuse.indices().length >= total
                ? reuse.indices()
                : new int[total];
        float[] val = reuse != null && reuse.values() != null && reuse.values().length >= total
                ? reuse.values()
                : new float[total];
        for (int r = 0; r < n; r++) {
            int i = order == null ? from + r : order[from + r];
            int len = rowPtr[i + 1] - rowPtr[i];
            System.arraycopy(indices, rowPtr[i], idx, ptr[r], len);
            System.arraycopy(values, rowPtr[i], val, ptr[r], len);
        }
        return Batch.sparse(n, dim, ptr, idx, val, y, w);
    }

    /**
     * A uniformly random permutation of {@code 0..n-1}: the Fisher–Yates shuffle (Durstenfeld's in-place form,
     * Knuth TAOCP vol. 2, Algorithm P) drawing from {@code rng}, which advances by exactly {@code n - 1} draws.
     */
    public static int[] shuffledOrder(int n, Rng rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Collects rows (in sparse form), then builds a dense or CSR dataset. Not thread-safe. */
    public static final class Builder {
        private final int dim;
        private int size;
        private float[] labels = new float[64];
        private float[] weights = new float[64];
        private int[] rowPtr = new int[65];
        private int[] indices = new int[256];
        private float[] values = new float[256];
        private long rowsGivenDense;

        public Builder(int dim) {
            if (dim <= 0) {
                throw new IllegalArgumentException("dim must be positive, got " + dim);
            }
            this.dim = dim;
        }

        public int size() {
            return size;
        }

        /**
         * Adds one example; {@code idx[0..count)} are 0-based columns below {@code dim} (any order, duplicates
         * summed), {@code val} their values. Zero values are dropped.
         */
        public Builder add(float label, float weight, int[] idx, float[] val, int count) {
            return add(label, weight, idx, val, count, false);
        }

        /**
         * As {@link #add(float, float, int[], float[], int)}; {@code givenDense}: the row was written as a dense row
         * (all {@code dim} values, as a dense CSV row), which {@link BatchLayout} decides the layout by.
         */
        public Builder add(float label, float weight, int[] idx, float[] val, int count, boolean givenDense) {
            if (size == labels.length) {
                labels = Arrays.copyOf(labels, grow(labels.length));
                weights = Arrays.copyOf(weights, labels.length);
                rowPtr = Arrays.copyOf(rowPtr, labels.length + 1);
            }
            int start = rowPtr[size];
            if (start + count > indices.length) {
                int cap = indices.length;
                while (cap < start + count) {
                    cap = grow(cap);
                }
                indices = Arrays.copyOf(indices, cap);
                values = Arrays.copyOf(values, cap);
            }
            int p = start;
            for (int k = 0; k < count; k++) {
                int c = idx[k];
                if (c < 0 || c >= dim) {
                    throw new IllegalArgumentException("column " + c + " outside [0, " + dim + ")");
                }
                if (val[k] != 0f) {
                    indices[p] = c;
                    values[p] = val[k];
                    p++;
                }
            }
            labels[size] = label;
            weights[size] = weight;
            rowPtr[size + 1] = p;
            size++;
            if (givenDense) {
                rowsGivenDense++;
            }
            return this;
        }

        /** Adds a dense row of {@code dim} values. */
        public Builder addDense(float label, float weight, float[] x) {
            if (x.length != dim) {
                throw new IllegalArgumentException("dense row needs " + dim + " values, got " + x.length);
            }
            int[] idx = new int[dim];
            for (int i = 0; i < dim; i++) {
                idx[i] = i;
            }
            return add(label, weight, idx, x, dim, true);
        }

        private static int grow(int n) {
            long next = Math.max(16L, (long) n * 2);
            if (next > Integer.MAX_VALUE - 8) {
                if (n >= Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("too many values for one in-memory dataset");
                }
                next = Integer.MAX_VALUE - 8;
            }
            return (int) next;
        }

        public Dataset build(ReadOptions.Density density, ReadReport report) {
            long nnz = rowPtr[size];
            long cells = (long) size * dim;
            boolean dense = switch (density) {
                case DENSE -> true;
                case SPARSE -> false;
                case AUTO -> BatchLayout.dense(size, rowsGivenDense);
            };
            if (dense && cells > Integer.MAX_VALUE - 8) {
                if (density == ReadOptions.Density.DENSE) {
                    throw new IllegalStateException(size + " x " + dim + " values do not fit in one dense array");
                }
                dense = false;
            }
            float[] y = Arrays.copyOf(labels, size);
            float[] w = Arrays.copyOf(weights, size);
            if (dense) {
                float[] x = new float[(int) cells];
                for (int r = 0; r < size; r++) {
                    for (int p = rowPtr[r]; p < rowPtr[r + 1]; p++) {
                        x[r * dim + indices[p]] += values[p];
                    }
                }
                return new Dataset(dim, size, y, w, x, null, null, null, report);
            }
            return new Dataset(
                    dim,
                    size,
                    y,
                    w,
                    null,
                    Arrays.copyOf(rowPtr, size + 1),
                    Arrays.copyOf(indices, (int) nnz),
                    Arrays.copyOf(values, (int) nnz),
                    report);
        }
    }
}

package io.streamgrad.bench;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * Seeded synthetic click-through-style data: hashed categorical features in a {@code 2^20} space, each example
 * with about {@code meanNnz} distinct active features of value 1, and a binary label drawn from a known logistic
 * teacher {@code P(y=1|x) = sigmoid(w* . x)}.
 *
 * <p>Feature popularity is either uniform over the hash space ({@code zipf = 0}), the worst case for cache
 * locality: every lookup of a weight, its gradient and its optimizer state is a likely cache miss; or Zipf-like
 * ({@code P(rank r) ~ 1/r^zipf}, ranks scattered over the hash space by a multiplicative hash), as real hashed
 * categorical data is, where the hot features' weights stay in cache.
 */
public final class SparseData {
    /** The hash space of the benchmarks: 2^20 features. */
    public static final int HASH_DIM = 1 << 20;

    /**
     * @param dim         feature space
     * @param trueWeights the teacher's weights {@code w*} (the teacher has no bias)
     * @param batches     CSR batches, all of the same size
     */
    public record Dataset(int dim, float[] trueWeights, List<Batch> batches) {
        public long examples() {
            return batches.stream().mapToLong(Batch::size).sum();
        }
    }

    private SparseData() {}

    /**
     * {@code numBatches} batches of {@code batchSize} rows; each row has a number of distinct indices drawn
     * uniformly from {@code [meanNnz - meanNnz/3, meanNnz + meanNnz/3]}. The teacher's weights are
     * {@code N(0, (2/sqrt(meanNnz))^2)}, so the teacher's logit has a standard deviation of about 2 and its
     * labels are learnable but not separable.
     */
    public static Dataset logistic(long seed, int dim, int meanNnz, int batchSize, int numBatches) {
        return logistic(seed, dim, meanNnz, batchSize, numBatches, 0);
    }

    /**
     * As {@link #logistic(long, int, int, int, int)}, with feature popularity {@code P(rank r) ~ 1/r^zipf}
     * ({@code zipf = 0}: uniform). {@code dim} must be a power of two when {@code zipf > 0} (rank {@code r} goes
     * to index {@code (r * 0x9E3779B1) mod dim}, a bijection that scatters the hot features like a hash does).
     */
    public static Dataset logistic(long seed, int dim, int meanNnz, int batchSize, int numBatches, double zipf) {
        if (dim < 2 * meanNnz || meanNnz < 1 || batchSize < 1 || numBatches < 1) {
            throw new IllegalArgumentException(
                    "need dim >= 2*meanNnz, meanNnz >= 1, batchSize >= 1, numBatches >= 1;" + " got dim=" + dim
                            + " meanNnz=" + meanNnz + " batchSize=" + batchSize + " numBatches=" + numBatches);
        }
        if (zipf < 0 || zipf > 0 && Integer.bitCount(dim) != 1) {
            throw new IllegalArgumentException(
                    "zipf must be >= 0, and dim a power of two when zipf > 0; got zipf=" + zipf + " dim=" + dim);
        }
        double[] cdf = zipf > 0 ? zipfCdf(dim, zipf) : null;
        Rng rng = new Rng(seed);
        float[] w = new float[dim];
        double scale = 2.0 / Math.sqrt(meanNnz);
        for (int j = 0; j < dim; j++) {
            w[j] = (float) (scale * rng.nextGaussian());
        }
        int spread = meanNnz / 3;
        List<Batch> batches = new ArrayList<>(numBatches);
        int[] row = new int[meanNnz + spread];
        for (int b = 0; b < numBatches; b++) {
            int[] rowPtr = new int[batchSize + 1];
            int[] idx = new int[batchSize * (meanNnz + spread)];
            float[] labels = new float[batchSize];
            int p = 0;
            for (int r = 0; r < batchSize; r++) {
                int nnz = meanNnz - spread + rng.nextInt(2 * spread + 1);
                int filled = 0;
                double logit = 0;
                while (filled < nnz) {
                    int j = cdf == null ? rng.nextInt(dim) : zipfIndex(cdf, rng.nextDouble(), dim);
                    if (!contains(row, filled, j)) {
                        row[filled++] = j;
                        logit += w[j];
                    }
                }
                System.arraycopy(row, 0, idx, p, nnz);
                p += nnz;
                rowPtr[r + 1] = p;
                labels[r] = rng.nextDouble() < 1.0 / (1.0 + Math.exp(-logit)) ? 1f : 0f;
            }
            int[] indices = java.util.Arrays.copyOf(idx, p);
            float[] values = new float[p];
            java.util.Arrays.fill(values, 1f);
            batches.add(Batch.sparse(batchSize, dim, rowPtr, indices, values, labels, null));
        }
        return new Dataset(dim, w, List.copyOf(batches));
    }

    /** Cumulative probabilities of ranks 1..dim under {@code 1/r^s}, normalised. */
    private static double[] zipfCdf(int dim, double s) {
        double[] cdf = new double[dim];
        double acc = 0;
        for (int r = 0; r < dim; r++) {
            acc += Math.pow(r + 1, -s);
            cdf[r] = acc;
        }
        for (int r = 0; r < dim; r++) {
            cdf[r] /= acc;
        }
        return cdf;
    }

    private static int zipfIndex(double[] cdf, double u, int dim) {
        int rank = java.util.Arrays.binarySearch(cdf, u);
        rank = rank >= 0 ? rank : Math.min(dim - 1, -rank - 1);
        return (int) ((rank * 0x9E3779B1L) & (dim - 1));
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }
}

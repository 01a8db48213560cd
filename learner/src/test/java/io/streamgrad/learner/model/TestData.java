package io.streamgrad.learner.model;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.util.Rng;
import java.util.List;

/** Deterministic random batches and specs for the model tests. */
final class TestData {
    enum Labels {
        REGRESSION,
        BINARY,
        MULTICLASS
    }

    private TestData() {}

    /**
     * A CSR batch of {@code n} rows over {@code d} features with 1..maxNnz entries per row, normal values, and
     * some duplicate indices within rows (the Batch contract sums them). Weights in [0.5, 2), not 1.
     */
    static Batch sparse(Rng rng, int n, int d, int maxNnz, Labels labels, int classes) {
        int[] ptr = new int[n + 1];
        int[] idx = new int[n * maxNnz];
        float[] val = new float[n * maxNnz];
        int cur = 0;
        for (int r = 0; r < n; r++) {
            int m = 1 + rng.nextInt(maxNnz);
            for (int p = 0; p < m; p++) {
                // Every fourth entry repeats the previous index of the row, so duplicates are always exercised.
                idx[cur] = p > 0 && p % 4 == 3 ? idx[cur - 1] : rng.nextInt(d);
                val[cur] = (float) rng.nextGaussian();
                cur++;
            }
            ptr[r + 1] = cur;
        }
        return Batch.sparse(n, d, ptr, idx, val, labels(rng, n, labels, classes), weights(rng, n));
    }

    /** A dense batch with standard normal inputs. */
    static Batch dense(Rng rng, int n, int d, Labels labels, int classes) {
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return Batch.dense(n, d, x, labels(rng, n, labels, classes), weights(rng, n));
    }

    /** The same examples as {@code b}, dense. */
    static Batch toDense(Batch b) {
        return Batch.dense(b.size(), b.dim(), b.toDenseArray(), b.labels(), b.weights());
    }

    static float[] labels(Rng rng, int n, Labels kind, int classes) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = switch (kind) {
                case REGRESSION -> (float) rng.nextGaussian();
                case BINARY -> rng.nextInt(2);
                case MULTICLASS -> rng.nextInt(classes);
            };
        }
        return y;
    }

    static float[] weights(Rng rng, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (0.5 + 1.5 * rng.nextDouble());
        }
        return w;
    }

    /** Parameters drawn N(0, std^2), biases included, so no coordinate sits at a special value. */
    static float[] randomParams(Rng rng, int count, double std) {
        float[] p = new float[count];
        for (int i = 0; i < count; i++) {
            p[i] = (float) (std * rng.nextGaussian());
        }
        return p;
    }

    static ModelSpec linear(int d) {
        return new ModelSpec(ModelKind.LINEAR, d, 1, List.of(), null, "zeros", 0, 0);
    }

    static ModelSpec logistic(int d) {
        return new ModelSpec(ModelKind.LOGISTIC, d, 1, List.of(), null, "zeros", 0, 0);
    }

    static ModelSpec softmax(int d, int k) {
        return new ModelSpec(ModelKind.SOFTMAX, d, k, List.of(), null, "zeros", 0, 0);
    }

    static ModelSpec mlp(int d, List<Integer> hidden, int classes, String activation, String init) {
        return new ModelSpec(ModelKind.MLP, d, classes, hidden, activation, init, 0, 0);
    }

    static ModelSpec fm(int d, int factors) {
        return new ModelSpec(ModelKind.FM, d, 1, List.of(), null, "zeros", factors, 0.01);
    }
}

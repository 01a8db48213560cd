package io.streamgrad.bench;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * Seeded synthetic MNIST-shaped data for the MLP benchmarks: 784 dense features uniform in [0, 1), 10 classes,
 * the label the arg-max of a random linear teacher on the centred features. The values do not matter to the
 * speed of dense algebra; the shapes do.
 */
public final class DenseData {
    public static final int FEATURES = 784;
    public static final int CLASSES = 10;

    /** Dense row-major batches of one size. */
    public record Dataset(int features, int classes, List<Batch> batches) {}

    private DenseData() {}

    public static Dataset mnistShaped(long seed, int batchSize, int numBatches) {
        return generate(seed, FEATURES, CLASSES, batchSize, numBatches);
    }

    public static Dataset generate(long seed, int features, int classes, int batchSize, int numBatches) {
        if (features < 1 || classes < 2 || batchSize < 1 || numBatches < 1) {
            throw new IllegalArgumentException("need features >= 1, classes >= 2, batchSize >= 1, numBatches >= 1");
        }
        Rng rng = new Rng(seed);
        float[] teacher = new float[features * classes];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = (float) rng.nextGaussian();
        }
        List<Batch> batches = new ArrayList<>(numBatches);
        double[] score = new double[classes];
        for (int b = 0; b < numBatches; b++) {
            float[] x = new float[batchSize * features];
            float[] y = new float[batchSize];
            for (int r = 0; r < batchSize; r++) {
                java.util.Arrays.fill(score, 0);
                for (int j = 0; j < features; j++) {
                    float v = (float) rng.nextDouble();
                    x[r * features + j] = v;
                    for (int c = 0; c < classes; c++) {
                        score[c] += (v - 0.5) * teacher[j * classes + c];
                    }
                }
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (score[c] > score[best]) {
                        best = c;
                    }
                }
                y[r] = best;
            }
            batches.add(Batch.dense(batchSize, features, x, y, null));
        }
        return new Dataset(features, classes, List.copyOf(batches));
    }
}

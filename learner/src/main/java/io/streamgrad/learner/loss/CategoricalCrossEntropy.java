package io.streamgrad.learner.loss;

/**
 * Categorical cross-entropy on {@code k} logits with the label a class index {@code c} in {@code 0..k-1}:
 * {@code logsumexp(z) - z_c}, with the maximum subtracted before exponentiating, so any finite logits give a
 * finite loss; {@code dLoss/dz_j = softmax(z)_j - [j == c]}. Link: softmax.
 */
final class CategoricalCrossEntropy implements Loss {
    @Override
    public String name() {
        return "categorical_cross_entropy";
    }

    @Override
    public double lossAndGradient(float[] raw, float[] labels, float[] weights, int n, int k, float[] dRaw) {
        requireClasses(k);
        double sum = 0;
        double invN = 1.0 / n;
        double[] e = new double[k]; // each exp once (they are most of the cost)
        for (int i = 0; i < n; i++) {
            int off = i * k;
            int c = classIndex(labels[i], k, i);
            double max = max(raw, off, k);
            double z = 0;
            for (int j = 0; j < k; j++) {
                e[j] = Math.exp(raw[off + j] - max);
                z += e[j];
            }
            double logZ = Math.log(z);
            double w = weights[i];
            sum += w * (logZ + max - raw[off + c]);
            double scale = w * invN;
            double invZ = 1.0 / z;
            for (int j = 0; j < k; j++) {
                double p = e[j] * invZ;
                dRaw[off + j] = (float) (scale * (j == c ? p - 1.0 : p));
            }
        }
        return sum * invN;
    }

    @Override
    public double exampleLoss(float[] raw, float[] labels, int i, int k) {
        requireClasses(k);
        int off = i * k;
        int c = classIndex(labels[i], k, i);
        double max = max(raw, off, k);
        double z = 0;
        for (int j = 0; j < k; j++) {
            z += Math.exp(raw[off + j] - max);
        }
        return Math.log(z) + max - raw[off + c];
    }

    @Override
    public void link(float[] raw, int n, int k, float[] out) {
        double[] e = new double[k]; // each exp once (they are most of the cost)
        for (int i = 0; i < n; i++) {
            int off = i * k;
            double max = max(raw, off, k);
            double z = 0;
            for (int j = 0; j < k; j++) {
                e[j] = Math.exp(raw[off + j] - max);
                z += e[j];
            }
            for (int j = 0; j < k; j++) {
                out[off + j] = (float) (e[j] / z);
            }
        }
    }

    private static double max(float[] raw, int off, int k) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            m = Math.max(m, raw[off + j]);
        }
        return m;
    }

    private void requireClasses(int k) {
        if (k < 2) {
            throw new IllegalArgumentException("loss categorical_cross_entropy needs a model with k >= 2 outputs "
                    + "(model.classes), got " + k + "; use binary_cross_entropy for one logit");
        }
    }

    private static int classIndex(float label, int k, int row) {
        int c = (int) label;
        if (c != label || c < 0 || c >= k) {
            throw new IllegalArgumentException("loss categorical_cross_entropy: label of example " + row + " is "
                    + label + ", expected a class index 0.." + (k - 1));
        }
        return c;
    }
}

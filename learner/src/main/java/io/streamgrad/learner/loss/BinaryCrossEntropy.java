package io.streamgrad.learner.loss;

/**
 * Binary cross-entropy on a logit {@code z} with label {@code y} in [0, 1], in the overflow-free form
 * {@code max(z, 0) - z y + log1p(exp(-|z|))} (the form of TensorFlow's {@code sigmoid_cross_entropy_with_logits});
 * {@code dLoss/dz = sigmoid(z) - y}. Link: sigmoid.
 */
final class BinaryCrossEntropy implements Loss {
    @Override
    public String name() {
        return "binary_cross_entropy";
    }

    @Override
    public double lossAndGradient(float[] raw, float[] labels, float[] weights, int n, int k, float[] dRaw) {
        Losses.requireSingleOutput(name(), k);
        double sum = 0;
        double invN = 1.0 / n;
        for (int i = 0; i < n; i++) {
            double z = raw[i];
            double y = labels[i];
            double w = weights[i];
            sum += w * value(z, y);
            dRaw[i] = (float) (w * (sigmoid(z) - y) * invN);
        }
        return sum * invN;
    }

    static double value(double z, double y) {
        return Math.max(z, 0.0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    }

    /** The logistic function, evaluated so that {@code exp} never overflows. */
    static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    @Override
    public double exampleLoss(float[] raw, float[] labels, int i, int k) {
        Losses.requireSingleOutput(name(), k);
        return value(raw[i], labels[i]);
    }

    @Override
    public void link(float[] raw, int n, int k, float[] out) {
        for (int i = 0, m = n * k; i < m; i++) {
            out[i] = (float) sigmoid(raw[i]);
        }
    }
}

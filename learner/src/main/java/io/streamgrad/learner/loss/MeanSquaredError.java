package io.streamgrad.learner.loss;

/**
 * Squared error {@code (yHat - y)^2} per example, without a 1/2 factor, so {@code dLoss/dyHat = 2 (yHat - y)}.
 * Link: identity.
 */
final class MeanSquaredError implements Loss {
    @Override
    public String name() {
        return "mse";
    }

    @Override
    public double lossAndGradient(float[] raw, float[] labels, float[] weights, int n, int k, float[] dRaw) {
        Losses.requireSingleOutput(name(), k);
        double sum = 0;
        double invN = 1.0 / n;
        for (int i = 0; i < n; i++) {
            double r = (double) raw[i] - labels[i];
            double w = weights[i];
            sum += w * r * r;
            dRaw[i] = (float) (2.0 * w * r * invN);
        }
        return sum * invN;
    }

    @Override
    public double exampleLoss(float[] raw, float[] labels, int i, int k) {
        Losses.requireSingleOutput(name(), k);
        double r = (double) raw[i] - labels[i];
        return r * r;
    }

    @Override
    public void link(float[] raw, int n, int k, float[] out) {
        System.arraycopy(raw, 0, out, 0, n * k);
    }
}

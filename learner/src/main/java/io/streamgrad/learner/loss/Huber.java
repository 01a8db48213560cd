package io.streamgrad.learner.loss;

/**
 * Huber loss (Huber 1964) on the residual {@code r = yHat - y}: {@code 0.5 r^2} for {@code |r| <= delta},
 * {@code delta (|r| - 0.5 delta)} outside; its derivative is {@code r} clipped to {@code [-delta, delta]}.
 * Link: identity.
 */
final class Huber implements Loss {
    private final double delta;

    Huber(double delta) {
        this.delta = LossOptions.DELTA.check(delta, "for loss huber");
    }

    double delta() {
        return delta;
    }

    @Override
    public String name() {
        return "huber";
    }

    @Override
    public double lossAndGradient(float[] raw, float[] labels, float[] weights, int n, int k, float[] dRaw) {
        Losses.requireSingleOutput(name(), k);
        double sum = 0;
        double invN = 1.0 / n;
        for (int i = 0; i < n; i++) {
            double r = (double) raw[i] - labels[i];
            double w = weights[i];
            sum += w * value(r);
            double g = r > delta ? delta : (r < -delta ? -delta : r);
            dRaw[i] = (float) (w * g * invN);
        }
        return sum * invN;
    }

    private double value(double r) {
        double a = Math.abs(r);
        return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
    }

    @Override
    public double exampleLoss(float[] raw, float[] labels, int i, int k) {
        Losses.requireSingleOutput(name(), k);
        return value((double) raw[i] - labels[i]);
    }

    @Override
    public void link(float[] raw, int n, int k, float[] out) {
        System.arraycopy(raw, 0, out, 0, n * k);
    }
}

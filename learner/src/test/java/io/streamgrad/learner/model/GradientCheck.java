package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Loss;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Central-difference check of {@link Model#backward} against the model's own {@link Model#forward} and the loss.
 *
 * <p>Parameters are float, so the step is taken on the float grid: the denominator is the difference of the two
 * perturbed float values actually used, and the loss is accumulated in double by the losses. With a step of
 * ~1e-2 the rounding noise of a float forward pass (~1e-7 relative) contributes ~1e-5 to the quotient, and the
 * truncation error is O(step^2).
 */
final class GradientCheck {
    private GradientCheck() {}

    /** The analytic gradient (backward into zeros, touched == null). */
    static float[] analytic(Model model, Loss loss, Batch batch, float[] params) {
        int n = batch.size();
        int k = model.numOutputs();
        float[] raw = new float[n * k];
        float[] dRaw = new float[n * k];
        model.forward(params, batch, raw);
        loss.lossAndGradient(raw, batch.labels(), batch.weights(), n, k, dRaw);
        float[] grad = new float[model.numParams()];
        model.backward(params, batch, dRaw, grad, null);
        return grad;
    }

    static double lossAt(Model model, Loss loss, Batch batch, float[] params) {
        int n = batch.size();
        int k = model.numOutputs();
        float[] raw = new float[n * k];
        model.forward(params, batch, raw);
        return loss.lossAndGradient(raw, batch.labels(), batch.weights(), n, k, new float[n * k]);
    }

    /**
     * Asserts, for every coordinate i, {@code |numeric_i - analytic_i| <= atol + rtol * max(|numeric_i|,
     * |analytic_i|)}, and that the gradient is not identically zero (a check on an all-zero gradient proves
     * little).
     */
    static void assertGradientMatches(
            Model model, Loss loss, Batch batch, float[] params, double step, double atol, double rtol) {
        float[] grad = analytic(model, loss, batch, params);
        float[] p = params.clone();
        List<String> bad = new ArrayList<>();
        double maxAbs = 0;
        int checked = 0;
        for (int i = 0; i < p.length; i++) {
            float orig = p[i];
            float plus = (float) (orig + step);
            float minus = (float) (orig - step);
            p[i] = plus;
            double lp = lossAt(model, loss, batch, p);
            p[i] = minus;
            double lm = lossAt(model, loss, batch, p);
            p[i] = orig;
            double numeric = (lp - lm) / ((double) plus - (double) minus);
            double a = grad[i];
            maxAbs = Math.max(maxAbs, Math.abs(a));
            if (!(Math.abs(numeric - a) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(a)))) {
                bad.add(String.format(
                        Locale.ROOT,
                        "param %d%s: analytic %.6g numeric %.6g",
                        i,
                        model.isBias(i) ? " (bias)" : "",
                        a,
                        numeric));
            }
            checked++;
        }
        assertThat(checked).isEqualTo(model.numParams());
        assertThat(bad)
                .as(
                        "coordinates where backward disagrees with central differences (%s, %s, %s batch)",
                        model.spec().type(), loss.name(), batch.isSparse() ? "sparse" : "dense")
                .isEmpty();
        assertThat(maxAbs).as("largest gradient entry").isGreaterThan(10 * atol);
    }
}

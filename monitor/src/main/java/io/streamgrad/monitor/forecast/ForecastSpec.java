package io.streamgrad.monitor.forecast;

import io.streamgrad.learner.optim.OptimizerKind;
import java.util.List;

/**
 * The forecaster's settings (section {@code forecast:} and {@code score:} of {@code ops.yaml}; keys, defaults and
 * ranges declared once in {@link io.streamgrad.monitor.config.OpsOptions}, which checks them).
 *
 * @param model                  the point forecaster
 * @param intervalSeconds        the series' sampling interval; 0: inferred (the smallest positive gap seen)
 * @param lags                   the previous values used as features (linear model)
 * @param seasonalPeriodsSeconds seasonal lags: the value one period earlier, per period (linear model); the first
 *                               that fits {@code maxHistory} is Holt-Winters' season
 * @param calendar               hour-of-day and day-of-week features (sin/cos, UTC)
 * @param maxHistory             the most past values kept per series (a period longer than that is not used)
 * @param maxGapSteps            a gap of up to this many intervals is filled with forecasts; a longer one restarts
 *                               the history and the warm-up
 * @param optimizer              the learner's update rule for the linear model
 * @param learningRate           its learning rate
 * @param huberDelta             Huber loss threshold, in standard deviations of the series
 * @param normalizationHalfLife  half-life, in points, of the running mean and variance that standardise the series
 * @param hwAlpha                Holt-Winters level smoothing
 * @param hwBeta                 Holt-Winters trend smoothing
 * @param hwGamma                Holt-Winters seasonal smoothing
 * @param window                 the residuals kept to calibrate intervals and scores (sliding window)
 * @param coverage               the prediction interval's target coverage
 * @param warmup                 points before a series may alert (and before its score is other than 0)
 */
public record ForecastSpec(
        Model model,
        long intervalSeconds,
        int lags,
        List<Integer> seasonalPeriodsSeconds,
        boolean calendar,
        int maxHistory,
        int maxGapSteps,
        OptimizerKind optimizer,
        double learningRate,
        double huberDelta,
        double normalizationHalfLife,
        double hwAlpha,
        double hwBeta,
        double hwGamma,
        int window,
        double coverage,
        int warmup) {

    /** The point forecasters. */
    public enum Model {
        /** A linear model on lags, seasonal lags and calendar features, trained online with the learner. */
        LINEAR("linear"),
        /** Additive Holt-Winters (level, trend, season) with fixed smoothing constants: the baseline. */
        HOLT_WINTERS("holt_winters");

        private final String text;

        Model(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        public static List<String> names() {
            return List.of("linear", "holt_winters");
        }

        public static Model of(String name) {
            for (Model m : values()) {
                if (m.text.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException(
                    "forecast.model: unknown value '" + name + "'; allowed: " + String.join(", ", names()));
        }
    }

    public ForecastSpec {
        seasonalPeriodsSeconds = List.copyOf(seasonalPeriodsSeconds);
    }

    /** The number of linear-model features: bias, lags, one per seasonal period, four calendar terms. */
    public int features() {
        return 1 + lags + seasonalPeriodsSeconds.size() + (calendar ? 4 : 0);
    }
}

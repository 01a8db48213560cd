package io.streamgrad.monitor.config;

import io.streamgrad.learner.config.ConfigSection;
import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.Range;
import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.monitor.forecast.ForecastSpec;
import java.util.List;
import java.util.Map;

/**
 * Every key of {@code ops.yaml} (the monitoring settings of {@code detect}, {@code detect-eval} and the job's ops
 * models, {@code models.<id>} with {@code model: {type: forecast}}), declared once with its type, default, range and doc. The defaults are meant for
 * an unseen series, untuned: a persistence-initialised linear model on standardised values, intervals and scores
 * calibrated on each series' own recent residuals.
 */
public final class OpsOptions {
    private OpsOptions() {}

    public static final Option<Void> FORECAST = Option.section("forecast", "The per-series forecaster.");
    public static final Option<String> MODEL = Option.choice(
            "forecast.model",
            "linear",
            ForecastSpec.Model.names(),
            "linear: online linear model on lags, seasonal lags and calendar features, trained with the learner's"
                    + " optimizer; holt_winters: additive Holt-Winters (the baseline).");
    public static final Option<Long> INTERVAL_SECONDS = Option.longInteger(
            "forecast.interval_seconds",
            0L,
            Range.atLeast(0, Long.MAX_VALUE),
            "The sampling interval; 0: inferred per series as the smallest positive gap between points.");
    public static final Option<Integer> LAGS =
            Option.integer("forecast.lags", 3, Range.between(0, 64), "Previous values used as features.");
    public static final Option<List<Integer>> SEASONAL_PERIODS_SECONDS = Option.integerList(
                    "forecast.seasonal_periods_seconds",
                    Range.atLeast(1, Integer.MAX_VALUE),
                    "Seasonal lags: the value one period earlier, per period (daily, weekly); a period longer than"
                            + " max_history intervals is not used. The first usable one is Holt-Winters' season.")
            .defaultDocumented("[86400, 604800]");
    public static final List<Integer> DEFAULT_SEASONAL_PERIODS = List.of(86_400, 604_800);
    public static final Option<Boolean> CALENDAR =
            Option.bool("forecast.calendar", true, "Hour-of-day and day-of-week features (sin/cos, UTC).");
    public static final Option<Integer> MAX_HISTORY = Option.integer(
            "forecast.max_history",
            2048,
            Range.between(1, 1 << 20),
            "The most past values kept per series (4 bytes each in state).");
    public static final Option<Integer> MAX_GAP_STEPS = Option.integer(
            "forecast.max_gap_steps",
            12,
            Range.between(1, 1 << 20),
            "A gap of up to this many intervals is filled with forecasts; a longer one restarts the history and"
                    + " the warm-up.");
    public static final Option<String> OPTIMIZER = Option.choice(
            "forecast.optimizer",
            "adagrad",
            List.of("sgd", "adagrad", "rmsprop", "adam"),
            "The learner's update rule for the linear model.");
    public static final Option<Double> LEARNING_RATE =
            Option.number("forecast.learning_rate", 0.05, Range.POSITIVE, "The linear model's learning rate.");
    public static final Option<Double> HUBER_DELTA =
            Option.number("forecast.huber_delta", 3.0, Range.POSITIVE, "Huber loss threshold, in standard deviations.");
    public static final Option<Double> NORMALIZATION_HALF_LIFE = Option.number(
            "forecast.normalization_half_life",
            1000.0,
            Range.POSITIVE,
            "Half-life, in points, of the running mean and variance that standardise each series.");
    public static final Option<Double> HW_ALPHA =
            Option.number("forecast.hw_alpha", 0.2, Range.UNIT_LEFT_OPEN, "Holt-Winters level smoothing.");
    public static final Option<Double> HW_BETA =
            Option.number("forecast.hw_beta", 0.01, Range.UNIT_OPEN, "Holt-Winters trend smoothing.");
    public static final Option<Double> HW_GAMMA =
            Option.number("forecast.hw_gamma", 0.1, Range.UNIT_OPEN, "Holt-Winters seasonal smoothing.");

    public static final Option<Void> SCORE = Option.section("score", "Intervals and anomaly scores.");
    public static final Option<Integer> WINDOW = Option.integer(
            "score.window",
            256,
            Range.between(8, 65_536),
            "Recent absolute residuals that calibrate the interval and the score (sliding window).");
    public static final Option<Double> COVERAGE = Option.number(
            "score.coverage",
            0.95,
            new Range(0, true, 1, true, false),
            "Target coverage of the prediction interval (split conformal over the window).");
    public static final Option<Integer> WARMUP = Option.integer(
            "score.warmup",
            48,
            Range.between(0, 1 << 20),
            "Points before a series is scored or may alert (again after a restarting gap).");

    public static final Option<Void> ALERT = Option.section("alert", "The alert rule over the anomaly score.");
    public static final Option<String> RULE = Option.string("alert.rule", "anomaly", "The rule's name (alertname).");
    public static final Option<Double> SCORE_THRESHOLD = Option.number(
            "alert.score_threshold",
            0.999,
            new Range(0, true, 1, true, false),
            "The condition: anomaly_score >= this (a tail probability below 1 - this on the series' own recent"
                    + " errors).");
    public static final Option<Long> FOR_SECONDS = Option.longInteger(
            "alert.for_seconds",
            0L,
            Range.atLeast(0, Long.MAX_VALUE),
            "Pending: how long the condition must hold before the alert fires (Prometheus `for`).");
    public static final Option<Long> KEEP_FIRING_FOR_SECONDS = Option.longInteger(
            "alert.keep_firing_for_seconds",
            0L,
            Range.atLeast(0, Long.MAX_VALUE),
            "Keep firing this long after the condition stopped holding (Prometheus `keep_firing_for`); 0:"
                    + " resolve at the first point without it.");
    public static final Option<Double> MIN_ABS_DEVIATION = Option.number(
            "alert.min_abs_deviation",
            0.0,
            Range.NON_NEGATIVE,
            "Suppress the condition when |actual - forecast| is below this (in the series' unit).");
    public static final Option<Double> MIN_REL_DEVIATION = Option.number(
            "alert.min_rel_deviation",
            0.0,
            Range.NON_NEGATIVE,
            "Suppress the condition when |actual - forecast| is below this fraction of |forecast|.");
    public static final Option<Boolean> LEARN_FROM_ANOMALIES = Option.bool(
            "alert.learn_from_anomalies",
            false,
            "Whether points meeting score_threshold train the forecaster (false: their forecast stands in for"
                    + " them, up to max_skipped in a row).");
    public static final Option<Integer> MAX_SKIPPED = Option.integer(
            "alert.max_skipped",
            3,
            Range.between(0, 1 << 20),
            "The most anomalous points in a row not learned from; then the series is taken to have changed.");

    public static final Option<Void> CHANGE =
            Option.section("change", "Page-Hinkley on the standardised residuals: level shifts the model missed.");
    public static final Option<Double> PH_DELTA =
            Option.number("change.delta", 0.25, Range.NON_NEGATIVE, "Page-Hinkley tolerance, in interval half-widths.");
    public static final Option<Double> PH_LAMBDA = Option.number(
            "change.lambda",
            20.0,
            Range.POSITIVE,
            "Page-Hinkley threshold, in interval half-widths; an alarm resets the detector and makes the"
                    + " forecaster learn from the new level at once.");

    /** Every key, in documentation order. */
    public static final List<Option<?>> ALL = List.of(
            FORECAST,
            MODEL,
            INTERVAL_SECONDS,
            LAGS,
            SEASONAL_PERIODS_SECONDS,
            CALENDAR,
            MAX_HISTORY,
            MAX_GAP_STEPS,
            OPTIMIZER,
            LEARNING_RATE,
            HUBER_DELTA,
            NORMALIZATION_HALF_LIFE,
            HW_ALPHA,
            HW_BETA,
            HW_GAMMA,
            SCORE,
            WINDOW,
            COVERAGE,
            WARMUP,
            ALERT,
            RULE,
            SCORE_THRESHOLD,
            FOR_SECONDS,
            KEEP_FIRING_FOR_SECONDS,
            MIN_ABS_DEVIATION,
            MIN_REL_DEVIATION,
            LEARN_FROM_ANOMALIES,
            MAX_SKIPPED,
            CHANGE,
            PH_DELTA,
            PH_LAMBDA);

    public static final ConfigSection.Keys KEYS = new ConfigSection.Keys(ALL, Map.of(), ConfigSection.Wording.STANDARD);

    static OptimizerKind optimizer(String name) {
        return OptimizerKind.of(name);
    }

    /** A complete {@code ops.yaml} with every default spelled out. */
    public static final String EXAMPLE = """
            forecast:
              model: linear
              interval_seconds: 0          # inferred per series
              lags: 3
              seasonal_periods_seconds: [86400, 604800]
              calendar: true
              max_history: 2048
              max_gap_steps: 12
              optimizer: adagrad
              learning_rate: 0.05
            score:
              window: 256
              coverage: 0.95
              warmup: 48
            alert:
              rule: anomaly
              score_threshold: 0.999
              for_seconds: 0
              keep_firing_for_seconds: 0
              min_abs_deviation: 0
              min_rel_deviation: 0
              learn_from_anomalies: false
              max_skipped: 3
            change:
              delta: 0.25
              lambda: 20
            """;

    /** The reference table, as {@code docs/OPS.md} holds it. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Monitoring configuration reference (`ops.yaml`)\n\n")
                .append("<!-- Generated from io.streamgrad.monitor.config.OpsOptions; do not edit by hand. Regenerate:"
                        + " mvn -pl monitor test -Dtest=OpsDocsTest -Dstreamgrad.writeDocs=true -->\n\n")
                .append("The settings of `streamgrad detect --config` and `detect-eval --config`, and of each ops"
                        + " model of the streaming job; every key is"
                        + " optional (the defaults are meant for an unseen series). Unknown keys are errors with the"
                        + " closest known key suggested. Each key is declared once, in `OpsOptions`.\n\n")
                .append("In the job (`./streamgrad run`, README \"Monitoring operational series in the job\"), an ops"
                        + " model is a `models:` entry with `model: {type: forecast}` whose other keys are these,"
                        + " under `models.<id>`; the job's own keys for it are `topics.series`, `topics.scores`,"
                        + " `topics.alerts`, `series.idle_timeout_ms` and `training_health.*` (declared in the job's"
                        + " `JobOptions`, listed in docs/STREAMING.md). The same settings give the same scores in"
                        + " `detect` and in the job:\n\n")
                .append("```yaml\nmodels:\n  latency:\n    model: {type: forecast}\n    forecast: {model: linear}\n"
                        + "    alert: {for_seconds: 3600, keep_firing_for_seconds: 7200}\n```\n\n")
                .append("```yaml\n")
                .append(EXAMPLE)
                .append("```\n\n")
                .append("| key | type | default | allowed | meaning |\n")
                .append("|-----|------|---------|---------|---------|\n");
        for (Option<?> k : ALL) {
            sb.append("| `")
                    .append(k.path())
                    .append("` | ")
                    .append(k.type().text())
                    .append(" | ")
                    .append(k.defaultText().replace("|", "\\|"))
                    .append(" | ")
                    .append(k.allowedText().replace("|", "\\|"))
                    .append(" | ")
                    .append(k.doc().replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }
}

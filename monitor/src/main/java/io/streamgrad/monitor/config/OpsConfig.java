package io.streamgrad.monitor.config;

import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.config.ConfigSection;
import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.monitor.alert.AlertRule;
import io.streamgrad.monitor.forecast.ForecastSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The settings of {@code ops.yaml}, read with {@link OpsOptions} (every key optional; an empty or absent file is
 * the defaults).
 *
 * @param forecast          the forecaster
 * @param rule              the alert rule's lifecycle
 * @param scoreThreshold    the rule's condition: score at or above this
 * @param minAbsDeviation   suppression below this absolute deviation
 * @param minRelDeviation   suppression below this fraction of |forecast|
 * @param learnFromAnomalies whether anomalous points train the forecaster
 * @param maxSkipped        the most anomalous points in a row not learned from
 * @param phDelta           Page-Hinkley tolerance (interval half-widths)
 * @param phLambda          Page-Hinkley threshold (interval half-widths)
 */
public record OpsConfig(
        ForecastSpec forecast,
        AlertRule rule,
        double scoreThreshold,
        double minAbsDeviation,
        double minRelDeviation,
        boolean learnFromAnomalies,
        int maxSkipped,
        double phDelta,
        double phLambda) {

    /** The defaults: what {@code detect} uses without {@code --config}. */
    public static OpsConfig defaults() {
        return parse(Map.of(), "");
    }

    /** Reads a YAML file; problems name {@code file: key}. */
    public static OpsConfig load(Path file) throws IOException {
        String text = Files.readString(file);
        // blank or only comments: the defaults (the learner's loader would call it an empty model config)
        if (text.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#") || l.equals("---"))) {
            return defaults();
        }
        Map<String, Object> map = ConfigParser.loadYaml(text, file.toString());
        return parse(map, "");
    }

    /**
     * Reads a mapping (a whole {@code ops.yaml}, or a section of another document at {@code path}).
     *
     * @throws ConfigException listing every problem, each starting with its key path
     */
    public static OpsConfig parse(Map<String, Object> map, String path) {
        List<String> problems = new ArrayList<>();
        ConfigSection root = new ConfigSection(map, path, OpsOptions.KEYS, problems);
        ConfigSection f = root.section("forecast", false);
        String model = f.read(OpsOptions.MODEL, OpsOptions.MODEL.defaultValue());
        Long interval = f.read(OpsOptions.INTERVAL_SECONDS, OpsOptions.INTERVAL_SECONDS.defaultValue());
        Integer lags = f.read(OpsOptions.LAGS, OpsOptions.LAGS.defaultValue());
        List<Integer> periods = f.has(OpsOptions.SEASONAL_PERIODS_SECONDS.name())
                ? f.read(OpsOptions.SEASONAL_PERIODS_SECONDS, null)
                : OpsOptions.DEFAULT_SEASONAL_PERIODS;
        f.skip(OpsOptions.SEASONAL_PERIODS_SECONDS.name());
        Boolean calendar = f.read(OpsOptions.CALENDAR, OpsOptions.CALENDAR.defaultValue());
        Integer maxHistory = f.read(OpsOptions.MAX_HISTORY, OpsOptions.MAX_HISTORY.defaultValue());
        Integer maxGap = f.read(OpsOptions.MAX_GAP_STEPS, OpsOptions.MAX_GAP_STEPS.defaultValue());
        String optimizer = f.read(OpsOptions.OPTIMIZER, OpsOptions.OPTIMIZER.defaultValue());
        Double lr = f.read(OpsOptions.LEARNING_RATE, OpsOptions.LEARNING_RATE.defaultValue());
        Double huber = f.read(OpsOptions.HUBER_DELTA, OpsOptions.HUBER_DELTA.defaultValue());
        Double halfLife = f.read(OpsOptions.NORMALIZATION_HALF_LIFE, OpsOptions.NORMALIZATION_HALF_LIFE.defaultValue());
        Double alpha = f.read(OpsOptions.HW_ALPHA, OpsOptions.HW_ALPHA.defaultValue());
        Double beta = f.read(OpsOptions.HW_BETA, OpsOptions.HW_BETA.defaultValue());
        Double gamma = f.read(OpsOptions.HW_GAMMA, OpsOptions.HW_GAMMA.defaultValue());
        f.reportUnknown();
        ConfigSection s = root.section("score", false);
        Integer window = s.read(OpsOptions.WINDOW, OpsOptions.WINDOW.defaultValue());
        Double coverage = s.read(OpsOptions.COVERAGE, OpsOptions.COVERAGE.defaultValue());
        Integer warmup = s.read(OpsOptions.WARMUP, OpsOptions.WARMUP.defaultValue());
        s.reportUnknown();
        ConfigSection a = root.section("alert", false);
        String rule = a.read(OpsOptions.RULE, OpsOptions.RULE.defaultValue());
        Double threshold = a.read(OpsOptions.SCORE_THRESHOLD, OpsOptions.SCORE_THRESHOLD.defaultValue());
        Long forSeconds = a.read(OpsOptions.FOR_SECONDS, OpsOptions.FOR_SECONDS.defaultValue());
        Long keep = a.read(OpsOptions.KEEP_FIRING_FOR_SECONDS, OpsOptions.KEEP_FIRING_FOR_SECONDS.defaultValue());
        Double minAbs = a.read(OpsOptions.MIN_ABS_DEVIATION, OpsOptions.MIN_ABS_DEVIATION.defaultValue());
        Double minRel = a.read(OpsOptions.MIN_REL_DEVIATION, OpsOptions.MIN_REL_DEVIATION.defaultValue());
        Boolean learnAnomalies =
                a.read(OpsOptions.LEARN_FROM_ANOMALIES, OpsOptions.LEARN_FROM_ANOMALIES.defaultValue());
        Integer maxSkipped = a.read(OpsOptions.MAX_SKIPPED, OpsOptions.MAX_SKIPPED.defaultValue());
        a.reportUnknown();
        ConfigSection c = root.section("change", false);
        Double phDelta = c.read(OpsOptions.PH_DELTA, OpsOptions.PH_DELTA.defaultValue());
        Double phLambda = c.read(OpsOptions.PH_LAMBDA, OpsOptions.PH_LAMBDA.defaultValue());
        c.reportUnknown();
        root.reportUnknown();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        ForecastSpec spec = new ForecastSpec(
                ForecastSpec.Model.of(model),
                interval,
                lags,
                periods,
                calendar,
                maxHistory,
                maxGap,
                OptimizerKind.of(optimizer),
                lr,
                huber,
                halfLife,
                alpha,
                beta,
                gamma,
                window,
                coverage,
                warmup);
        return new OpsConfig(
                spec,
                new AlertRule(rule, forSeconds, keep),
                threshold,
                minAbs,
                minRel,
                learnAnomalies,
                maxSkipped,
                phDelta,
                phLambda);
    }
}

package io.streamgrad.monitor.forecast;

import io.streamgrad.learner.loss.Loss;
import io.streamgrad.learner.loss.LossKind;
import io.streamgrad.learner.loss.Losses;
import io.streamgrad.learner.optim.Optimizer;
import io.streamgrad.learner.optim.OptimizerOptions;
import io.streamgrad.learner.optim.OptimizerSpec;
import io.streamgrad.learner.optim.Optimizers;

/**
 * One-step-ahead forecasts of a series, learned online in event time, with a calibrated interval and an anomaly
 * score per point ({@link ResidualWindow} documents both formulas). Immutable; every point goes through
 * {@link #step} with the series' own {@link ForecasterState}.
 *
 * <p><b>Features</b> (linear model), from the series' standardised values {@code z = (y - mean) / sd} (running,
 * exponentially weighted with half-life {@code normalization_half_life}): a bias; the last {@code lags} values;
 * for each seasonal period {@code P} the value {@code round(P / interval)} steps back; and, with {@code calendar},
 * {@code sin/cos} of hour-of-day and of day-of-week (UTC, from the point's own timestamp). A value not yet seen
 * contributes 0 (the mean). The target is the next {@code z}; the loss is Huber ({@code huber_delta} standard
 * deviations) and the update the learner's optimizer (its dense step, state in {@link ForecasterState}). The
 * weights start as persistence (1 on the last value), so a new series is forecast sensibly from its second point.
 *
 * <p><b>Time, irregular and missing samples</b> (the rule, in event time):
 * <ul>
 *   <li>the interval is {@code interval_seconds}, or when 0 the smallest positive gap seen so far;
 *   <li>a point {@code k = round(gap / interval)} intervals after the previous one: {@code k <= 1} (jitter
 *       included) is the next step; {@code 1 < k <= max_gap_steps} fills the {@code k - 1} missing steps with the
 *       forecaster's own forecasts (history only: nothing is learned or scored for them); {@code k >
 *       max_gap_steps} clears the history and restarts the warm-up (weights, standardisation and residual window
 *       are kept);
 *   <li>a point at or before the previous timestamp (late or duplicate) is scored against the current forecast
 *       but neither learned from nor added to the history: it does not move the series' clock.
 * </ul>
 *
 * <p><b>Warm-up</b>: the score is 0 for the first {@code warmup} points after a (re)start; residuals enter the
 * window from point {@code warmup / 2} on (before that the model is still settling). <b>Not learning from
 * anomalies</b>: with {@code skipAbove < 1}, a warmed-up point scoring {@code >= skipAbove} is neither learned
 * from nor added to the residual window, and its forecast (not its value) goes into the history, so one outlier
 * does not drag the next forecasts; after {@code maxSkipped} such points in a row the series is taken to have
 * changed and learning resumes.
 */
public final class SeriesForecaster {
    private static final double LN2 = Math.log(2);

    private final ForecastSpec spec;
    private final Optimizer optimizer;
    private final Loss loss;

    /** One point's result. */
    public record Point(
            double forecast,
            double lower,
            double upper,
            double score,
            boolean warmedUp,
            boolean learned,
            Timing timing) {}

    /** How the point sat in the series' clock. */
    public enum Timing {
        FIRST,
        NEXT,
        AFTER_FILLED_GAP,
        AFTER_RESTART,
        LATE
    }

    public SeriesForecaster(ForecastSpec spec) {
        this.spec = spec;
        this.optimizer = Optimizers.create(new OptimizerSpec(
                spec.optimizer(),
                spec.learningRate(),
                OptimizerOptions.BETA1.defaultValue(),
                OptimizerOptions.BETA2.defaultValue(),
                OptimizerOptions.EPSILON.defaultValue(),
                0.0,
                OptimizerOptions.MOMENTUM.defaultValue(),
                OptimizerOptions.RHO.defaultValue(),
                OptimizerOptions.INITIAL_ACCUMULATOR.defaultValue(),
                OptimizerOptions.BETA.defaultValue(),
                0.0,
                0.0));
        this.loss = Losses.create(LossKind.HUBER, spec.huberDelta());
    }

    public ForecastSpec spec() {
        return spec;
    }

    public ForecasterState newState() {
        int d = spec.features();
        ForecasterState s = new ForecasterState(d, optimizer.stateSize(d), spec.window());
        optimizer.initState(s.optimizerState, d);
        if (spec.lags() > 0) {
            s.weights[1] = 1f; // persistence
        }
        return s;
    }

    /**
     * Scores one point and learns from it (per the rules above).
     *
     * @param ts         event time, epoch seconds
     * @param y          the value (finite; the caller reports and skips others)
     * @param skipAbove  score at and above which a warmed-up point is not learned from ({@code >= 1}: always learn)
     * @param maxSkipped the most points in a row not learned from
     */
    public Point step(ForecasterState s, long ts, double y, double skipAbove, int maxSkipped) {
        if (!Double.isFinite(y)) {
            throw new IllegalArgumentException("a series value must be finite, got " + y);
        }
        Timing timing;
        if (s.lastTs == ForecasterState.NONE) {
            timing = Timing.FIRST;
        } else {
            long gap = ts - s.lastTs;
            if (gap <= 0) {
                return late(s, ts, y);
            }
            if (spec.intervalSeconds() > 0) {
                s.interval = spec.intervalSeconds();
            } else if (s.interval == 0 || gap < s.interval) {
                s.interval = gap;
            }
            ensureHistory(s);
            long k = Math.max(1, Math.round((double) gap / s.interval));
            if (k > spec.maxGapSteps()) {
                s.historyCount = 0;
                s.historyNext = 0;
                s.points = 0;
                timing = Timing.AFTER_RESTART;
            } else {
                timing = k == 1 ? Timing.NEXT : Timing.AFTER_FILLED_GAP;
                for (long j = 1; j < k; j++) {
                    long slotTs = s.lastTs + j * s.interval;
                    double f = forecast(s, slotTs, null);
                    advanceHoltWinters(s, slotTs, f, false);
                    push(s, f);
                }
            }
        }
        float[] x = new float[spec.features()];
        double f = s.points == 0 && s.normN == 0 ? y : forecast(s, ts, x);
        double absR = Math.abs(y - f);
        boolean warmedUp = s.points >= spec.warmup();
        double q = ResidualWindow.halfWidth(s.residuals, s.residualCount, spec.coverage(), new float[spec.window()]);
        if (Double.isNaN(q)) {
            q = 3 * sd(s); // no residual yet: three standard deviations of the series
        }
        double score = warmedUp ? ResidualWindow.score(s.residuals, s.residualCount, absR) : 0;
        boolean learn = !warmedUp || score < skipAbove || s.skipped >= maxSkipped;
        if (learn) {
            if (spec.model() == ForecastSpec.Model.LINEAR && s.points > 0) {
                learnLinear(s, x, y);
            }
            advanceHoltWinters(s, ts, y, true);
            if (s.points >= spec.warmup() / 2) {
                int[] cn = {s.residualCount, s.residualNext};
                ResidualWindow.add(s.residuals, cn, absR);
                s.residualCount = cn[0];
                s.residualNext = cn[1];
            }
            standardise(s, y);
            push(s, y);
            s.skipped = 0;
        } else {
            advanceHoltWinters(s, ts, f, false);
            push(s, f);
            s.skipped++;
        }
        s.points++;
        s.lastTs = ts;
        return new Point(f, f - q, f + q, score, warmedUp, learn, timing);
    }

    private Point late(ForecasterState s, long ts, double y) {
        double f = forecast(s, s.lastTs + Math.max(1, s.interval), null);
        double q = ResidualWindow.halfWidth(s.residuals, s.residualCount, spec.coverage(), new float[spec.window()]);
        if (Double.isNaN(q)) {
            q = 3 * sd(s);
        }
        boolean warmedUp = s.points >= spec.warmup();
        double score = warmedUp ? ResidualWindow.score(s.residuals, s.residualCount, Math.abs(y - f)) : 0;
        return new Point(f, f - q, f + q, score, warmedUp, false, Timing.LATE);
    }

    /** The forecast for the slot at {@code ts}; fills {@code x} with the linear features when given. */
    private double forecast(ForecasterState s, long ts, float[] x) {
        if (spec.model() == ForecastSpec.Model.HOLT_WINTERS) {
            if (x != null) {
                features(s, ts, x);
            }
            return s.level + s.trend + seasonal(s, ts);
        }
        float[] f = x != null ? x : new float[spec.features()];
        features(s, ts, f);
        double dot = 0;
        for (int i = 0; i < f.length; i++) {
            dot += (double) s.weights[i] * f[i];
        }
        return s.mean + sd(s) * dot;
    }

    private void features(ForecasterState s, long ts, float[] x) {
        double sd = sd(s);
        int i = 0;
        x[i++] = 1f;
        for (int lag = 1; lag <= spec.lags(); lag++) {
            x[i++] = z(s, lag, sd);
        }
        for (int p : spec.seasonalPeriodsSeconds()) {
            x[i++] = s.interval == 0 ? 0f : z(s, (int) Math.max(1, Math.round((double) p / s.interval)), sd);
        }
        if (spec.calendar()) {
            double hour = Math.floorMod(ts, 86_400L) / 3600.0;
            double dow = Math.floorMod(Math.floorDiv(ts, 86_400L) + 3, 7L); // 1970-01-01 was a Thursday; Monday = 0
            x[i++] = (float) Math.sin(2 * Math.PI * hour / 24);
            x[i++] = (float) Math.cos(2 * Math.PI * hour / 24);
            x[i++] = (float) Math.sin(2 * Math.PI * dow / 7);
            x[i] = (float) Math.cos(2 * Math.PI * dow / 7);
        }
    }

    /** The standardised value {@code steps} back (1: the previous one), or 0 when not kept. */
    private static float z(ForecasterState s, int steps, double sd) {
        if (steps > s.historyCount) {
            return 0f;
        }
        int cap = s.history.length;
        float v = s.history[Math.floorMod(s.historyNext - steps, cap)];
        return (float) ((v - s.mean) / sd);
    }

    private void learnLinear(ForecasterState s, float[] x, double y) {
        double sd = sd(s);
        float[] raw = {0f};
        for (int i = 0; i < x.length; i++) {
            raw[0] += s.weights[i] * x[i];
        }
        float[] label = {(float) ((y - s.mean) / sd)};
        float[] dRaw = new float[1];
        loss.lossAndGradient(raw, label, new float[] {1f}, 1, 1, dRaw);
        float[] grads = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            grads[i] = dRaw[0] * x[i];
        }
        s.updates++;
        optimizer.step(s.weights, grads, s.optimizerState, s.updates, spec.learningRate());
    }

    private void standardise(ForecasterState s, double y) {
        s.normN++;
        double a = Math.max(1.0 / s.normN, 1 - Math.exp(-LN2 / spec.normalizationHalfLife()));
        double d = y - s.mean;
        s.mean += a * d;
        s.variance = (1 - a) * (s.variance + a * d * d);
    }

    private static double sd(ForecasterState s) {
        double sd = Math.sqrt(s.variance);
        double floor = 1e-6 * Math.max(1, Math.abs(s.mean));
        return Math.max(sd, floor);
    }

    /**
     * Sizes the history for the current interval: the lags and every seasonal period that fits
     * {@code max_history}; grows it (keeping the values, oldest to newest) when the interval became known or
     * shrank. Holt-Winters' season (the first usable period) is sized once.
     */
    private void ensureHistory(ForecasterState s) {
        if (s.interval == 0) {
            return;
        }
        int need = Math.max(1, spec.lags());
        int season = 0;
        for (int p : spec.seasonalPeriodsSeconds()) {
            long steps = Math.max(1, Math.round((double) p / s.interval));
            if (steps <= spec.maxHistory()) {
                need = (int) Math.max(need, steps);
                if (season == 0 && steps > 1) {
                    season = (int) steps;
                }
            }
        }
        if (s.history.length < need) {
            float[] h = new float[need];
            int cap = s.history.length;
            for (int i = 0; i < s.historyCount; i++) {
                // oldest first: steps back historyCount .. 1
                h[i] = s.history[Math.floorMod(s.historyNext - s.historyCount + i, cap)];
            }
            s.history = h;
            s.historyNext = s.historyCount % need;
        }
        if (spec.model() == ForecastSpec.Model.HOLT_WINTERS && season > 0 && s.season.length == 0) {
            s.season = new float[season];
        }
    }

    private void push(ForecasterState s, double v) {
        if (s.history.length == 0) {
            s.history = new float[1];
        }
        int cap = s.history.length;
        s.history[s.historyNext] = (float) v;
        s.historyNext = (s.historyNext + 1) % cap;
        s.historyCount = Math.min(cap, s.historyCount + 1);
    }

    private double seasonal(ForecasterState s, long ts) {
        if (s.season.length == 0 || s.interval == 0) {
            return 0;
        }
        return s.season[seasonIndex(s, ts)];
    }

    private static int seasonIndex(ForecasterState s, long ts) {
        return (int) Math.floorMod(Math.floorDiv(ts, s.interval), (long) s.season.length);
    }

    /** Holt-Winters additive update with {@code y} ({@code learn}), or its forecast carried forward. */
    private void advanceHoltWinters(ForecasterState s, long ts, double y, boolean learn) {
        if (spec.model() != ForecastSpec.Model.HOLT_WINTERS) {
            return;
        }
        if (s.normN == 0 && learn) {
            s.level = y;
            s.trend = 0;
            return;
        }
        if (!learn) {
            s.level += s.trend;
            return;
        }
        double seasonOld = seasonal(s, ts);
        double levelOld = s.level;
        s.level = spec.hwAlpha() * (y - seasonOld) + (1 - spec.hwAlpha()) * (s.level + s.trend);
        s.trend = spec.hwBeta() * (s.level - levelOld) + (1 - spec.hwBeta()) * s.trend;
        if (s.season.length > 0) {
            s.season[seasonIndex(s, ts)] = (float) (spec.hwGamma() * (y - s.level) + (1 - spec.hwGamma()) * seasonOld);
        }
    }
}

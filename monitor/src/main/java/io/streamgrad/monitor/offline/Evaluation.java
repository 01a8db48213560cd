package io.streamgrad.monitor.offline;

import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.alert.AlertRule;
import io.streamgrad.monitor.config.OpsConfig;
import io.streamgrad.monitor.forecast.ForecastSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code detect-eval}: the monitor and two simple baselines on labelled series, computed in the same run, with
 * event-level detection metrics and forecast errors.
 *
 * <p><b>Events</b> are maximal runs of label-1 rows. A detector <b>detects</b> an event when its alert is firing at
 * some row from the event's first row up to {@code tolerance} rows after its last; the <b>delay</b> is the time
 * from the event's first row to the first such firing row. A <b>false alarm</b> is an alert episode (a transition
 * to firing) that starts outside every event's span (first row to last row + tolerance); false alarms per day
 * divide by the series' time span. Every detector's per-row condition goes through the same {@link AlertRule}
 * (same {@code for}, {@code keep_firing_for}) and the same warm-up, so only the condition differs:
 * <ul>
 *   <li><b>monitor</b>: this module (score >= score_threshold, suppression, no learning from anomalies);
 *   <li><b>rolling z-score</b>: {@code |x - mean| / sd >= 3} over the previous {@code baselineWindow} rows;
 *   <li><b>windowed Gaussian</b> (as Numenta's NAB baseline): mean and sd of the last complete tumbling window of
 *       {@code baselineWindow} rows, condition when the two-sided Gaussian tail probability is
 *       {@code <= 1 - score_threshold}.
 * </ul>
 * <b>Forecast error</b> over rows after the warm-up: MAE and sMAPE ({@code mean 2|y - f| / (|y| + |f|)}, rows where
 * both are 0 left out) of the monitor's forecast, of Holt-Winters (the same settings, {@code model: holt_winters}),
 * and of the seasonal-naive forecast (the value one season earlier, the first seasonal period that fits the
 * history; the previous value when there is none).
 */
public final class Evaluation {
    private Evaluation() {}

    /** Event metrics of one detector, summed over files. */
    public static final class Detection {
        public int events;
        public int detected;
        public int falseAlarms;
        public double days;
        public final List<Long> delaysSeconds = new ArrayList<>();

        public double detectionRate() {
            return events == 0 ? Double.NaN : (double) detected / events;
        }

        public double falseAlarmsPerDay() {
            return days == 0 ? Double.NaN : falseAlarms / days;
        }

        public double medianDelaySeconds() {
            if (delaysSeconds.isEmpty()) {
                return Double.NaN;
            }
            List<Long> d = new ArrayList<>(delaysSeconds);
            d.sort(null);
            int n = d.size();
            return n % 2 == 1 ? d.get(n / 2) : (d.get(n / 2 - 1) + d.get(n / 2)) / 2.0;
        }

        /** Event F1 with false-alarm episodes as false positives: 2 TP / (2 TP + FN + FP). */
        public double f1() {
            int fn = events - detected;
            double denom = 2.0 * detected + fn + falseAlarms;
            return denom == 0 ? Double.NaN : 2.0 * detected / denom;
        }
    }

    /** Forecast error sums of one forecaster, over files. */
    public static final class ForecastError {
        double absSum;
        double smapeSum;
        long n;
        long smapeN;

        void add(double y, double f) {
            absSum += Math.abs(y - f);
            n++;
            double d = Math.abs(y) + Math.abs(f);
            if (d > 0) {
                smapeSum += 2 * Math.abs(y - f) / d;
                smapeN++;
            }
        }

        public double mae() {
            return n == 0 ? Double.NaN : absSum / n;
        }

        public double smape() {
            return smapeN == 0 ? Double.NaN : smapeSum / smapeN;
        }
    }

    /** The whole report. */
    public record Report(Map<String, Detection> detectors, Map<String, ForecastError> forecasts, int files, long rows) {
        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(
                    Locale.ROOT,
                    "%d series, %d rows, %d labelled events%n%n",
                    files,
                    rows,
                    detectors.values().iterator().next().events));
            sb.append(String.format(
                    Locale.ROOT,
                    "%-18s %9s %8s %16s %18s %6s%n",
                    "detector",
                    "detected",
                    "rate",
                    "false alarms/day",
                    "median delay (s)",
                    "F1"));
            for (Map.Entry<String, Detection> e : detectors.entrySet()) {
                Detection d = e.getValue();
                sb.append(String.format(
                        Locale.ROOT,
                        "%-18s %4d/%-4d %8.3f %16.3f %18.0f %6.3f%n",
                        e.getKey(),
                        d.detected,
                        d.events,
                        d.detectionRate(),
                        d.falseAlarmsPerDay(),
                        d.medianDelaySeconds(),
                        d.f1()));
            }
            sb.append(String.format(Locale.ROOT, "%n%-18s %12s %8s%n", "forecast", "MAE", "sMAPE"));
            for (Map.Entry<String, ForecastError> e : forecasts.entrySet()) {
                sb.append(String.format(
                        Locale.ROOT,
                        "%-18s %12.4f %8.4f%n",
                        e.getKey(),
                        e.getValue().mae(),
                        e.getValue().smape()));
            }
            return sb.toString();
        }
    }

    public static final String MONITOR = "monitor";
    public static final String ZSCORE = "rolling z-score";
    public static final String GAUSSIAN = "windowed Gaussian";

    /**
     * Evaluates every series (each with a label column).
     *
     * @param tolerance      rows after an event's last row that still count as detecting it
     * @param baselineWindow rows in the baselines' windows
     */
    public static Report run(OpsConfig config, List<SeriesCsv.Series> series, int tolerance, int baselineWindow)
            throws IOException {
        Map<String, Detection> det = new LinkedHashMap<>();
        det.put(MONITOR, new Detection());
        det.put(ZSCORE, new Detection());
        det.put(GAUSSIAN, new Detection());
        Map<String, ForecastError> fc = new LinkedHashMap<>();
        fc.put("monitor (" + config.forecast().model().text() + ")", new ForecastError());
        fc.put("holt_winters", new ForecastError());
        fc.put("seasonal naive", new ForecastError());
        SeriesMonitor monitor = new SeriesMonitor(config);
        OpsConfig hwConfig = withModel(config, ForecastSpec.Model.HOLT_WINTERS);
        SeriesMonitor hw = new SeriesMonitor(hwConfig);
        long rows = 0;
        double tail = 1 - config.scoreThreshold();
        for (SeriesCsv.Series s : series) {
            List<SeriesCsv.Row> r = s.rows();
            rows += r.size();
            if (r.size() < 2) {
                continue;
            }
            AlertKey key = new AlertKey(
                    "eval", s.file().getFileName().toString(), config.rule().name());
            List<SeriesMonitor.Result> results = Detect.run(monitor, key, r, null);
            List<SeriesMonitor.Result> hwResults = Detect.run(hw, key, r, null);
            int n = r.size();
            boolean[] mon = new boolean[n];
            boolean[] z = new boolean[n];
            boolean[] g = new boolean[n];
            for (int i = 0; i < n; i++) {
                mon[i] = results.get(i).alert() == AlertRule.Status.FIRING;
            }
            conditionsToFiring(config, r, rollingZ(r, baselineWindow, 3.0, config), z);
            conditionsToFiring(config, r, windowedGaussian(r, baselineWindow, tail, config), g);
            double days = (r.get(n - 1).epochSeconds() - r.get(0).epochSeconds()) / 86_400.0;
            score(r, mon, tolerance, days, det.get(MONITOR));
            score(r, z, tolerance, days, det.get(ZSCORE));
            score(r, g, tolerance, days, det.get(GAUSSIAN));
            int season = seasonSteps(config, r);
            int warm = config.forecast().warmup();
            for (int i = Math.max(warm, season); i < n; i++) {
                double y = r.get(i).value();
                fc.get("monitor (" + config.forecast().model().text() + ")")
                        .add(y, results.get(i).forecast());
                fc.get("holt_winters").add(y, hwResults.get(i).forecast());
                fc.get("seasonal naive").add(y, r.get(i - season).value());
            }
        }
        return new Report(det, fc, series.size(), rows);
    }

    static OpsConfig withModel(OpsConfig c, ForecastSpec.Model model) {
        ForecastSpec f = c.forecast();
        ForecastSpec g = new ForecastSpec(
                model,
                f.intervalSeconds(),
                f.lags(),
                f.seasonalPeriodsSeconds(),
                f.calendar(),
                f.maxHistory(),
                f.maxGapSteps(),
                f.optimizer(),
                f.learningRate(),
                f.huberDelta(),
                f.normalizationHalfLife(),
                f.hwAlpha(),
                f.hwBeta(),
                f.hwGamma(),
                f.window(),
                f.coverage(),
                f.warmup());
        return new OpsConfig(
                g,
                c.rule(),
                c.scoreThreshold(),
                c.minAbsDeviation(),
                c.minRelDeviation(),
                c.learnFromAnomalies(),
                c.maxSkipped(),
                c.phDelta(),
                c.phLambda());
    }

    /** The seasonal-naive lag in rows: the first seasonal period that fits max_history, at the median interval. */
    static int seasonSteps(OpsConfig c, List<SeriesCsv.Row> r) {
        long[] gaps = new long[r.size() - 1];
        for (int i = 1; i < r.size(); i++) {
            gaps[i - 1] = r.get(i).epochSeconds() - r.get(i - 1).epochSeconds();
        }
        java.util.Arrays.sort(gaps);
        long interval = Math.max(1, gaps[gaps.length / 2]);
        for (int p : c.forecast().seasonalPeriodsSeconds()) {
            long steps = Math.round((double) p / interval);
            if (steps > 1 && steps <= c.forecast().maxHistory() && steps < r.size()) {
                return (int) steps;
            }
        }
        return 1;
    }

    private static boolean[] rollingZ(List<SeriesCsv.Row> r, int w, double k, OpsConfig c) {
        boolean[] out = new boolean[r.size()];
        for (int i = w; i < r.size(); i++) {
            double sum = 0;
            double sq = 0;
            for (int j = i - w; j < i; j++) {
                double v = r.get(j).value();
                sum += v;
                sq += v * v;
            }
            double mean = sum / w;
            double sd = Math.sqrt(Math.max(0, sq / w - mean * mean));
            double dev = Math.abs(r.get(i).value() - mean);
            out[i] = sd > 0 ? dev / sd >= k : dev > 0;
        }
        return out;
    }

    private static boolean[] windowedGaussian(List<SeriesCsv.Row> r, int w, double tail, OpsConfig c) {
        boolean[] out = new boolean[r.size()];
        double z = inverseTail(tail / 2);
        for (int i = w; i < r.size(); i++) {
            int start = (i / w - 1) * w; // the last complete tumbling window before row i's window
            double sum = 0;
            double sq = 0;
            for (int j = start; j < start + w; j++) {
                double v = r.get(j).value();
                sum += v;
                sq += v * v;
            }
            double mean = sum / w;
            double sd = Math.sqrt(Math.max(0, sq / w - mean * mean));
            double dev = Math.abs(r.get(i).value() - mean);
            out[i] = sd > 0 ? dev / sd >= z : dev > 0;
        }
        return out;
    }

    /** The z with upper-tail probability p of the standard normal (bisection on erfc; p in (0, 0.5)). */
    static double inverseTail(double p) {
        double lo = 0;
        double hi = 40;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (upperTail(mid) > p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(Z > z) for the standard normal (Abramowitz-Stegun 7.1.26 erfc, |error| < 1.5e-7). */
    static double upperTail(double z) {
        double x = z / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double erfc = t
                * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                * Math.exp(-x * x);
        return x >= 0 ? erfc / 2 : 1 - erfc / 2;
    }

    /** A baseline's per-row condition through the same rule and warm-up as the monitor: firing per row. */
    private static void conditionsToFiring(OpsConfig c, List<SeriesCsv.Row> r, boolean[] cond, boolean[] firing) {
        AlertRule.State s = c.rule().newState();
        AlertKey key = new AlertKey("eval", "baseline", c.rule().name());
        for (int i = 0; i < r.size(); i++) {
            boolean active = i >= c.forecast().warmup() && cond[i];
            c.rule().evaluate(s, key, r.get(i).epochSeconds(), active, 0, 0, 0);
            firing[i] = s.status() == AlertRule.Status.FIRING;
        }
    }

    private static void score(List<SeriesCsv.Row> r, boolean[] firing, int tolerance, double days, Detection d) {
        int n = r.size();
        boolean[] inSpan = new boolean[n];
        int i = 0;
        while (i < n) {
            if (r.get(i).label() != 1) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && r.get(i).label() == 1) {
                i++;
            }
            int end = Math.min(n - 1, i - 1 + tolerance);
            d.events++;
            for (int j = start; j <= end; j++) {
                inSpan[j] = true;
            }
            for (int j = start; j <= end; j++) {
                if (firing[j]) {
                    d.detected++;
                    d.delaysSeconds.add(r.get(j).epochSeconds() - r.get(start).epochSeconds());
                    break;
                }
            }
        }
        for (int j = 0; j < n; j++) {
            boolean starts = firing[j] && (j == 0 || !firing[j - 1]);
            if (starts && !inSpan[j]) {
                d.falseAlarms++;
            }
        }
        d.days += days;
    }
}

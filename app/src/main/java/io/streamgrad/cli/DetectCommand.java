package io.streamgrad.cli;

import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.config.OpsConfig;
import io.streamgrad.monitor.offline.Detect;
import io.streamgrad.monitor.offline.Evaluation;
import io.streamgrad.monitor.offline.SeriesCsv;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code streamgrad detect} (scores one series file offline, the same per-series code the job will run) and
 * {@code streamgrad detect-eval} (detection and forecast metrics on labelled series, with baselines).
 */
final class DetectCommand {
    static final String USAGE = """
            usage: streamgrad detect --data SERIES.csv --out SCORES.csv [--config ops.yaml]
                                     [--timestamp-column NAME] [--value-column NAME] [--series NAME] [--strict]
              Forecasts the series online, point by point in file order, and writes one line per valid row:
                timestamp,value,forecast,lower,upper,anomaly_score,alert
              (lower/upper: the prediction interval, score.coverage; anomaly_score in [0, 1]; alert: the rule's
              state at that point, inactive | pending | firing). The CSV needs a header; the timestamp is ISO-8601,
              'YYYY-MM-DD HH:MM:SS' (UTC) or epoch seconds. Columns are found by name (timestamp/time/ts/date,
              value) unless named. Without --config the defaults (tuned for no series in particular) apply.
              A bad row is reported as FILE:LINE with the fix and left out; the valid rows are all scored.
              --strict  fail (exit 1) on the first bad row instead.
              --series  the series name in alert keys (default: the file name).""";

    static final String EVAL_USAGE = """
            usage: streamgrad detect-eval --data LABELLED.csv[,MORE.csv | DIRECTORY] [--label-column label]
                                          [--config ops.yaml] [--tolerance-points 3] [--baseline-window 48]
                                          [--timestamp-column NAME] [--value-column NAME]
              Runs the monitor and two baselines (rolling z-score, windowed Gaussian) on labelled series in one
              pass and prints, per detector, the events detected (label-1 runs, firing within the run or
              --tolerance-points rows after it), false alarms per day (alert episodes starting outside every event),
              the median detection delay and event F1; and the forecast MAE/sMAPE of the monitor, Holt-Winters and
              seasonal naive. A directory means every *.csv in it.""";

    private DetectCommand() {}

    static int detect(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv, Set.of("data", "out", "config", "timestamp-column", "value-column", "series"), Set.of("strict"));
        Path data = Path.of(args.required("data"));
        Path outFile = Path.of(args.required("out"));
        OpsConfig config = config(args);
        SeriesCsv.Series series =
                SeriesCsv.read(data, args.get("timestamp-column", null), args.get("value-column", null), null);
        if (!series.problems().isEmpty() && args.flag("strict")) {
            err.println("streamgrad detect: " + series.problems().get(0));
            return 1;
        }
        report(series, err);
        String name = args.get("series", data.getFileName().toString());
        try (BufferedWriter w = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) {
            List<SeriesMonitor.Result> results = Detect.run(
                    new SeriesMonitor(config),
                    new AlertKey("detect", name, config.rule().name()),
                    series.rows(),
                    w);
            long alerts = results.stream()
                    .filter(r -> r.event().isPresent()
                            && r.event().get().status() == io.streamgrad.monitor.alert.AlertEvent.Status.FIRING)
                    .count();
            out.printf(
                    "detect: %d rows scored (timestamp column '%s', value column '%s'), %d skipped, %d alert(s)"
                            + " fired -> %s%n",
                    results.size(),
                    series.timestampColumn(),
                    series.valueColumn(),
                    series.problems().size(),
                    alerts,
                    outFile);
        }
        return 0;
    }

    static int evaluate(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of(
                        "data",
                        "config",
                        "label-column",
                        "tolerance-points",
                        "baseline-window",
                        "timestamp-column",
                        "value-column"),
                Set.of());
        OpsConfig config = config(args);
        String label = args.get("label-column", "label");
        List<SeriesCsv.Series> all = new ArrayList<>();
        for (Path p : files(args.required("data"))) {
            SeriesCsv.Series s =
                    SeriesCsv.read(p, args.get("timestamp-column", null), args.get("value-column", null), label);
            report(s, err);
            all.add(s);
        }
        Evaluation.Report report =
                Evaluation.run(config, all, (int) args.longValue("tolerance-points", 3, 0, 1 << 20), (int)
                        args.longValue("baseline-window", 48, 2, 1 << 20));
        out.print(report.format());
        return 0;
    }

    static List<Path> files(String spec) throws IOException, UsageException {
        List<Path> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            Path p = Path.of(part.trim());
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".csv"))
                            .sorted()
                            .forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new UsageException("--data: " + p + " is neither a file nor a directory");
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--data: no .csv files in " + spec);
        }
        return out;
    }

    private static OpsConfig config(Args args) throws IOException {
        if (!args.has("config")) {
            return OpsConfig.defaults();
        }
        Path p = Path.of(args.get("config", null));
        if (!Files.isRegularFile(p)) {
            throw new IOException("--config: " + p + " does not exist; write an ops.yaml (README, \"Monitoring"
                    + " operational series\") or leave --config out for the defaults");
        }
        try {
            return OpsConfig.load(p);
        } catch (io.streamgrad.learner.config.ConfigException e) {
            throw new IOException(p + ": " + String.join("; ", e.problems()), e);
        }
    }

    private static void report(SeriesCsv.Series s, PrintStream err) {
        int shown = 0;
        for (String p : s.problems()) {
            if (shown++ < 10) {
                err.println("skipped " + p);
            }
        }
        if (s.problems().size() > 10) {
            err.println("skipped " + (s.problems().size() - 10) + " more bad row(s) of " + s.file());
        }
    }
}

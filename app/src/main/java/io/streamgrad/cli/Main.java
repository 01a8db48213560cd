package io.streamgrad.cli;

import io.streamgrad.job.config.JobConfigException;
import io.streamgrad.learner.util.Suggestions;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The one entry point of {@code ./streamgrad}: the offline commands ({@code train}, {@code predict},
 * {@code evaluate}) are the learner's {@link OfflineCli}; the streaming ones are here.
 *
 * <p>Exit status: 0 success, 1 failure (with a message saying why), 2 bad command line (with the usage).
 */
public final class Main {
    static final String USAGE = """
            usage: streamgrad <command> [options]

            offline (files):
              train | predict | evaluate      see `streamgrad train --help`
              detect       score one metric series (CSV): forecast, interval, anomaly score, alert state
              detect-eval  detection and forecast metrics on labelled series, beside simple baselines

            streaming (Kafka + Flink):
              demo      in-process Kafka + Flink: trains models side by side on replayed data, live progress,
                        HTML report (reports/demo.html), then serves them and prints a few predict requests
              run       --config job.yaml: run the streaming job on a local Flink MiniCluster against any Kafka
              produce   replay a LibSVM/CSV file into the examples topic (one partition, file order)
              produce-series  a series CSV into the series topic (points of one ops model's series)
              produce-interactions  an interaction CSV into the interactions topic (one mf model's user-item events)
              scores    one series' committed scores from the scores topic, as detect's CSV
              models    list committed model snapshots; save one for predict/evaluate (or as ONNX)
              export    --model SNAPSHOT --out model.onnx: the model as ONNX, for onnxruntime in any language
              metrics   print the metrics topic (--follow to keep printing)
              serve     HTTP/JSON predictions from the newest version on the models topic (pin, rollback,
                        /metrics, /healthz); see `streamgrad serve --help`
              alerts-forward  the alerts topic's firing/resolved alerts to a Prometheus Alertmanager (API v2)
              bench-stream  end-to-end benchmark: broker -> job -> snapshots beside the offline trainer
                            (the bench module's io.streamgrad.bench.stream.StreamBenchCommand; the launcher runs it)
              bench-serve   serve under a fixed request rate while the job publishes a version every second:
                            latency with/without swaps, answers checked offline (bench.stream.ServeBenchCommand)
              bench-series  ops monitoring end to end: seeded points of 100,000 series -> job -> scores; points/s,
                            point-to-score p50/p99, state bytes per series (bench.stream.SeriesBenchCommand)
              bench-recs    recommendations end to end: ~10^6-row mf model (k = 32) -> FULL/DELTA versions -> a
                            follower; interactions/s vs offline, delta bytes, event-to-servable p50/p99, served ==
                            offline bit for bit (bench.stream.RecsBenchCommand)

            `streamgrad <command> --help` prints a command's options.
            exit status: 0 ok, 1 failed, 2 bad command line
            """;

    /** Every command name, for "did you mean" (bench-stream runs from the bench module). */
    static final List<String> COMMANDS = List.of(
            "train",
            "predict",
            "evaluate",
            "demo",
            "run",
            "produce",
            "models",
            "export",
            "metrics",
            "serve",
            "detect",
            "detect-eval",
            "produce-series",
            "produce-interactions",
            "scores",
            "alerts-forward",
            "help");

    private Main() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        String cds = cdsNotice(System.getProperty(CDS_ARCHIVE_PROPERTY));
        if (cds != null) {
            System.err.println(cds);
        }
        System.err.flush();
        // Flink, Kafka and ND4J leave non-daemon threads behind; the command has finished its work.
        System.exit(status);
    }

    /**
     * Set by the {@code streamgrad} launcher when this JVM writes its class-data archive at exit (the first demo or
     * run after a build): the archive it writes.
     */
    static final String CDS_ARCHIVE_PROPERTY = "streamgrad.cds.archive";

    /** The line said before the JVM writes its class-data archive at exit (seconds of silence otherwise), or null. */
    static String cdsNotice(String archive) {
        return archive == null || archive.isBlank()
                ? null
                : "writing the class-data archive " + archive + " so that later commands start faster (once after a"
                        + " build, a few seconds; STREAMGRAD_CDS=off skips it)";
    }

    /** Runs one command; returns its exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        boolean help = rest.contains("--help") || rest.contains("-h");
        String usage = switch (command) {
            case "demo" -> DemoCommand.USAGE;
            case "run" -> RunCommand.USAGE;
            case "produce" -> ProduceCommand.USAGE;
            case "models" -> ModelsCommand.USAGE;
            case "export" -> ExportCommand.USAGE;
            case "metrics" -> MetricsCommand.USAGE;
            case "serve" -> ServeCommand.USAGE;
            case "detect" -> DetectCommand.USAGE;
            case "detect-eval" -> DetectCommand.EVAL_USAGE;
            case "produce-series" -> SeriesCommand.PRODUCE_USAGE;
            case "produce-interactions" -> InteractionsCommand.USAGE;
            case "scores" -> SeriesCommand.SCORES_USAGE;
            case "alerts-forward" -> AlertsForwardCommand.USAGE;
            default -> USAGE;
        };
        switch (command) {
            case "train", "predict", "evaluate" -> {
                return OfflineCli.run(args, out, err);
            }
            case "help", "--help", "-h" -> {
                out.print(USAGE);
                return 0;
            }
            default -> {
                if (usage == USAGE) {
                    String hint = Suggestions.closest(command, COMMANDS);
                    err.println("streamgrad: unknown command '" + command + "'"
                            + (hint == null ? "" : "; did you mean '" + hint + "'?"));
                    err.print(USAGE);
                    return 2;
                }
            }
        }
        if (help) {
            out.println(usage);
            return 0;
        }
        return guarded(command, usage, err, () -> switch (command) {
            case "demo" -> DemoCommand.run(rest, out, err);
            case "run" -> RunCommand.run(rest, out, err);
            case "produce" -> ProduceCommand.run(rest, out, err);
            case "models" -> ModelsCommand.run(rest, out, err);
            case "export" -> ExportCommand.run(rest, out, err);
            case "metrics" -> MetricsCommand.run(rest, out, err);
            case "serve" -> ServeCommand.run(rest, out, err);
            case "detect" -> DetectCommand.detect(rest, out, err);
            case "detect-eval" -> DetectCommand.evaluate(rest, out, err);
            case "produce-series" -> SeriesCommand.produce(rest, out, err);
            case "produce-interactions" -> InteractionsCommand.produce(rest, out, err);
            case "scores" -> SeriesCommand.scores(rest, out, err);
            case "alerts-forward" -> AlertsForwardCommand.run(rest, out, err);
            default -> throw new IllegalStateException(command);
        });
    }

    /** A command's body: returns its exit status. */
    @FunctionalInterface
    public interface Command {
        int run() throws Exception;
    }

    /**
     * Runs a command's body with the command line's error handling (used by every command, and by the bench
     * module's {@code bench-stream}): a {@link UsageException} prints the message and the usage (exit 2); any
     * other failure prints its message and causes, which name the place and the fix (exit 1).
     */
    public static int guarded(String command, String usage, PrintStream err, Command body) {
        try {
            return body.run();
        } catch (UsageException e) {
            err.println("streamgrad " + command + ": " + e.getMessage());
            err.println(usage);
            return 2;
        } catch (JobConfigException e) {
            err.println("streamgrad " + command + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            // Config, data and Kafka errors carry messages that name the place and the fix.
            err.println("streamgrad " + command + ": " + describe(e));
            return 1;
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb =
                new StringBuilder(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        // A failed Flink job wraps the cause several levels deep (job execution, restart strategy, coordinator...):
        // the root cause is what tells the user what to fix (e.g. "Authentication failed ...").
        Throwable root = e;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        Throwable c = e.getCause();
        int depth = 0;
        while (c != null && c != e && depth++ < 4) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append("\n  caused by: ").append(c.getMessage());
            }
            e = c;
            c = c.getCause();
        }
        if (root.getMessage() != null && !sb.toString().contains(root.getMessage())) {
            sb.append("\n  root cause: ")
                    .append(root.getClass().getSimpleName())
                    .append(": ")
                    .append(root.getMessage());
        }
        return sb.toString();
    }
}

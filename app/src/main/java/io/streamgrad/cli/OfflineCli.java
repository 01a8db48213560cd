package io.streamgrad.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.data.DataFormat;
import io.streamgrad.learner.data.DataFormatException;
import io.streamgrad.learner.data.DataReaders;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.data.OnError;
import io.streamgrad.learner.data.ReadOptions;
import io.streamgrad.learner.data.ReadReport;
import io.streamgrad.learner.io.FormatException;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import io.streamgrad.learner.metrics.PrequentialMetrics;
import io.streamgrad.learner.recs.MfModelFile;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.OfflineTrainer;
import io.streamgrad.learner.train.Predictor;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The offline command line: {@code train}, {@code predict} and {@code evaluate} on files (the {@code ./streamgrad}
 * launcher dispatches these three commands here).
 *
 * <ul>
 *   <li>{@code train --config model.yaml --data FILE --save SNAPSHOT [--passes N]}: passes over the data in
 *   batches of {@code batch_size} (file order, or reshuffled per pass with {@code shuffle: true}), printing each
 *   pass's prequential metrics, then saves a snapshot. {@code --resume SNAPSHOT} continues from a saved model
 *   (its config, unless {@code --config} is given and equal) and saves the next version.</li>
 *   <li>{@code predict --model SNAPSHOT --data FILE}: one line per example, in input order: the value
 *   ({@code linear}, regression {@code mlp}/{@code fm}), the positive-class probability ({@code logistic}, binary
 *   {@code mlp}/{@code fm}), or the k class probabilities separated by single spaces ({@code softmax}, multi-class
 *   {@code mlp}). Numbers are written with {@link Float#toString(float)}: the shortest decimal that reads back
 *   to the same float. Labels in the input are not needed.</li>
 *   <li>{@code evaluate --model SNAPSHOT --data FILE [--json]}: the metrics of {@link PrequentialMetrics} with
 *   the model fixed; {@code --json} prints one JSON object.</li>
 * </ul>
 * Common options: {@code --format libsvm|csv} (default: csv for {@code *.csv}, libsvm otherwise),
 * {@code --label-column NAME} (CSV, default {@code label}), {@code --weight-column NAME} (CSV),
 * {@code --on-error skip|fail} (default fail).
 *
 * <p>Exit status: 0 success, 1 failure (bad config, bad data, unreadable files), 2 bad command line.
 */
public final class OfflineCli {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: streamgrad <command> [options]

            commands:
              train     --config MODEL.yaml --data FILE --save SNAPSHOT [--passes N] [--model-id ID]
                        [--resume SNAPSHOT] [data options]
                        train a model on a file, printing prequential metrics per pass; save a snapshot
              predict   --model SNAPSHOT --data FILE [data options]
                        print one prediction line per example, in input order
              evaluate  --model SNAPSHOT --data FILE [--json] [data options]
                        print the model's metrics on a labelled file

            recommendation models (config model.type: mf; README "Recommendations (offline first)"):
              train     --config MF.yaml --data INTERACTIONS.csv --save MODEL.sgr [--passes N]
                        CSV user,item[,rating],timestamp[,<context field>...] in timestamp order (one column per
                        field under context: in the config); prints prequential recall@K,
                        NDCG@K (implicit) or RMSE/MAE (ratings) beside a popularity baseline
              evaluate  --model MODEL.sgr --data INTERACTIONS.csv [--json]
                        the saved model, fixed, on another interaction file

            data options:
              --format libsvm|csv       default: csv for *.csv files, libsvm otherwise
              --label-column NAME       CSV label column (default: label)
              --weight-column NAME      CSV example-weight column (default: none, weight 1)
              --on-error skip|fail      skip bad lines (counted and reported) or stop (default: fail)

            exit status: 0 ok, 1 failed, 2 bad command line
            """;

    private static final Set<String> DATA_OPTIONS = Set.of("format", "label-column", "weight-column", "on-error");
    private static final Set<String> TRAIN_OPTIONS =
            union(DATA_OPTIONS, Set.of("config", "data", "save", "passes", "model-id", "resume"));
    private static final Set<String> PREDICT_OPTIONS = union(DATA_OPTIONS, Set.of("model", "data"));
    private static final Set<String> EVALUATE_OPTIONS = union(DATA_OPTIONS, Set.of("model", "data", "json"));
    private static final Set<String> FLAGS = Set.of("json", "help");

    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    private OfflineCli(PrintStream out, PrintStream err, Clock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command; returns the exit status. Never calls {@link System#exit}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, Clock.systemUTC());
    }

    static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
        return new OfflineCli(out, err, clock).dispatch(args);
    }

    private int dispatch(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        String command = args[0];
        Set<String> allowed = switch (command) {
            case "train" -> TRAIN_OPTIONS;
            case "predict" -> PREDICT_OPTIONS;
            case "evaluate" -> EVALUATE_OPTIONS;
            default -> null;
        };
        if (allowed == null) {
            return usage("unknown command '" + command + "'; commands: train, predict, evaluate");
        }
        Args opts;
        try {
            Set<String> switches = new java.util.HashSet<>(FLAGS);
            switches.retainAll(union(allowed, Set.of("help")));
            Set<String> valued = new java.util.HashSet<>(allowed);
            valued.removeAll(FLAGS);
            opts = Args.parse(java.util.Arrays.asList(args).subList(1, args.length), valued, switches);
        } catch (UsageException e) {
            return usage(command + ": " + e.getMessage());
        }
        if (opts.flag("help")) {
            out.print(USAGE_TEXT);
            return OK;
        }
        try {
            return switch (command) {
                case "train" -> train(opts);
                case "predict" -> predict(opts);
                default -> evaluate(opts);
            };
        } catch (UsageException e) {
            return usage(command + ": " + e.getMessage());
        } catch (ConfigException e) {
            err.println("error: invalid config "
                    + e.getMessage().lines().findFirst().orElse(""));
            e.problems().stream().skip(1).forEach(p -> err.println("error: invalid config " + p));
            return FAILED;
        } catch (DataFormatException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        } catch (NoSuchFileException e) {
            err.println("error: no such file: " + e.getFile());
            return FAILED;
        } catch (AccessDeniedException e) {
            err.println("error: permission denied: " + e.getFile());
            return FAILED;
        } catch (FormatException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        } catch (IOException e) {
            err.println("error: " + e);
            return FAILED;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        }
    }

    private int usage(String message) {
        err.println("error: " + message);
        err.print(USAGE_TEXT);
        return USAGE;
    }

    // ---------------------------------------------------------------------------------------------- train

    private int train(Args opts) throws IOException, UsageException {
        Path data = Path.of(opts.required("data"));
        Path save = Path.of(opts.required("save"));
        int passes = (int) opts.longValue("passes", 1, 1, Integer.MAX_VALUE);
        if (opts.has("config") && RecsCli.isRecsConfig(Path.of(opts.get("config", null)))) {
            if (opts.has("resume")) {
                throw new UsageException("--resume is not supported for mf models yet; train from the start");
            }
            return RecsCli.train(Path.of(opts.get("config", null)), data, save, passes, out);
        }
        Snapshot resumed = opts.has("resume") ? SnapshotFile.read(Path.of(opts.get("resume", null))) : null;
        TrainerConfig config;
        if (opts.has("config")) {
            Path configFile = Path.of(opts.get("config", null));
            try {
                config = ConfigParser.parse(configFile);
            } catch (ConfigException e) {
                throw prefixed(configFile, e);
            }
            if (resumed != null && !resumed.config().equals(config)) {
                throw new UsageException("--config " + configFile + " differs from the config saved in --resume "
                        + opts.get("resume", null) + "; leave --config out to continue with the saved one");
            }
        } else if (resumed != null) {
            config = resumed.config();
        } else {
            throw new UsageException("missing --config MODEL.yaml");
        }
        String modelId = opts.get(
                "model-id",
                resumed != null
                        ? resumed.modelId()
                        : opts.has("config") ? baseName(Path.of(opts.get("config", null))) : "model");

        Dataset dataset = DataReaders.read(data, config, readOptions(opts, true));
        reportRead(dataset);
        OfflineTrainer trainer = new OfflineTrainer(config);
        ModelState state = resumed != null ? resumed.state().copy() : trainer.initState();
        if (resumed != null
                && state.params().length != trainer.trainer().model().numParams()) {
            throw new FormatException(opts.get("resume", null) + ": its state has " + state.params().length
                    + " parameters, its config's model has "
                    + trainer.trainer().model().numParams());
        }
        if (resumed != null) {
            // A saved model carries no last-good copy (see the save below): the resumed state is the one to return to.
            trainer.trainer().markGood(state);
        }
        PrequentialMetrics metrics = PrequentialMetrics.forConfig(config);
        long rejected = 0;
        long rollbacks = 0;
        String firstReject = null;
        for (int p = 1; p <= passes; p++) {
            metrics.reset();
            OfflineTrainer.PassResult r = trainer.pass(state, dataset, metrics);
            rejected += r.rejected();
            rollbacks += r.rollbacks();
            if (firstReject == null) {
                firstReject = r.firstRejectReason();
            }
            out.println("pass " + p + "/" + passes + ": " + formatMetrics(metrics.snapshot())
                    + (r.rejected() > 0 ? " rejected_batches=" + r.rejected() : "")
                    + (r.rollbacks() > 0 ? " rollbacks=" + r.rollbacks() + " lr_scale=" + r.lrScale() : "")
                    + " (prequential)");
        }
        long version = resumed != null ? resumed.version() + 1 : 1;
        Map<String, Double> finalMetrics = metrics.snapshot();
        // The last-good copy is left out of the saved model: it would double the file, and a resumed run marks the
        // saved state good itself.
        SnapshotFile.write(
                save,
                new Snapshot(
                        modelId, version, clock.millis(), config, state.withoutLastGood(), finalMetrics, Map.of()));
        out.println("trained " + passes + (passes == 1 ? " pass" : " passes") + ": " + state.step() + " updates, "
                + state.examplesSeen() + " examples trained in total, " + rejected + " batches rejected"
                + (firstReject == null ? "" : " (first: " + firstReject + ")") + ", "
                + (rollbacks > 0 ? rollbacks + " rollbacks (learning-rate scale now " + state.lrScale() + "), " : "")
                + dataset.report().skipped() + " lines of " + data + " skipped");
        out.println("saved " + save + " (model '" + modelId + "', version " + version + ", step " + state.step() + ")");
        return OK;
    }

    // -------------------------------------------------------------------------------------------- predict

    private int predict(Args opts) throws IOException, UsageException {
        Snapshot snapshot = SnapshotFile.read(Path.of(opts.required("model")));
        Path data = Path.of(opts.required("data"));
        TrainerConfig config = snapshot.config();
        Dataset dataset = DataReaders.read(data, config, readOptions(opts, false));
        reportRead(dataset);
        Predictor predictor = new Predictor(config);
        float[] params = snapshot.state().params();
        int k = predictor.outputs();
        int chunk = Math.max(1, Math.min(config.batchSize(), 4096));
        float[] buffer = null;
        StringBuilder line = new StringBuilder();
        for (int from = 0; from < dataset.size(); from += chunk) {
            int to = Math.min(from + chunk, dataset.size());
            Batch batch = dataset.batch(from, to);
            buffer = predictor.predict(params, batch, buffer);
            for (int i = 0; i < batch.size(); i++) {
                line.setLength(0);
                for (int c = 0; c < k; c++) {
                    if (c > 0) {
                        line.append(' ');
                    }
                    line.append(Float.toString(buffer[i * k + c]));
                }
                out.println(line);
            }
        }
        return OK;
    }

    // ------------------------------------------------------------------------------------------- evaluate

    private int evaluate(Args opts) throws IOException, UsageException {
        if (MfModelFile.looksLike(Path.of(opts.required("model")))) {
            return RecsCli.evaluate(
                    Path.of(opts.required("model")), Path.of(opts.required("data")), opts.flag("json"), out);
        }
        Snapshot snapshot = SnapshotFile.read(Path.of(opts.required("model")));
        Path data = Path.of(opts.required("data"));
        TrainerConfig config = snapshot.config();
        Dataset dataset = DataReaders.read(data, config, readOptions(opts, true));
        reportRead(dataset);
        Map<String, Double> m = evaluate(config, snapshot.state(), dataset);
        if (opts.flag("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model_id", snapshot.modelId());
            json.put("version", snapshot.version());
            for (Map.Entry<String, Double> e : m.entrySet()) {
                json.put(
                        e.getKey(),
                        e.getKey().equals(PrequentialMetrics.EXAMPLES)
                                ? (Object) e.getValue().longValue()
                                : e.getValue());
            }
            json.put("skipped_lines", dataset.report().skipped());
            try {
                out.println(new ObjectMapper().writeValueAsString(json));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write metrics as JSON", e);
            }
        } else {
            out.println("model '" + snapshot.modelId() + "' version " + snapshot.version() + " on " + data + ":");
            for (Map.Entry<String, Double> e : m.entrySet()) {
                out.println("  " + e.getKey() + ": " + formatValue(e.getKey(), e.getValue()));
            }
        }
        return OK;
    }

    /** The metrics of a fixed model on a dataset (batches of {@code batch_size}, in order). */
    public static Map<String, Double> evaluate(TrainerConfig config, ModelState state, Dataset dataset) {
        Predictor predictor = new Predictor(config);
        PrequentialMetrics metrics = PrequentialMetrics.forConfig(config);
        float[] buffer = null;
        int chunk = config.batchSize();
        for (int from = 0; from < dataset.size(); from += chunk) {
            int to = (int) Math.min((long) from + chunk, dataset.size());
            Batch batch = dataset.batch(from, to);
            if (buffer == null || buffer.length < batch.size() * predictor.outputs()) {
                buffer = new float[batch.size() * predictor.outputs()];
            }
            double loss = predictor.predictWithLoss(state.params(), batch, buffer);
            metrics.add(buffer, batch.labels(), batch.weights(), batch.size(), loss);
        }
        return metrics.snapshot();
    }

    // ------------------------------------------------------------------------------------------- helpers

    private void reportRead(Dataset dataset) {
        ReadReport r = dataset.report();
        if (r.skipped() > 0) {
            for (String problem : r.problems()) {
                err.println("warning: " + problem + " (line skipped)");
            }
            if (r.skipped() > r.problems().size()) {
                err.println(
                        "warning: " + (r.skipped() - r.problems().size()) + " more bad lines skipped in " + r.file());
            }
        }
        err.println("read " + r.file() + ": " + r.examples() + " examples (" + (dataset.isDense() ? "dense" : "sparse")
                + ", " + dataset.dim() + " features), " + r.skipped() + " lines skipped");
    }

    private static ReadOptions readOptions(Args opts, boolean requireLabels) throws UsageException {
        ReadOptions o = ReadOptions.defaults().withRequireLabels(requireLabels);
        try {
            if (opts.has("format")) {
                o = o.withFormat(DataFormat.parse(opts.get("format", null)));
            }
            if (opts.has("on-error")) {
                o = o.withOnError(OnError.parse(opts.get("on-error", null)));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (opts.has("label-column")) {
            o = o.withLabelColumn(opts.get("label-column", null));
        }
        if (opts.has("weight-column")) {
            o = o.withWeightColumn(opts.get("weight-column", null));
        }
        return o;
    }

    static String formatMetrics(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e.getKey()).append('=').append(formatValue(e.getKey(), e.getValue()));
        }
        return sb.toString();
    }

    private static String formatValue(String key, double v) {
        if (key.equals(PrequentialMetrics.EXAMPLES)) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, "%.6f", v);
    }

    private static ConfigException prefixed(Path file, ConfigException e) {
        return new ConfigException(
                e.problems().stream().map(p -> file + ": " + p).toList());
    }

    private static String baseName(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }

    static List<String> commands() {
        return List.of("train", "predict", "evaluate");
    }
}

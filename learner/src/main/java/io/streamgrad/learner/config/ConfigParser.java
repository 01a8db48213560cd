package io.streamgrad.learner.config;

import io.streamgrad.learner.loss.LossKind;
import io.streamgrad.learner.loss.LossOptions;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.model.ModelOptions;
import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.learner.optim.OptimizerOptions;
import io.streamgrad.learner.optim.OptimizerSpec;
import io.streamgrad.learner.schedule.ScheduleKind;
import io.streamgrad.learner.schedule.ScheduleOptions;
import io.streamgrad.learner.schedule.ScheduleSpec;
import io.streamgrad.learner.schedule.Schedules;
import io.streamgrad.learner.train.ClippingSpec;
import io.streamgrad.learner.train.DivergenceSpec;
import io.streamgrad.learner.train.RegularizationSpec;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a model's YAML configuration into a validated {@link TrainerConfig}. Keys, types, defaults and allowed
 * values are the {@link Option}s of the registries ({@link ConfigKeys}); see {@code docs/CONFIG.md}.
 *
 * <p>YAML is read with snakeyaml's {@link SafeConstructor} only (plain maps, lists, scalars: no arbitrary types),
 * duplicate keys refused. Every problem is collected and reported together in one {@link ConfigException}, one
 * line per problem, each starting with the full key path (with the caller's prefix, e.g. {@code models.ctr.}).
 * Unknown keys are errors with a suggestion; values outside their range name the value and the range; the
 * model's size is checked against {@link Defaults#MAX_ARRAY_FLOATS} and {@link Defaults#MAX_STATE_FLOATS}
 * before anything is allocated.
 *
 * <p>Thread-safe (stateless).
 */
public final class ConfigParser {
    private ConfigParser() {}

    /** Parses a YAML document whose root is one model configuration. */
    public static TrainerConfig parse(String yaml) {
        return parse(loadYaml(yaml, ""), "");
    }

    /** Reads and parses a YAML file; problems are prefixed by nothing but the key path (the caller names the file). */
    public static TrainerConfig parse(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Loads YAML text into plain maps/lists/scalars (safe constructor). A syntax error becomes a
     * {@link ConfigException} naming the line and column.
     *
     * @param path the key path of the document's root, for messages ({@code ""} for a whole file)
     */
    public static Map<String, Object> loadYaml(String yaml, String path) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(20);
        Yaml parser = new Yaml(new SafeConstructor(options));
        Object root;
        try {
            root = parser.load(yaml);
        } catch (YAMLException e) {
            throw new ConfigException((path.isEmpty() ? "" : path + ": ") + "invalid YAML: "
                    + e.getMessage().replace('\n', ' ').replaceAll(" +", " ").trim());
        }
        if (root == null) {
            throw new ConfigException((path.isEmpty() ? "config" : path)
                    + ": empty; a model config needs at least model.type, model.features, loss and optimizer.type");
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException((path.isEmpty() ? "config" : path)
                    + ": expected a mapping of keys (model:, loss:, optimizer: ...), got " + describe(root));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return m;
    }

    /**
     * Parses one model configuration held as a map (for example one entry of the streaming job's
     * {@code models:} map).
     *
     * @param config the map, as loaded by a safe YAML constructor
     * @param path   the key path of {@code config} in its document, prefixed to every message
     *               ({@code "models.ctr"}; {@code ""} for a document root)
     * @throws ConfigException listing every problem found
     */
    public static TrainerConfig parse(Map<String, Object> config, String path) {
        Problems problems = new Problems();
        ConfigSection root = new ConfigSection(config, path, KEYS, problems.list);
        TrainerConfig result = read(root, problems);
        root.reportUnknown();
        if (!problems.list.isEmpty() || result == null) {
            throw new ConfigException(problems.list);
        }
        return result;
    }

    private static TrainerConfig read(ConfigSection root, Problems problems) {
        // model: keys the kind does not use are refused
        ConfigSection model = root.section("model", true);
        ModelKind kind = kindOf(model.read(ModelOptions.TYPE, null), ModelKind::of);
        Map<String, Object> mv = new HashMap<>();
        for (Option<?> o : ModelOptions.ALL) {
            if (o == ModelOptions.TYPE) {
                continue;
            }
            boolean common = ModelKind.usersOf(o).equals(String.join(", ", ModelKind.names()));
            if (kind == null && !common || kind != null && !kind.uses(o)) {
                if (kind != null) {
                    model.notApplicable(o.name(), ModelKind.usersOf(o));
                } else {
                    model.skip(o.name());
                }
                mv.put(o.path(), o == ModelOptions.HIDDEN ? List.of() : o.defaultValue());
                continue;
            }
            Object def = o == ModelOptions.INIT
                    ? (kind == null ? "zeros" : kind.defaultInit((String) mv.get(ModelOptions.ACTIVATION.path())))
                    : o.defaultValue();
            mv.put(o.path(), model.read(o, def));
        }
        model.reportUnknown();
        Integer features = (Integer) mv.get(ModelOptions.FEATURES.path());
        Integer classes = (Integer) mv.get(ModelOptions.CLASSES.path());
        @SuppressWarnings("unchecked")
        List<Integer> hidden = (List<Integer>) mv.get(ModelOptions.HIDDEN.path());
        String activation = (String) mv.get(ModelOptions.ACTIVATION.path());
        String init = (String) mv.get(ModelOptions.INIT.path());
        Integer factors = (Integer) mv.get(ModelOptions.FACTORS.path());
        Double initStd = (Double) mv.get(ModelOptions.INIT_STD.path());

        // loss: a name, or a section
        LossKind loss;
        Double huberDelta = LossOptions.DELTA.defaultValue();
        if (root.raw("loss") instanceof Map<?, ?>) {
            ConfigSection ls = root.section("loss", true);
            loss = kindOf(ls.read(LossOptions.TYPE, null), LossKind::of);
            huberDelta = ls.read(LossOptions.DELTA, LossOptions.DELTA.defaultValue());
            ls.reportUnknown();
        } else {
            loss = kindOf(root.read(LossOptions.LOSS, null), LossKind::of);
        }

        // optimizer: keys of other kinds are accepted (with the family's range) and ignored
        ConfigSection opt = root.section("optimizer", true);
        OptimizerKind optKind = kindOf(opt.read(OptimizerOptions.TYPE, null), OptimizerKind::of);
        Map<String, Object> ov = new HashMap<>();
        for (Option<?> o : OptimizerOptions.ALL) {
            if (o == OptimizerOptions.TYPE) {
                continue;
            }
            Object def = o == OptimizerOptions.LEARNING_RATE && optKind != null
                    ? optKind.defaultLearningRate()
                    : o.defaultValue();
            ov.put(o.path(), opt.read(o, def));
        }
        opt.reportUnknown();
        Double lr = (Double) ov.get(OptimizerOptions.LEARNING_RATE.path());

        // schedule: a name, or a section; keys of other kinds are accepted (with the family's range) and ignored
        ScheduleKind schedKind;
        Map<String, Object> sv = new HashMap<>();
        for (Option<?> o : ScheduleOptions.ALL) {
            sv.put(o.path(), o == ScheduleOptions.DECAY_STEPS ? 0L : o.defaultValue());
        }
        Object schedNode = root.raw("schedule");
        if (!(schedNode instanceof Map<?, ?>)) {
            schedKind = kindOf(
                    root.read(ScheduleOptions.SCHEDULE, ScheduleOptions.SCHEDULE.defaultValue()), ScheduleKind::of);
        } else {
            ConfigSection s = root.section("schedule", false);
            schedKind = kindOf(s.read(ScheduleOptions.TYPE, ScheduleOptions.TYPE.defaultValue()), ScheduleKind::of);
            for (Option<?> o : ScheduleOptions.ALL) {
                if (o == ScheduleOptions.TYPE) {
                    continue;
                }
                Option<?> variant = schedKind == null ? o : schedKind.variantOf(o);
                Object def = o == ScheduleOptions.DECAY_STEPS
                        ? (schedKind == ScheduleKind.CONSTANT ? Long.valueOf(0) : null)
                        : o.defaultValue();
                sv.put(o.path(), s.read(variant, def));
            }
            s.reportUnknown();
        }
        if (schedKind != null
                && schedKind != ScheduleKind.CONSTANT
                && schedNode != null
                && !(schedNode instanceof Map<?, ?>)) {
            problems.add(root.path("schedule") + ": '" + schedKind + "' needs decay_steps; write it as a section, "
                    + "e.g. schedule: {type: " + schedKind + ", decay_steps: 1000}");
        }
        Double minLr = (Double) sv.get(ScheduleOptions.MIN_LEARNING_RATE.path());

        // regularization, clipping, divergence, top level
        Map<String, Object> tv = new HashMap<>();
        readAll(root.section("regularization", false), TrainingOptions.REGULARIZATION_KEYS, tv);
        readAll(root.section("clipping", false), TrainingOptions.CLIPPING_KEYS, tv);
        readAll(root.section("divergence", false), TrainingOptions.DIVERGENCE_KEYS, tv);
        for (Option<?> o : TrainingOptions.TOP_LEVEL_KEYS) {
            tv.put(o.path(), root.read(o, o.defaultValue()));
        }

        // Cross-checks, only between values that were themselves valid.
        if (kind != null && loss != null) {
            checkModelLoss(root, kind, loss, classes, problems);
        }
        if (kind == ModelKind.MLP && "zeros".equals(init)) {
            problems.add(root.path("model.init") + ": zeros would make every hidden unit of the mlp identical "
                    + "(they would never differ); use " + kind.defaultInit(activation) + " or another of "
                    + "xavier_uniform, xavier_normal, he");
        }
        if (lr != null && minLr != null && schedKind == ScheduleKind.COSINE && minLr >= lr) {
            problems.add(root.path("schedule.min_learning_rate") + ": " + ConfigWriter.formatDouble(minLr)
                    + " must be below optimizer.learning_rate " + ConfigWriter.formatDouble(lr));
        }
        if (kind != null
                && features != null
                && classes != null
                && optKind != null
                && factors != null
                && hidden != null) {
            checkSize(root, kind, features, classes, hidden, factors, optKind, problems);
        }

        if (!problems.list.isEmpty()
                || mv.containsValue(null)
                || ov.containsValue(null)
                || sv.containsValue(null)
                || tv.containsValue(null)
                || huberDelta == null
                || loss == null
                || schedKind == null) {
            return null;
        }
        ModelSpec spec = new ModelSpec(kind, features, classes, hidden, activation, init, factors, initStd);
        double l1 = (Double) tv.get(TrainingOptions.L1.path());
        double l2 = (Double) tv.get(TrainingOptions.L2.path());
        OptimizerSpec optimizer = new OptimizerSpec(
                optKind,
                lr,
                (Double) ov.get(OptimizerOptions.BETA1.path()),
                (Double) ov.get(OptimizerOptions.BETA2.path()),
                (Double) ov.get(OptimizerOptions.EPSILON.path()),
                (Double) ov.get(OptimizerOptions.WEIGHT_DECAY.path()),
                (Double) ov.get(OptimizerOptions.MOMENTUM.path()),
                (Double) ov.get(OptimizerOptions.RHO.path()),
                (Double) ov.get(OptimizerOptions.INITIAL_ACCUMULATOR.path()),
                (Double) ov.get(OptimizerOptions.BETA.path()),
                l1,
                l2);
        ScheduleSpec schedule = new ScheduleSpec(
                schedKind,
                (Long) sv.get(ScheduleOptions.DECAY_STEPS.path()),
                (Double) sv.get(ScheduleOptions.DECAY_RATE.path()),
                (Boolean) sv.get(ScheduleOptions.STAIRCASE.path()),
                minLr,
                (Long) sv.get(ScheduleOptions.WARMUP_STEPS.path()));
        // The components check their arguments with the same options; building them here makes any check that
        // spans keys (adamw's weight_decay * learning_rate < 1) fail at parse time, not in a running job.
        build(root, problems, () -> optKind.create(optimizer));
        build(root, problems, () -> Schedules.create(schedule, lr));
        LossKind lossKind = loss;
        double delta = huberDelta;
        build(root, problems, () -> lossKind.create(delta));
        if (!problems.list.isEmpty()) {
            return null;
        }
        return new TrainerConfig(
                spec,
                loss,
                huberDelta,
                optimizer,
                schedule,
                new RegularizationSpec(l1, l2),
                new ClippingSpec(
                        (Double) tv.get(TrainingOptions.CLIP_VALUE.path()),
                        (Double) tv.get(TrainingOptions.CLIP_GLOBAL_NORM.path()),
                        (Double) tv.get(TrainingOptions.CLIP_WEIGHT.path())),
                (Integer) tv.get(TrainingOptions.BATCH_SIZE.path()),
                (Boolean) tv.get(TrainingOptions.SHUFFLE.path()),
                (Long) tv.get(TrainingOptions.SEED.path()),
                (Boolean) tv.get(TrainingOptions.SPARSE_UPDATES.path()),
                new DivergenceSpec(
                        (Integer) tv.get(TrainingOptions.MAX_BAD_BATCHES.path()),
                        (Double) tv.get(TrainingOptions.LR_BACKOFF.path()),
                        (Double) tv.get(TrainingOptions.MIN_LR_SCALE.path())));
    }

    private static <K> K kindOf(String name, Function<String, K> of) {
        return name == null ? null : of.apply(name);
    }

    private static void readAll(ConfigSection section, List<Option<?>> options, Map<String, Object> into) {
        for (Option<?> o : options) {
            into.put(o.path(), section.read(o, o.defaultValue()));
        }
        section.reportUnknown();
    }

    /** Builds a component; its refusal (a message starting with the key path) becomes a problem. */
    private static void build(ConfigSection root, Problems problems, Runnable create) {
        try {
            create.run();
        } catch (IllegalArgumentException e) {
            problems.add(root.prefixed(e.getMessage()));
        }
    }

    private static void checkModelLoss(
            ConfigSection root, ModelKind type, LossKind loss, Integer classes, Problems problems) {
        String lossKey = root.path("loss");
        String classesKey = root.path("model.classes");
        switch (type) {
            case LOGISTIC -> {
                if (loss != LossKind.BINARY_CROSS_ENTROPY) {
                    problems.add(lossKey + ": model.type logistic needs binary_cross_entropy, got '" + loss
                            + "' (use linear for mse/huber, softmax for categorical_cross_entropy)");
                }
                requireOneOutput(classesKey, type, classes, problems);
            }
            case SOFTMAX -> {
                if (loss != LossKind.CATEGORICAL_CROSS_ENTROPY) {
                    problems.add(lossKey + ": model.type softmax needs categorical_cross_entropy, got '" + loss + "'"
                            + " (use logistic for binary_cross_entropy, linear for mse/huber)");
                }
                if (classes != null && classes < 2) {
                    problems.add(classesKey + ": softmax needs classes >= 2, "
                            + (root.hasModelClasses() ? "got " + classes : "and it is missing")
                            + " (set model.classes to the number of classes)");
                }
            }
            case LINEAR -> {
                if (loss != LossKind.MSE && loss != LossKind.HUBER) {
                    problems.add(lossKey + ": model.type linear needs mse or huber, got '" + loss
                            + "' (use logistic or softmax for classification)");
                }
                requireOneOutput(classesKey, type, classes, problems);
            }
            case FM -> {
                if (loss == LossKind.CATEGORICAL_CROSS_ENTROPY) {
                    problems.add(lossKey + ": model.type fm has one output and needs binary_cross_entropy, mse or "
                            + "huber, got '" + loss + "'");
                }
                requireOneOutput(classesKey, type, classes, problems);
            }
            case MLP -> {
                if (classes == null) {
                    return;
                }
                if (loss == LossKind.CATEGORICAL_CROSS_ENTROPY && classes < 2) {
                    problems.add(classesKey + ": an mlp with categorical_cross_entropy needs classes >= 2, "
                            + (root.hasModelClasses() ? "got " + classes : "and it is missing")
                            + " (set model.classes to the number of classes)");
                } else if (loss != LossKind.CATEGORICAL_CROSS_ENTROPY && classes != 1) {
                    problems.add(classesKey + ": an mlp with " + loss + " has one output; classes must be 1, got "
                            + classes + " (use categorical_cross_entropy for " + classes + " classes)");
                }
            }
        }
    }

    private static void requireOneOutput(String key, ModelKind type, Integer classes, Problems problems) {
        if (classes != null && classes != 1) {
            problems.add(key + ": model.type " + type + " has one output; classes must be 1, got " + classes
                    + (type == ModelKind.FM ? "" : " (use softmax or mlp for k classes)"));
        }
    }

    /** The parameter count the config implies (saturating; see {@link ModelKind#parameterCount}). */
    public static long parameterCount(ModelKind type, long features, long classes, List<Integer> hidden, long factors) {
        return type.parameterCount(features, classes, hidden, factors);
    }

    private static void checkSize(
            ConfigSection root,
            ModelKind type,
            int features,
            int classes,
            List<Integer> hidden,
            int factors,
            OptimizerKind optType,
            Problems problems) {
        long params = parameterCount(type, features, classes, hidden, factors);
        String keys = type.sizeKeys();
        if (params > Defaults.MAX_ARRAY_FLOATS) {
            problems.add(root.path("model") + ": " + String.format(Locale.ROOT, "%,d", params)
                    + " parameters do not fit in one array (at most "
                    + String.format(Locale.ROOT, "%,d", Defaults.MAX_ARRAY_FLOATS) + "); reduce " + keys);
            return;
        }
        long stateFloats = sat(params, satMul(params, optType.statePerParam()));
        if (stateFloats > Defaults.MAX_STATE_FLOATS) {
            problems.add(root.path("model") + ": " + String.format(Locale.ROOT, "%,d", params) + " parameters plus "
                    + optType + " state make " + String.format(Locale.ROOT, "%,d", stateFloats)
                    + " floats, more than the limit of " + String.format(Locale.ROOT, "%,d", Defaults.MAX_STATE_FLOATS)
                    + " (2 GiB); reduce " + keys + " or choose an optimizer.type with less state (sgd keeps none)");
        }
    }

    private static long sat(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static long satMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
    }

    /** Names people often use for a key, mapped to its full path. */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("lr", "optimizer.learning_rate"), Map.entry("eta", "optimizer.learning_rate"),
            Map.entry("alpha", "optimizer.learning_rate"), Map.entry("eps", "optimizer.epsilon"),
            Map.entry("decay", "optimizer.weight_decay"), Map.entry("lambda1", "regularization.l1"),
            Map.entry("lambda2", "regularization.l2"), Map.entry("num_features", "model.features"),
            Map.entry("n_features", "model.features"), Map.entry("input_dim", "model.features"),
            Map.entry("num_classes", "model.classes"), Map.entry("n_classes", "model.classes"),
            Map.entry("layers", "model.hidden"), Map.entry("hidden_layers", "model.hidden"),
            Map.entry("hidden_units", "model.hidden"), Map.entry("batch", "batch_size"),
            Map.entry("batchsize", "batch_size"), Map.entry("random_seed", "seed"),
            Map.entry("clip_norm", "clipping.global_norm"), Map.entry("max_norm", "clipping.global_norm"),
            Map.entry("max_bad", "divergence.max_bad_batches"), Map.entry("backoff", "divergence.lr_backoff"));

    /** The model config's keys, aliases and wording, for {@link ConfigSection}. */
    static final ConfigSection.Keys KEYS =
            new ConfigSection.Keys(ConfigKeys.ALL, ALIASES, ConfigSection.Wording.STANDARD);

    static String describe(Object v) {
        return ConfigSection.describe(v);
    }

    private static final class Problems {
        final List<String> list = new ArrayList<>();

        void add(String problem) {
            list.add(problem);
        }
    }
}

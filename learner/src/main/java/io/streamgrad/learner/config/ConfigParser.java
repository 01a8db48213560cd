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
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
    private ConfigParser() {
    }

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
        Section root = new Section(config, path, "", problems);
        TrainerConfig result = read(root, problems);
        root.reportUnknown();
        if (!problems.list.isEmpty() || result == null) {
            throw new ConfigException(problems.list);
        }
        return result;
    }

    private static TrainerConfig read(Section root, Problems problems) {
        // model: keys the kind does not use are refused
        Section model = root.section("model", true);
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
            Section ls = root.section("loss", true);
            loss = kindOf(ls.read(LossOptions.TYPE, null), LossKind::of);
            huberDelta = ls.read(LossOptions.DELTA, LossOptions.DELTA.defaultValue());
            ls.reportUnknown();
        } else {
            loss = kindOf(root.read(LossOptions.LOSS, null), LossKind::of);
        }

        // optimizer: keys of other kinds are accepted (with the family's range) and ignored
        Section opt = root.section("optimizer", true);
        OptimizerKind optKind = kindOf(opt.read(OptimizerOptions.TYPE, null), OptimizerKind::of);
        Map<String, Object> ov = new HashMap<>();
        for (Option<?> o : OptimizerOptions.ALL) {
            if (o == OptimizerOptions.TYPE) {
                continue;
            }
            Object def = o == OptimizerOptions.LEARNING_RATE && optKind != null ? optKind.defaultLearningRate()
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
            schedKind = kindOf(root.read(ScheduleOptions.SCHEDULE, ScheduleOptions.SCHEDULE.defaultValue()),
                    ScheduleKind::of);
        } else {
            Section s = root.section("schedule", false);
            schedKind = kindOf(s.read(ScheduleOptions.TYPE, ScheduleOptions.TYPE.defaultValue()), ScheduleKind::of);
            for (Option<?> o : ScheduleOptions.ALL) {
                if (o == ScheduleOptions.TYPE) {
                    continue;
                }
                Option<?> variant = schedKind == null ? o : schedKind.variantOf(o);
                Object def = o == ScheduleOptions.DECAY_STEPS
                        ? (schedKind == ScheduleKind.CONSTANT ? Long.valueOf(0) : null) : o.defaultValue();
                sv.put(o.path(), s.read(variant, def));
            }
            s.reportUnknown();
        }
        if (schedKind != null && schedKind != ScheduleKind.CONSTANT && schedNode != null
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
        if (kind != null && features != null && classes != null && optKind != null && factors != null
                && hidden != null) {
            checkSize(root, kind, features, classes, hidden, factors, optKind, problems);
        }

        if (!problems.list.isEmpty() || mv.containsValue(null) || ov.containsValue(null) || sv.containsValue(null)
                || tv.containsValue(null) || huberDelta == null || loss == null || schedKind == null) {
            return null;
        }
        ModelSpec spec = new ModelSpec(kind, features, classes, hidden, activation, init, factors, initStd);
        double l1 = (Double) tv.get(TrainingOptions.L1.path());
        double l2 = (Double) tv.get(TrainingOptions.L2.path());
        OptimizerSpec optimizer = new OptimizerSpec(optKind, lr, (Double) ov.get(OptimizerOptions.BETA1.path()),
                (Double) ov.get(OptimizerOptions.BETA2.path()), (Double) ov.get(OptimizerOptions.EPSILON.path()),
                (Double) ov.get(OptimizerOptions.WEIGHT_DECAY.path()),
                (Double) ov.get(OptimizerOptions.MOMENTUM.path()), (Double) ov.get(OptimizerOptions.RHO.path()),
                (Double) ov.get(OptimizerOptions.INITIAL_ACCUMULATOR.path()),
                (Double) ov.get(OptimizerOptions.BETA.path()), l1, l2);
        ScheduleSpec schedule = new ScheduleSpec(schedKind, (Long) sv.get(ScheduleOptions.DECAY_STEPS.path()),
                (Double) sv.get(ScheduleOptions.DECAY_RATE.path()), (Boolean) sv.get(ScheduleOptions.STAIRCASE.path()),
                minLr, (Long) sv.get(ScheduleOptions.WARMUP_STEPS.path()));
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
        return new TrainerConfig(spec, loss, huberDelta, optimizer, schedule, new RegularizationSpec(l1, l2),
                new ClippingSpec((Double) tv.get(TrainingOptions.CLIP_VALUE.path()),
                        (Double) tv.get(TrainingOptions.CLIP_GLOBAL_NORM.path()),
                        (Double) tv.get(TrainingOptions.CLIP_WEIGHT.path())),
                (Integer) tv.get(TrainingOptions.BATCH_SIZE.path()), (Boolean) tv.get(TrainingOptions.SHUFFLE.path()),
                (Long) tv.get(TrainingOptions.SEED.path()), (Boolean) tv.get(TrainingOptions.SPARSE_UPDATES.path()),
                new DivergenceSpec((Integer) tv.get(TrainingOptions.MAX_BAD_BATCHES.path()),
                        (Double) tv.get(TrainingOptions.LR_BACKOFF.path()),
                        (Double) tv.get(TrainingOptions.MIN_LR_SCALE.path())));
    }

    private static <K> K kindOf(String name, Function<String, K> of) {
        return name == null ? null : of.apply(name);
    }

    private static void readAll(Section section, List<Option<?>> options, Map<String, Object> into) {
        for (Option<?> o : options) {
            into.put(o.path(), section.read(o, o.defaultValue()));
        }
        section.reportUnknown();
    }

    /** Builds a component; its refusal (a message starting with the key path) becomes a problem. */
    private static void build(Section root, Problems problems, Runnable create) {
        try {
            create.run();
        } catch (IllegalArgumentException e) {
            problems.add(root.prefixed(e.getMessage()));
        }
    }

    private static void checkModelLoss(Section root, ModelKind type, LossKind loss, Integer classes, Problems problems) {
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
                    problems.add(classesKey + ": softmax needs classes >= 2, " + (root.hasModelClasses()
                            ? "got " + classes : "and it is missing") + " (set model.classes to the number of classes)");
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
    public static long parameterCount(ModelKind type, long features, long classes, List<Integer> hidden,
                                      long factors) {
        return type.parameterCount(features, classes, hidden, factors);
    }

    private static void checkSize(Section root, ModelKind type, int features, int classes, List<Integer> hidden,
                                  int factors, OptimizerKind optType, Problems problems) {
        long params = parameterCount(type, features, classes, hidden, factors);
        String keys = type.sizeKeys();
        if (params > Defaults.MAX_ARRAY_FLOATS) {
            problems.add(root.path("model") + ": " + String.format(Locale.ROOT, "%,d", params)
                    + " parameters do not fit in one array (at most " + String.format(Locale.ROOT, "%,d",
                    Defaults.MAX_ARRAY_FLOATS) + "); reduce " + keys);
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

    static String describe(Object v) {
        if (v == null) {
            return "nothing (null)";
        }
        if (v instanceof String s) {
            return "'" + s + "'";
        }
        if (v instanceof Map<?, ?>) {
            return "a section (mapping)";
        }
        if (v instanceof List<?>) {
            return "a list " + v;
        }
        return String.valueOf(v);
    }

    /** Levenshtein distance, for "did you mean" suggestions. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
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

    /** The closest known key to an unknown one, or null. */
    static String suggest(String section, String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String lower = unknown.toLowerCase(Locale.ROOT).replace('-', '_');
        if (ALIASES.containsKey(lower)) {
            return ALIASES.get(lower);
        }
        for (String known : ConfigKeys.childrenOf(section)) {
            int d = distance(lower, known);
            if (d < bestDistance) {
                bestDistance = d;
                best = known;
            }
        }
        int threshold = unknown.length() <= 4 ? 1 : Math.max(2, unknown.length() / 3);
        if (best != null && bestDistance <= threshold) {
            return section.isEmpty() ? best : section + "." + best;
        }
        // Same name in another section ("model.learning_rate" -> "optimizer.learning_rate").
        for (Option<?> k : ConfigKeys.ALL) {
            if (k.name().equals(lower) && !k.section().equals(section)) {
                return k.path();
            }
        }
        return null;
    }

    private static final class Problems {
        final List<String> list = new ArrayList<>();

        void add(String problem) {
            list.add(problem);
        }
    }

    /**
     * One mapping of the document with its path; remembers which keys were read so the rest can be reported as
     * unknown.
     */
    private static final class Section {
        private final Map<?, ?> map;
        private final String prefix;     // caller's path prefix ("models.ctr" or "")
        private final String section;    // the section's key path below the model root ("optimizer" or "")
        private final Problems problems;
        private final Set<String> read = new HashSet<>();
        /** A required section that is missing: its own required keys are not reported again. */
        private boolean absent;

        Section(Map<?, ?> map, String prefix, String section, Problems problems) {
            this.map = map == null ? Map.of() : map;
            this.prefix = prefix;
            this.section = section;
            this.problems = problems;
        }

        /** The full path of a key of this section, with the caller's prefix. */
        String path(String key) {
            String local = section.isEmpty() ? key : section + "." + key;
            return prefix.isEmpty() ? local : prefix + "." + local;
        }

        Object raw(String key) {
            return map.get(key);
        }

        boolean hasModelClasses() {
            return map.get("model") instanceof Map<?, ?> m && m.containsKey("classes");
        }

        Section section(String key, boolean required) {
            read.add(key);
            Object v = map.get(key);
            String local = section.isEmpty() ? key : section + "." + key;
            if (v == null) {
                Section empty = new Section(Map.of(), prefix, local, problems);
                if (required) {
                    problems.add(path(key) + ": required section is " + (map.containsKey(key) ? "empty" : "missing")
                            + "; it needs at least " + requiredKeysOf(local));
                    empty.absent = true;
                }
                return empty;
            }
            if (!(v instanceof Map<?, ?> m)) {
                problems.add(path(key) + ": expected a section (mapping) of " + String.join(", ",
                        ConfigKeys.childrenOf(local)) + ", got " + describe(v));
                Section empty = new Section(Map.of(), prefix, local, problems);
                empty.absent = true;
                return empty;
            }
            return new Section(m, prefix, local, problems);
        }

        private static String requiredKeysOf(String section) {
            List<String> names = new ArrayList<>();
            for (Option<?> k : ConfigKeys.ALL) {
                if (k.section().equals(section) && k.required()) {
                    names.add(k.name());
                }
            }
            return names.isEmpty() ? "one key" : String.join(", ", names);
        }

        /** The full path of a message that starts with a key path below the model root. */
        String prefixed(String message) {
            return prefix.isEmpty() ? message : prefix + "." + message;
        }

        /** Marks a key as handled without reading it (a key of an unknown kind). */
        void skip(String key) {
            read.add(key);
        }

        /**
         * Reads {@code option} (its last segment, in this section) with its type and validator; {@code def} when
         * absent (null: required). Null when the value is invalid (the problem is recorded).
         */
        @SuppressWarnings("unchecked")
        <T> T read(Option<T> option, Object def) {
            String key = option.name();
            Range r = option.range();
            Object v = switch (option.type()) {
                case NUMBER -> doubleValue(key, (Double) def, r);
                case INTEGER -> {
                    if (option.defaultValue() instanceof Long || def instanceof Long
                            || r.high() > Integer.MAX_VALUE || r.low() < Integer.MIN_VALUE) {
                        yield longValue(key, (Long) def, (long) r.low(), (long) r.high());
                    }
                    yield intValue(key, (Integer) def, (int) r.low(), (int) r.high());
                }
                case BOOLEAN -> boolValue(key, (Boolean) def);
                case STRING, STRING_OR_SECTION -> enumValue(key, (String) def, option.choices());
                case INTEGER_LIST -> intList(key, def == null, (int) r.low());
                case SECTION -> throw new IllegalArgumentException("a section has no value: " + option);
            };
            return (T) v;
        }

        void notApplicable(String key, String appliesTo) {
            read.add(key);
            if (map.containsKey(key)) {
                problems.add(path(key) + ": only applies to model.type " + appliesTo
                        + "; remove it (model.type is " + describe(map.get("type")) + ")");
            }
        }

        private Object value(String key, boolean required, String expected) {
            read.add(key);
            Object v = map.get(key);
            if (v == null && required && !absent) {
                problems.add(path(key) + ": required" + (map.containsKey(key) ? " but empty" : "") + "; expected "
                        + expected);
            } else if (v == null && map.containsKey(key)) {
                problems.add(path(key) + ": empty value; expected " + expected + " (or leave the key out for the "
                        + "default)");
            }
            return v;
        }

        String enumValue(String key, String def, List<String> allowed) {
            String expected = "one of " + String.join(", ", allowed);
            Object v = value(key, def == null, expected);
            if (v == null) {
                return map.containsKey(key) ? null : def;
            }
            if (!(v instanceof String s)) {
                problems.add(path(key) + ": expected one of " + String.join(", ", allowed) + ", got " + describe(v));
                return null;
            }
            if (!allowed.contains(s)) {
                String hint = "";
                String lower = s.toLowerCase(Locale.ROOT).replace('-', '_');
                if (allowed.contains(lower)) {
                    hint = " (did you mean '" + lower + "'?)";
                } else {
                    String best = null;
                    int bestD = Integer.MAX_VALUE;
                    for (String a : allowed) {
                        int d = distance(lower, a);
                        if (d < bestD) {
                            bestD = d;
                            best = a;
                        }
                    }
                    if (best != null && bestD <= Math.max(2, s.length() / 3)) {
                        hint = " (did you mean '" + best + "'?)";
                    }
                }
                problems.add(path(key) + ": unknown value '" + s + "'; allowed: " + String.join(", ", allowed) + hint);
                return null;
            }
            return s;
        }

        Integer intValue(String key, Integer def, int min, int max) {
            Long v = longValue(key, def == null ? null : Long.valueOf(def), min, max);
            return v == null ? null : Math.toIntExact(v);
        }

        Long longValue(String key, Long def, long min, long max) {
            String range = rangeText(min, max);
            Object v = value(key, def == null, "an integer " + range);
            if (v == null) {
                return map.containsKey(key) ? null : def;
            }
            long x;
            if (v instanceof Integer i) {
                x = i;
            } else if (v instanceof Long l) {
                x = l;
            } else if (v instanceof BigInteger) {
                problems.add(path(key) + ": " + v + " is out of range; allowed: integer " + range);
                return null;
            } else {
                problems.add(path(key) + ": expected an integer " + range + ", got " + describe(v));
                return null;
            }
            if (x < min || x > max) {
                problems.add(path(key) + ": " + x + " is out of range; allowed: integer " + range);
                return null;
            }
            return x;
        }

        private static String rangeText(long min, long max) {
            if (min == Long.MIN_VALUE && max == Long.MAX_VALUE) {
                return "(any 64-bit value)";
            }
            if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
                return ">= " + min;
            }
            return "in [" + min + ", " + max + "]";
        }

        Double doubleValue(String key, Double def, Range range) {
            Object v = value(key, def == null, "a number " + range.text());
            if (v == null) {
                return map.containsKey(key) ? null : def;
            }
            double x;
            if (v instanceof Number n && !(v instanceof BigInteger)) {
                x = n.doubleValue();
            } else if (v instanceof String s && looksNumeric(s)) {
                // YAML 1.1 reads 1e-8 (no dot) as a string; accept it as the number it spells.
                x = Double.parseDouble(s.trim());
            } else {
                problems.add(path(key) + ": expected a number " + range.text() + ", got " + describe(v));
                return null;
            }
            if (!Double.isFinite(x) || !range.contains(x)) {
                problems.add(path(key) + ": " + ConfigWriter.formatDouble(x) + " is out of range; allowed: "
                        + range.text() + (Double.isFinite(x) ? "" : " and finite"));
                return null;
            }
            return x;
        }

        private static boolean looksNumeric(String s) {
            return s.trim().matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
        }

        Boolean boolValue(String key, Boolean def) {
            Object v = value(key, false, "true or false");
            if (v == null) {
                return map.containsKey(key) ? null : def;
            }
            if (!(v instanceof Boolean b)) {
                problems.add(path(key) + ": expected true or false, got " + describe(v));
                return null;
            }
            return b;
        }

        List<Integer> intList(String key, boolean required, int min) {
            Object v = value(key, required, "a list of integers >= " + min + ", e.g. [64, 32]");
            if (v == null) {
                return map.containsKey(key) || required ? null : List.of();
            }
            if (v instanceof Integer single) {
                v = List.of(single);
            }
            if (!(v instanceof List<?> list)) {
                problems.add(path(key) + ": expected a list of integers >= " + min + " (e.g. [64, 32]), got "
                        + describe(v));
                return null;
            }
            if (list.isEmpty() && required) {
                problems.add(path(key) + ": needs at least one hidden layer width, e.g. [64]");
                return null;
            }
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Object e = list.get(i);
                if (!(e instanceof Integer x) || x < min) {
                    problems.add(path(key) + "[" + i + "]: expected an integer >= " + min + ", got " + describe(e));
                    return null;
                }
                out.add(x);
            }
            return List.copyOf(out);
        }

        void reportUnknown() {
            for (Object k : map.keySet()) {
                if (!(k instanceof String name)) {
                    problems.add(path(String.valueOf(k)) + ": keys must be names, got " + describe(k));
                    continue;
                }
                if (read.contains(name)) {
                    continue;
                }
                String suggestion = suggest(section, name);
                Set<String> known = ConfigKeys.childrenOf(section);
                problems.add(path(name) + ": unknown key" + (suggestion == null ? "" : "; did you mean '"
                        + (prefix.isEmpty() ? suggestion : prefix + "." + suggestion) + "'?")
                        + " (known " + (section.isEmpty() ? "top-level keys" : "keys of " + section) + ": "
                        + String.join(", ", known) + ")");
            }
        }
    }
}

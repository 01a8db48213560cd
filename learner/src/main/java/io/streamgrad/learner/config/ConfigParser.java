package io.streamgrad.learner.config;

import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.optim.OptimizerSpec;
import io.streamgrad.learner.schedule.ScheduleSpec;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a model's YAML configuration into a validated {@link TrainerConfig}. Keys, types, defaults and allowed
 * values are those of {@link ConfigKeys} / {@link Defaults}; see {@code docs/CONFIG.md}.
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
        // model
        Section model = root.section("model", true);
        String type = model.enumValue("type", null, Defaults.MODEL_TYPES);
        Integer features = model.intValue("features", null, 1, Integer.MAX_VALUE);
        boolean mlp = "mlp".equals(type);
        boolean fm = "fm".equals(type);
        Integer classes = model.intValue("classes", Defaults.CLASSES, 1, Integer.MAX_VALUE);
        List<Integer> hidden = List.of();
        String activation = Defaults.ACTIVATION;
        if (mlp) {
            hidden = model.intList("hidden", true, 1);
            activation = model.enumValue("activation", Defaults.ACTIVATION, Defaults.ACTIVATIONS);
        } else if (type != null) {
            model.notApplicable("hidden", "mlp");
            model.notApplicable("activation", "mlp");
        }
        String init = model.enumValue("init", type == null ? "zeros" : Defaults.init(type, activation),
                Defaults.INITS);
        Integer factors = Defaults.FACTORS;
        Double initStd = Defaults.INIT_STD;
        if (fm) {
            factors = model.intValue("factors", Defaults.FACTORS, 1, Integer.MAX_VALUE);
            initStd = model.doubleValue("init_std", Defaults.INIT_STD, Range.POSITIVE);
        } else if (type != null) {
            model.notApplicable("factors", "fm");
            model.notApplicable("init_std", "fm");
        }
        model.reportUnknown();

        // loss
        String loss;
        Double huberDelta = Defaults.HUBER_DELTA;
        Object lossNode = root.raw("loss");
        if (lossNode instanceof Map<?, ?>) {
            Section ls = root.section("loss", true);
            loss = ls.enumValue("type", null, Defaults.LOSSES);
            huberDelta = ls.doubleValue("delta", Defaults.HUBER_DELTA, Range.POSITIVE);
            ls.reportUnknown();
        } else {
            loss = root.enumValue("loss", null, Defaults.LOSSES);
        }

        // optimizer
        Section opt = root.section("optimizer", true);
        String optType = opt.enumValue("type", null, Defaults.OPTIMIZERS);
        Double lr = opt.doubleValue("learning_rate", optType == null ? Defaults.LEARNING_RATE_SGD
                : Defaults.learningRate(optType), Range.POSITIVE);
        Double beta1 = opt.doubleValue("beta1", Defaults.BETA1, Range.UNIT_OPEN);
        Double beta2 = opt.doubleValue("beta2", Defaults.BETA2, Range.UNIT_OPEN);
        Double epsilon = opt.doubleValue("epsilon", Defaults.EPSILON, Range.POSITIVE);
        Double weightDecay = opt.doubleValue("weight_decay", Defaults.WEIGHT_DECAY, Range.NON_NEGATIVE);
        Double momentum = opt.doubleValue("momentum", Defaults.MOMENTUM, Range.UNIT_OPEN);
        Double rho = opt.doubleValue("rho", Defaults.RHO, Range.UNIT_OPEN);
        Double initialAccumulator = opt.doubleValue("initial_accumulator", Defaults.INITIAL_ACCUMULATOR,
                Range.NON_NEGATIVE);
        Double ftrlBeta = opt.doubleValue("beta", Defaults.FTRL_BETA, Range.NON_NEGATIVE);
        opt.reportUnknown();

        // schedule
        String schedType;
        Long decaySteps = Defaults.DECAY_STEPS_CONSTANT;
        Double decayRate = Defaults.DECAY_RATE;
        Boolean staircase = Defaults.STAIRCASE;
        Double minLr = Defaults.MIN_LEARNING_RATE;
        Long warmup = Defaults.WARMUP_STEPS;
        Object schedNode = root.raw("schedule");
        if (schedNode == null || !(schedNode instanceof Map<?, ?>)) {
            schedType = root.enumValue("schedule", Defaults.SCHEDULE, Defaults.SCHEDULES);
        } else {
            Section s = root.section("schedule", false);
            schedType = s.enumValue("type", Defaults.SCHEDULE, Defaults.SCHEDULES);
            boolean constant = "constant".equals(schedType);
            decaySteps = s.longValue("decay_steps", constant ? Long.valueOf(Defaults.DECAY_STEPS_CONSTANT) : null,
                    constant ? 0 : 1, Long.MAX_VALUE);
            decayRate = s.doubleValue("decay_rate", Defaults.DECAY_RATE, Range.POSITIVE);
            staircase = s.boolValue("staircase", Defaults.STAIRCASE);
            minLr = s.doubleValue("min_learning_rate", Defaults.MIN_LEARNING_RATE, Range.NON_NEGATIVE);
            warmup = s.longValue("warmup_steps", Defaults.WARMUP_STEPS, 0, Long.MAX_VALUE);
            s.reportUnknown();
        }
        if (schedType != null && !"constant".equals(schedType) && schedNode != null
                && !(schedNode instanceof Map<?, ?>)) {
            problems.add(root.path("schedule") + ": '" + schedType + "' needs decay_steps; write it as a section, "
                    + "e.g. schedule: {type: " + schedType + ", decay_steps: 1000}");
        }

        // regularization, clipping
        Section reg = root.section("regularization", false);
        Double l1 = reg.doubleValue("l1", Defaults.L1, Range.NON_NEGATIVE);
        Double l2 = reg.doubleValue("l2", Defaults.L2, Range.NON_NEGATIVE);
        reg.reportUnknown();
        Section clip = root.section("clipping", false);
        Double clipNorm = clip.doubleValue("global_norm", Defaults.CLIP_GLOBAL_NORM, Range.NON_NEGATIVE);
        Double clipValue = clip.doubleValue("value", Defaults.CLIP_VALUE, Range.NON_NEGATIVE);
        Double clipWeight = clip.doubleValue("weight", Defaults.CLIP_WEIGHT, Range.NON_NEGATIVE);
        clip.reportUnknown();
        Section div = root.section("divergence", false);
        Integer maxBad = div.intValue("max_bad_batches", Defaults.DIVERGENCE_MAX_BAD_BATCHES, 0, Integer.MAX_VALUE);
        Double lrBackoff = div.doubleValue("lr_backoff", Defaults.DIVERGENCE_LR_BACKOFF, Range.UNIT_LEFT_OPEN);
        Double minLrScale = div.doubleValue("min_lr_scale", Defaults.DIVERGENCE_MIN_LR_SCALE, Range.UNIT_LEFT_OPEN);
        div.reportUnknown();

        Integer batchSize = root.intValue("batch_size", Defaults.BATCH_SIZE, 1, Integer.MAX_VALUE);
        Boolean shuffle = root.boolValue("shuffle", Defaults.SHUFFLE);
        Long seed = root.longValue("seed", Defaults.SEED, Long.MIN_VALUE, Long.MAX_VALUE);
        Boolean sparse = root.boolValue("sparse_updates", Defaults.SPARSE_UPDATES);

        // Cross-checks, only between values that were themselves valid.
        if (type != null && loss != null) {
            checkModelLoss(root, type, loss, classes, problems);
        }
        if (mlp && "zeros".equals(init)) {
            problems.add(root.path("model.init") + ": zeros would make every hidden unit of the mlp identical "
                    + "(they would never differ); use " + Defaults.init("mlp", activation) + " or another of "
                    + "xavier_uniform, xavier_normal, he");
        }
        if (lr != null && minLr != null && "cosine".equals(schedType) && minLr >= lr) {
            problems.add(root.path("schedule.min_learning_rate") + ": " + ConfigWriter.formatDouble(minLr)
                    + " must be below optimizer.learning_rate " + ConfigWriter.formatDouble(lr));
        }
        if (type != null && features != null && classes != null && optType != null && factors != null
                && (!mlp || hidden != null)) {
            checkSize(root, type, features, classes, hidden, factors, optType, problems);
        }

        if (!problems.list.isEmpty()) {
            return null;
        }
        ModelSpec spec = new ModelSpec(type, features, classes, hidden, activation, init, factors, initStd);
        OptimizerSpec optimizer = new OptimizerSpec(optType, lr, beta1, beta2, epsilon, weightDecay, momentum, rho,
                initialAccumulator, ftrlBeta, l1, l2);
        ScheduleSpec schedule = new ScheduleSpec(schedType, decaySteps, decayRate, staircase, minLr, warmup);
        return new TrainerConfig(spec, loss, huberDelta, optimizer, schedule, new RegularizationSpec(l1, l2),
                new ClippingSpec(clipValue, clipNorm, clipWeight), batchSize, shuffle, seed, sparse,
                new DivergenceSpec(maxBad, lrBackoff, minLrScale));
    }

    private static void checkModelLoss(Section root, String type, String loss, Integer classes, Problems problems) {
        String lossKey = root.path("loss");
        String classesKey = root.path("model.classes");
        switch (type) {
            case "logistic" -> {
                if (!loss.equals("binary_cross_entropy")) {
                    problems.add(lossKey + ": model.type logistic needs binary_cross_entropy, got '" + loss
                            + "' (use linear for mse/huber, softmax for categorical_cross_entropy)");
                }
                requireOneOutput(classesKey, type, classes, problems);
            }
            case "softmax" -> {
                if (!loss.equals("categorical_cross_entropy")) {
                    problems.add(lossKey + ": model.type softmax needs categorical_cross_entropy, got '" + loss + "'"
                            + " (use logistic for binary_cross_entropy, linear for mse/huber)");
                }
                if (classes != null && classes < 2) {
                    problems.add(classesKey + ": softmax needs classes >= 2, " + (root.hasModelClasses()
                            ? "got " + classes : "and it is missing") + " (set model.classes to the number of classes)");
                }
            }
            case "linear" -> {
                if (!loss.equals("mse") && !loss.equals("huber")) {
                    problems.add(lossKey + ": model.type linear needs mse or huber, got '" + loss
                            + "' (use logistic or softmax for classification)");
                }
                requireOneOutput(classesKey, type, classes, problems);
            }
            case "fm" -> {
                if (loss.equals("categorical_cross_entropy")) {
                    problems.add(lossKey + ": model.type fm has one output and needs binary_cross_entropy, mse or "
                            + "huber, got '" + loss + "'");
                }
                requireOneOutput(classesKey, type, classes, problems);
            }
            case "mlp" -> {
                if (classes == null) {
                    return;
                }
                if (loss.equals("categorical_cross_entropy") && classes < 2) {
                    problems.add(classesKey + ": an mlp with categorical_cross_entropy needs classes >= 2, "
                            + (root.hasModelClasses() ? "got " + classes : "and it is missing")
                            + " (set model.classes to the number of classes)");
                } else if (!loss.equals("categorical_cross_entropy") && classes != 1) {
                    problems.add(classesKey + ": an mlp with " + loss + " has one output; classes must be 1, got "
                            + classes + " (use categorical_cross_entropy for " + classes + " classes)");
                }
            }
            default -> {
            }
        }
    }

    private static void requireOneOutput(String key, String type, Integer classes, Problems problems) {
        if (classes != null && classes != 1) {
            problems.add(key + ": model.type " + type + " has one output; classes must be 1, got " + classes
                    + (type.equals("fm") ? "" : " (use softmax or mlp for k classes)"));
        }
    }

    /**
     * The parameter count the config implies, computed in {@code long} with saturation so that absurd sizes are
     * reported rather than overflowing.
     */
    public static long parameterCount(String type, long features, long classes, List<Integer> hidden, long factors) {
        return switch (type) {
            case "linear", "logistic" -> sat(features, 1);
            case "softmax" -> satMul(sat(features, 1), classes);
            case "mlp" -> {
                long total = 0;
                long in = features;
                for (int h : hidden) {
                    total = sat(total, satMul(sat(in, 1), h));
                    in = h;
                }
                yield sat(total, satMul(sat(in, 1), Math.max(1, classes)));
            }
            case "fm" -> sat(1, satMul(features, sat(1, factors)));
            default -> throw new IllegalArgumentException("unknown model type " + type);
        };
    }

    private static void checkSize(Section root, String type, int features, int classes, List<Integer> hidden,
                                  int factors, String optType, Problems problems) {
        long params = parameterCount(type, features, classes, hidden, factors);
        String keys = switch (type) {
            case "softmax" -> "model.features, model.classes";
            case "mlp" -> "model.features, model.hidden, model.classes";
            case "fm" -> "model.features, model.factors";
            default -> "model.features";
        };
        if (params > Defaults.MAX_ARRAY_FLOATS) {
            problems.add(root.path("model") + ": " + String.format(Locale.ROOT, "%,d", params)
                    + " parameters do not fit in one array (at most " + String.format(Locale.ROOT, "%,d",
                    Defaults.MAX_ARRAY_FLOATS) + "); reduce " + keys);
            return;
        }
        long stateFloats = sat(params, satMul(params, Defaults.optimizerStatePerParam(optType)));
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
        for (ConfigKey k : ConfigKeys.ALL) {
            if (k.name().equals(lower) && !k.section().equals(section)) {
                return k.path();
            }
        }
        return null;
    }

    /** Ranges of number keys. */
    enum Range {
        POSITIVE("> 0") {
            @Override
            boolean contains(double v) {
                return v > 0;
            }
        },
        NON_NEGATIVE(">= 0") {
            @Override
            boolean contains(double v) {
                return v >= 0;
            }
        },
        UNIT_OPEN("[0, 1)") {
            @Override
            boolean contains(double v) {
                return v >= 0 && v < 1;
            }
        },
        UNIT_LEFT_OPEN("(0, 1]") {
            @Override
            boolean contains(double v) {
                return v > 0 && v <= 1;
            }
        };

        final String text;

        Range(String text) {
            this.text = text;
        }

        abstract boolean contains(double v);
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
            for (ConfigKey k : ConfigKeys.ALL) {
                if (k.section().equals(section) && k.defaultValue().equals("required")) {
                    names.add(k.name());
                }
            }
            return names.isEmpty() ? "one key" : String.join(", ", names);
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

        Double doubleValue(String key, double def, Range range) {
            Object v = value(key, false, "a number " + range.text);
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
                problems.add(path(key) + ": expected a number " + range.text + ", got " + describe(v));
                return null;
            }
            if (!Double.isFinite(x) || !range.contains(x)) {
                problems.add(path(key) + ": " + ConfigWriter.formatDouble(x) + " is out of range; allowed: "
                        + range.text + (Double.isFinite(x) ? "" : " and finite"));
                return null;
            }
            return x;
        }

        private static boolean looksNumeric(String s) {
            return s.trim().matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
        }

        Boolean boolValue(String key, boolean def) {
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

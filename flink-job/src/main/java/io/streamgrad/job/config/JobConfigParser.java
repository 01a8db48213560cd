package io.streamgrad.job.config;

import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.JobConfig.StartFrom;
import io.streamgrad.job.config.JobConfig.StateBackendKind;
import io.streamgrad.job.config.JobConfig.Topics;
import io.streamgrad.job.config.JobConfig.UnknownModels;
import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the job YAML into a validated {@link JobConfig}. Every problem is collected and reported at once, each
 * line starting with the full key path; unknown keys are errors. Model sections ({@code models.<id>},
 * {@code template}) are parsed by the learner's config parser, with the same path prefixes.
 *
 * <pre>
 * kafka:                       # client properties, passed through unchanged (security.protocol, sasl.*, ssl.* ...)
 *   bootstrap.servers: host:9092          # required
 * topics: {examples: examples, models: models, metrics: metrics, dead_letters: dead_letters}
 * group_id: streamgrad
 * start: committed             # earliest | latest | committed (falls back to earliest)
 * bounded: false               # true: stop at the offsets that are latest at start, publish final snapshots
 * checkpoint_interval_ms: 2000
 * checkpoint_dir: file:///var/lib/streamgrad/checkpoints   # optional
 * state_backend: hashmap       # hashmap | rocksdb
 * restart: {attempts: 3, delay_ms: 1000}
 * snapshot: {every_steps: 100, every_seconds: 60}
 * metrics_every_batches: 10
 * batch_timeout_ms: 1000       # 0: partial batches wait for more examples (or the end of a bounded input)
 * transaction_timeout_ms: 60000
 * transactional_id_prefix: streamgrad-&lt;group_id&gt;
 * parallelism: 1
 * limits: {max_record_bytes: 1048576, max_examples_per_record: 65536, max_non_zeros_per_example: 1048576,
 *          max_abs_value: 1.0e9, max_dead_letter_bytes: 524288}
 * unknown_models: dead_letter  # dead_letter | template
 * template: { ...model config... }
 * models:
 *   ctr: { ...model config, as the learner's YAML... }
 * </pre>
 */
public final class JobConfigParser {
    private static final Set<String> ROOT_KEYS = Set.of("kafka", "topics", "group_id", "start", "bounded",
            "checkpoint_interval_ms", "checkpoint_dir", "state_backend", "restart", "snapshot",
            "metrics_every_batches", "batch_timeout_ms", "transaction_timeout_ms", "transactional_id_prefix",
            "parallelism", "limits", "unknown_models", "template", "models");

    private final List<String> problems = new ArrayList<>();

    private JobConfigParser() {
    }

    public static JobConfig parse(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * @param yaml   the document
     * @param source where it came from (a file name), first in error messages
     * @throws JobConfigException listing every problem
     */
    public static JobConfig parse(String yaml, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        Object root;
        try {
            root = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (YAMLException e) {
            throw new JobConfigException(source, List.of("invalid YAML: " + describeYamlError(e)));
        }
        if (!(root instanceof Map<?, ?>)) {
            throw new JobConfigException(source, List.of("expected a mapping with kafka:, topics:, models: ..., got "
                    + (root == null ? "an empty document" : root.getClass().getSimpleName())));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) root;
        return parse(map, source);
    }

    /**
     * The problem and its line:column, without snakeyaml's echo of the offending line: the document may hold
     * Kafka credentials ({@code sasl.jaas.config}), and error messages end up in terminals and logs.
     */
    private static String describeYamlError(YAMLException e) {
        if (e instanceof MarkedYAMLException m) {
            StringBuilder sb = new StringBuilder();
            Mark mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
            if (mark != null) {
                sb.append("line ").append(mark.getLine() + 1).append(", column ").append(mark.getColumn() + 1).append(": ");
            }
            if (m.getContext() != null) {
                sb.append(m.getContext()).append("; ");
            }
            sb.append(m.getProblem() == null ? "syntax error" : m.getProblem());
            return sb.toString().replace('\n', ' ').replaceAll(" +", " ").trim()
                    + "; fix the YAML at that place (quote values containing ': ' or '#')";
        }
        // Unmarked errors (limits, duplicate-key checks) name the problem, not the content.
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return msg.lines().findFirst().orElse(msg).strip();
    }

    public static JobConfig parse(Map<String, Object> root, String source) {
        JobConfigParser p = new JobConfigParser();
        JobConfig c = p.read(root);
        if (!p.problems.isEmpty()) {
            throw new JobConfigException(source, p.problems);
        }
        return c;
    }

    private JobConfig read(Map<String, Object> root) {
        unknownKeys(root, ROOT_KEYS, "");

        Map<String, String> kafka = new LinkedHashMap<>();
        Map<String, Object> k = section(root, "kafka", "");
        if (k == null) {
            problems.add("kafka: missing; set at least kafka.bootstrap.servers (host:port,...)");
        } else {
            k.forEach((key, v) -> {
                if (v == null || v instanceof Map || v instanceof List) {
                    problems.add("kafka." + key + ": expected a scalar client property value, got "
                            + (v == null ? "nothing" : v.getClass().getSimpleName()));
                } else {
                    kafka.put(String.valueOf(key), String.valueOf(v));
                }
            });
            if (k.get("bootstrap.servers") == null) {
                problems.add("kafka.bootstrap.servers: missing; the brokers to connect to, e.g. localhost:9092");
            }
        }

        Map<String, Object> t = section(root, "topics", "");
        Map<String, Object> topicsMap = t == null ? Map.of() : t;
        unknownKeys(topicsMap, Set.of("examples", "models", "metrics", "dead_letters"), "topics.");
        Topics topics = new Topics(
                string(topicsMap, "examples", "topics.", JobDefaults.TOPIC_EXAMPLES),
                string(topicsMap, "models", "topics.", JobDefaults.TOPIC_MODELS),
                string(topicsMap, "metrics", "topics.", JobDefaults.TOPIC_METRICS),
                string(topicsMap, "dead_letters", "topics.", JobDefaults.TOPIC_DEAD_LETTERS));
        Set<String> distinct = new TreeSet<>(List.of(topics.examples(), topics.models(), topics.metrics(),
                topics.deadLetters()));
        if (distinct.size() < 4) {
            problems.add("topics: the four topics must be distinct, got " + topicsMap);
        }

        String groupId = string(root, "group_id", "", JobDefaults.GROUP_ID);
        StartFrom start = enumValue(root, "start", "", JobDefaults.START, StartFrom.class);
        boolean bounded = bool(root, "bounded", "", JobDefaults.BOUNDED);
        long checkpointInterval = longValue(root, "checkpoint_interval_ms", "", JobDefaults.CHECKPOINT_INTERVAL_MS,
                10, Long.MAX_VALUE);
        String checkpointDir = string(root, "checkpoint_dir", "", null);
        StateBackendKind backend = enumValue(root, "state_backend", "", JobDefaults.STATE_BACKEND,
                StateBackendKind.class);

        Map<String, Object> restart = orEmpty(section(root, "restart", ""));
        unknownKeys(restart, Set.of("attempts", "delay_ms"), "restart.");
        int attempts = (int) longValue(restart, "attempts", "restart.", JobDefaults.RESTART_ATTEMPTS, 0,
                Integer.MAX_VALUE);
        long delay = longValue(restart, "delay_ms", "restart.", JobDefaults.RESTART_DELAY_MS, 0, Long.MAX_VALUE);

        Map<String, Object> snapshot = orEmpty(section(root, "snapshot", ""));
        unknownKeys(snapshot, Set.of("every_steps", "every_seconds"), "snapshot.");
        long everySteps = longValue(snapshot, "every_steps", "snapshot.", JobDefaults.SNAPSHOT_EVERY_STEPS, 0,
                Long.MAX_VALUE);
        long everySeconds = longValue(snapshot, "every_seconds", "snapshot.", JobDefaults.SNAPSHOT_EVERY_SECONDS, 0,
                Long.MAX_VALUE / 1000);
        if (everySteps == 0 && everySeconds == 0 && !bounded) {
            problems.add("snapshot: every_steps and every_seconds are both 0, so an unbounded job would never publish"
                    + " a model; set at least one");
        }

        int metricsEvery = (int) longValue(root, "metrics_every_batches", "", JobDefaults.METRICS_EVERY_BATCHES, 1,
                Integer.MAX_VALUE);
        long batchTimeout = longValue(root, "batch_timeout_ms", "", JobDefaults.BATCH_TIMEOUT_MS, 0, Long.MAX_VALUE);
        long txTimeout = longValue(root, "transaction_timeout_ms", "", JobDefaults.TRANSACTION_TIMEOUT_MS, 1000,
                Integer.MAX_VALUE);
        if (txTimeout <= checkpointInterval) {
            problems.add("transaction_timeout_ms: " + txTimeout + " must exceed checkpoint_interval_ms ("
                    + checkpointInterval + "): a transaction stays open until the next checkpoint completes");
        }
        String txPrefix = string(root, "transactional_id_prefix", "", "streamgrad-" + groupId);
        int parallelism = (int) longValue(root, "parallelism", "", JobDefaults.PARALLELISM, 1, 32768);

        Map<String, Object> l = orEmpty(section(root, "limits", ""));
        unknownKeys(l, Set.of("max_record_bytes", "max_examples_per_record", "max_non_zeros_per_example",
                "max_abs_value", "max_dead_letter_bytes"), "limits.");
        Limits limits = new Limits(
                (int) longValue(l, "max_record_bytes", "limits.", JobDefaults.MAX_RECORD_BYTES, 1, Integer.MAX_VALUE),
                (int) longValue(l, "max_examples_per_record", "limits.", JobDefaults.MAX_EXAMPLES_PER_RECORD, 1,
                        Integer.MAX_VALUE),
                (int) longValue(l, "max_non_zeros_per_example", "limits.", JobDefaults.MAX_NON_ZEROS_PER_EXAMPLE, 1,
                        Integer.MAX_VALUE),
                positiveNumber(l, "max_abs_value", "limits.", JobDefaults.MAX_ABS_VALUE),
                (int) longValue(l, "max_dead_letter_bytes", "limits.", JobDefaults.MAX_DEAD_LETTER_BYTES, 0,
                        Integer.MAX_VALUE));

        UnknownModels unknown = enumValue(root, "unknown_models", "", JobDefaults.UNKNOWN_MODELS, UnknownModels.class);
        TrainerConfig template = null;
        Map<String, Object> templateSection = section(root, "template", "");
        if (templateSection != null) {
            template = model(templateSection, "template");
        }
        if (unknown == UnknownModels.TEMPLATE && templateSection == null) {
            problems.add("template: missing, but unknown_models is 'template'; add a template model config or set"
                    + " unknown_models: dead_letter");
        }
        if (unknown == UnknownModels.DEAD_LETTER && templateSection != null) {
            problems.add("template: given, but unknown_models is 'dead_letter' so it would never be used; set"
                    + " unknown_models: template or remove it");
        }

        Map<String, TrainerConfig> models = new LinkedHashMap<>();
        Map<String, Object> m = section(root, "models", "");
        if (m == null || m.isEmpty()) {
            if (unknown != UnknownModels.TEMPLATE) {
                problems.add("models: missing or empty; add at least one model: models: {<id>: {model: ..., loss: ...,"
                        + " optimizer: ...}}");
            }
        } else {
            m.forEach((id, section) -> {
                String path = "models." + id;
                if (String.valueOf(id).isBlank()) {
                    problems.add("models: a model id is empty");
                } else if (!(section instanceof Map<?, ?>)) {
                    problems.add(path + ": expected a model config mapping (model:, loss:, optimizer: ...), got "
                            + (section == null ? "nothing" : section.getClass().getSimpleName()));
                } else {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> s = (Map<String, Object>) section;
                    TrainerConfig c = model(s, path);
                    if (c != null) {
                        models.put(String.valueOf(id), c);
                    }
                }
            });
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new JobConfig(kafka, topics, groupId, start, bounded, checkpointInterval, checkpointDir, backend,
                attempts, delay, everySteps, everySeconds, metricsEvery, batchTimeout, unknown, limits, txTimeout,
                txPrefix, parallelism, ModelCatalog.of(models, template));
    }

    private TrainerConfig model(Map<String, Object> section, String path) {
        try {
            return ModelConfigs.parse(section, path);
        } catch (ConfigException e) {
            // One problem each, already prefixed with the path: merged as data.
            problems.addAll(e.problems());
            return null;
        }
    }

    private void unknownKeys(Map<String, Object> map, Set<String> known, String prefix) {
        for (String key : map.keySet()) {
            if (!known.contains(key)) {
                problems.add(prefix + key + ": unknown key; known keys here: " + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    private Map<String, Object> section(Map<String, Object> map, String key, String prefix) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?>)) {
            problems.add(prefix + key + ": expected a mapping, got " + describe(v));
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) {
                problems.add(prefix + key + ": key " + k + " is not a string; quote it");
                return null;
            }
        }
        return m;
    }

    private static Map<String, Object> orEmpty(Map<String, Object> m) {
        return m == null ? Map.of() : m;
    }

    private String string(Map<String, Object> map, String key, String prefix, String dflt) {
        Object v = map.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            problems.add(prefix + key + ": expected a non-empty string, got " + describe(v));
            return dflt;
        }
        return s;
    }

    private boolean bool(Map<String, Object> map, String key, String prefix, boolean dflt) {
        Object v = map.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Boolean b)) {
            problems.add(prefix + key + ": expected true or false, got " + describe(v));
            return dflt;
        }
        return b;
    }

    private long longValue(Map<String, Object> map, String key, String prefix, long dflt, long min, long max) {
        Object v = map.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger)) {
            problems.add(prefix + key + ": expected an integer in [" + min + ", " + max + "], got " + describe(v));
            return dflt;
        }
        java.math.BigInteger b = new java.math.BigInteger(v.toString());
        if (b.compareTo(java.math.BigInteger.valueOf(min)) < 0 || b.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            problems.add(prefix + key + ": " + v + " is out of range [" + min + ", " + max + "]");
            return dflt;
        }
        return b.longValue();
    }

    /** A finite number > 0; YAML 1.1 reads {@code 1e9} (no dot) as a string, so numeric strings count too. */
    private double positiveNumber(Map<String, Object> map, String key, String prefix, double dflt) {
        Object v = map.get(key);
        if (v == null) {
            return dflt;
        }
        double d = Double.NaN;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s) {
            try {
                d = Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                d = Double.NaN;
            }
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            problems.add(prefix + key + ": expected a finite number > 0, got " + describe(v));
            return dflt;
        }
        return d;
    }

    private <E extends Enum<E>> E enumValue(Map<String, Object> map, String key, String prefix, String dflt,
                                            Class<E> type) {
        Object v = map.get(key);
        String s = v == null ? dflt : String.valueOf(v);
        List<String> allowed = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(Locale.ROOT);
            allowed.add(name);
            if (name.equals(s)) {
                return e;
            }
        }
        problems.add(prefix + key + ": '" + s + "' is not one of " + String.join(" | ", allowed));
        return type.getEnumConstants()[0];
    }

    private static String describe(Object v) {
        return v instanceof String ? "'" + v + "'" : v + " (" + v.getClass().getSimpleName() + ")";
    }
}

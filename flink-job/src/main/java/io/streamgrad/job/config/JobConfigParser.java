package io.streamgrad.job.config;

import io.streamgrad.job.config.JobConfig.ExistingVersions;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.JobConfig.StartFrom;
import io.streamgrad.job.config.JobConfig.StateBackendKind;
import io.streamgrad.job.config.JobConfig.Topics;
import io.streamgrad.job.config.JobConfig.UnknownModels;
import io.streamgrad.job.ops.OpsJob;
import io.streamgrad.job.ops.OpsModels;
import io.streamgrad.job.recs.RecsModels;
import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.config.ConfigSection;
import io.streamgrad.learner.config.Option;
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
 * Reads the job YAML into a validated {@link JobConfig}, through the learner's {@link ConfigSection} with the keys
 * declared in {@link JobOptions}. Every problem is collected as data and reported at once, each line starting with
 * the full key path; unknown keys are errors. Model sections ({@code models.<id>},
 * {@code template}) are parsed by the learner's config parser, with the same path prefixes.
 *
 * <pre>
 * kafka:                       # client properties, passed through unchanged (security.protocol, sasl.*, ssl.* ...)
 *   bootstrap.servers: host:9092          # required
 * topics: {examples: examples, models: models, metrics: metrics, dead_letters: dead_letters,
 *          updates: model_updates}   # updates: with deltas.enabled only
 * group_id: streamgrad
 * start: committed             # earliest | latest | committed (falls back to earliest)
 * bounded: false               # true: stop at the offsets that are latest at start, publish final snapshots
 * checkpoint_interval_ms: 2000
 * checkpoint_timeout_ms: 27000 # default: the longest that keeps every transaction within transaction_timeout_ms
 * checkpoint_dir: file:///var/lib/streamgrad/checkpoints   # optional
 * checkpoint_dir: file:///var/lib/streamgrad/checkpoints   # optional; run resumes from it by itself
 * job_name: &lt;group_id&gt;      # the job's directory under checkpoint_dir
 * checkpoint_retained_runs: 2  # older runs' checkpoint directories are deleted
 * state_backend: hashmap       # hashmap | rocksdb
 * restart: {attempts: 3, delay_ms: 1000}
 * snapshot: {every_steps: 100, every_seconds: 60}
 * deltas: {enabled: false, full_every_versions: 0, full_every_seconds: 600, full_copies: false}
 * metrics_every_batches: 10
 * batch_timeout_ms: 1000       # 0: partial batches wait for more examples (or the end of a bounded input)
 * transaction_timeout_ms: 60000
 * transactional_id_prefix: streamgrad-&lt;group_id&gt;
 * parallelism: 1
 * limits: {max_record_bytes: 1048576, max_examples_per_record: 65536, max_non_zeros_per_example: 1048576,
 *          max_abs_value: 1.0e9, max_dead_letter_bytes: 524288}
 * unknown_models: dead_letter  # dead_letter | template
 * existing_versions: warm_start  # warm_start | refuse: a model without state whose versions are on the models topic
 * template: { ...model config... }
 * template_models: {max_models: 1000, max_pending: 100000, min_examples: 1, idle_timeout_ms: 86400000,
 *                   retired_version_ttl_ms: 2592000000}
 * series: {idle_timeout_ms: 604800000}   # ops models: an idle series' state is removed after this
 * training_health: {enabled: false, stall_seconds: 300, no_version_seconds: 3600, keep_firing_seconds: 600}
 * models:
 *   ctr: { ...model config, as the learner's YAML... }
 *   latency: {model: {type: forecast}, forecast: {...}, alert: {...}}   # an ops model (docs/OPS.md)
 * </pre>
 */
public final class JobConfigParser {
    private final List<String> problems = new ArrayList<>();

    private JobConfigParser() {}

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
            throw new JobConfigException(
                    source,
                    List.of("expected a mapping with kafka:, topics:, models: ..., got "
                            + (root == null
                                    ? "an empty document"
                                    : root.getClass().getSimpleName())));
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
                sb.append("line ")
                        .append(mark.getLine() + 1)
                        .append(", column ")
                        .append(mark.getColumn() + 1)
                        .append(": ");
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

    private JobConfig read(Map<String, Object> rootMap) {
        ConfigSection root = new ConfigSection(rootMap, "", JobOptions.KEYS, problems);

        Map<String, String> kafka = new LinkedHashMap<>();
        ConfigSection k = root.section(JobOptions.KAFKA.name(), false);
        if (!root.has(JobOptions.KAFKA.name()) || rootMap.get(JobOptions.KAFKA.name()) == null) {
            problems.add("kafka: missing; set at least kafka.bootstrap.servers (host:port,...)");
        } else if (rootMap.get(JobOptions.KAFKA.name()) instanceof Map<?, ?>) {
            k.entries().forEach((key, v) -> {
                if (v == null || v instanceof Map || v instanceof List) {
                    problems.add("kafka." + key + ": expected a scalar client property value, got "
                            + (v == null ? "nothing" : v.getClass().getSimpleName()));
                } else {
                    kafka.put(String.valueOf(key), String.valueOf(v));
                }
            });
            if (k.raw("bootstrap.servers") == null) {
                problems.add("kafka.bootstrap.servers: missing; the brokers to connect to, e.g. localhost:9092");
            }
        }

        ConfigSection d = root.section(JobOptions.DELTAS.name(), false);
        boolean deltasOn = read(d, JobOptions.DELTAS_ENABLED);
        JobConfig.Deltas deltas = new JobConfig.Deltas(
                deltasOn,
                read(d, JobOptions.DELTAS_FULL_EVERY_VERSIONS),
                read(d, JobOptions.DELTAS_FULL_EVERY_SECONDS),
                read(d, JobOptions.DELTAS_FULL_COPIES));
        d.reportUnknown();

        ConfigSection t = root.section(JobOptions.TOPICS.name(), false);
        String updates = read(t, JobOptions.TOPIC_UPDATES);
        String interactions = read(t, JobOptions.TOPIC_INTERACTIONS);
        Topics topics = new Topics(
                read(t, JobOptions.TOPIC_EXAMPLES),
                read(t, JobOptions.TOPIC_MODELS),
                read(t, JobOptions.TOPIC_METRICS),
                read(t, JobOptions.TOPIC_DEAD_LETTERS),
                deltasOn ? updates : null,
                enumValue(read(root, JobOptions.OUTPUT_FORMAT), JobConfig.OutputFormat.class));
        List<String> opsTopics = List.of(
                read(t, JobOptions.TOPIC_SERIES), read(t, JobOptions.TOPIC_SCORES), read(t, JobOptions.TOPIC_ALERTS));
        t.reportUnknown();
        List<String> names =
                new ArrayList<>(List.of(topics.examples(), topics.models(), topics.metrics(), topics.deadLetters()));
        if (deltasOn) {
            names.add(updates);
        }
        Set<String> distinct = new TreeSet<>(names);
        if (distinct.size() < names.size()) {
            problems.add("topics: the " + (deltasOn ? "five" : "four") + " topics must be distinct, got "
                    + (rootMap.get("topics") instanceof Map<?, ?> m ? m : Map.of()));
        } else {
            for (String json : topics.jsonSiblings()) {
                if (distinct.contains(json)) {
                    problems.add("output_format: " + topics.format().name().toLowerCase(java.util.Locale.ROOT)
                            + " writes JSON to the topic " + json + ", which is also one of topics:; rename that"
                            + " topic");
                }
            }
        }

        String groupId = read(root, JobOptions.GROUP_ID);
        StartFrom start = enumValue(read(root, JobOptions.START), StartFrom.class);
        boolean bounded = read(root, JobOptions.BOUNDED);
        long checkpointInterval = read(root, JobOptions.CHECKPOINT_INTERVAL_MS);
        String checkpointDir = root.readOptional(JobOptions.CHECKPOINT_DIR);
        String jobName = root.readOptional(JobOptions.JOB_NAME);
        if (jobName == null) {
            jobName = groupId.replaceAll("[^A-Za-z0-9._-]", "_");
            jobName = jobName.matches("\\.*") ? "_" + jobName : jobName; // never "", "." or ".."
        } else if (!jobName.matches("[A-Za-z0-9._-]+") || jobName.matches("\\.+")) {
            problems.add("job_name: '" + jobName + "' is not a directory name; use letters, digits, '.', '_' and '-'");
        }
        int retainedRuns = read(root, JobOptions.CHECKPOINT_RETAINED_RUNS);
        StateBackendKind backend = enumValue(read(root, JobOptions.STATE_BACKEND), StateBackendKind.class);

        ConfigSection restart = root.section(JobOptions.RESTART.name(), false);
        int attempts = read(restart, JobOptions.RESTART_ATTEMPTS);
        long delay = read(restart, JobOptions.RESTART_DELAY_MS);
        restart.reportUnknown();

        ConfigSection snapshot = root.section(JobOptions.SNAPSHOT.name(), false);
        long everySteps = read(snapshot, JobOptions.SNAPSHOT_EVERY_STEPS);
        long everySeconds = read(snapshot, JobOptions.SNAPSHOT_EVERY_SECONDS);
        long firstAfterMs = read(snapshot, JobOptions.SNAPSHOT_FIRST_AFTER_MS);
        snapshot.reportUnknown();
        if (everySteps == 0 && everySeconds == 0 && !bounded) {
            problems.add("snapshot: every_steps and every_seconds are both 0, so an unbounded job would never publish"
                    + " a model; set at least one");
        }

        int metricsEvery = read(root, JobOptions.METRICS_EVERY_BATCHES);
        long batchTimeout = read(root, JobOptions.BATCH_TIMEOUT_MS);
        long txTimeout = read(root, JobOptions.TRANSACTION_TIMEOUT_MS);
        Long checkpointTimeoutGiven = root.readOptional(JobOptions.CHECKPOINT_TIMEOUT_MS);
        long checkpointTimeout = longestCheckpointTimeoutMs(checkpointInterval, txTimeout);
        if (txTimeout <= checkpointInterval) {
            problems.add("transaction_timeout_ms: " + txTimeout + " must exceed checkpoint_interval_ms ("
                    + checkpointInterval + "): a transaction stays open until the next checkpoint completes");
        } else if (checkpointTimeout < MIN_CHECKPOINT_TIMEOUT_MS) {
            problems.add("checkpoint_interval_ms: " + checkpointInterval + " leaves no time for a checkpoint to"
                    + " complete within transaction_timeout_ms (" + txTimeout + ", less a margin of "
                    + transactionMarginMs(txTimeout) + " ms); lower checkpoint_interval_ms or raise"
                    + " transaction_timeout_ms (up to the broker's transaction.max.timeout.ms)");
        } else if (checkpointTimeoutGiven != null) {
            if (checkpointTimeoutGiven > checkpointTimeout) {
                problems.add("checkpoint_timeout_ms: " + checkpointTimeoutGiven + " is too long for"
                        + " transaction_timeout_ms (" + txTimeout + ") with checkpoint_interval_ms ("
                        + checkpointInterval + "): a transaction stays open from one checkpoint until the next"
                        + " completes, up to max(checkpoint_interval_ms, checkpoint_timeout_ms) +"
                        + " checkpoint_timeout_ms = "
                        + (Math.max(checkpointInterval, checkpointTimeoutGiven) + checkpointTimeoutGiven)
                        + " ms, so the broker could abort a transaction the job then commits (its outputs lost);"
                        + " set checkpoint_timeout_ms <= " + checkpointTimeout + " or raise transaction_timeout_ms"
                        + " (up to the broker's transaction.max.timeout.ms)");
            }
            checkpointTimeout = checkpointTimeoutGiven;
        }
        String txPrefix = root.readOptional(JobOptions.TRANSACTIONAL_ID_PREFIX);
        if (txPrefix == null) {
            txPrefix = "streamgrad-" + groupId;
        }
        int parallelism = read(root, JobOptions.PARALLELISM);

        ConfigSection l = root.section(JobOptions.LIMITS.name(), false);
        Limits limits = new Limits(
                read(l, JobOptions.MAX_RECORD_BYTES),
                read(l, JobOptions.MAX_EXAMPLES_PER_RECORD),
                read(l, JobOptions.MAX_NON_ZEROS_PER_EXAMPLE),
                read(l, JobOptions.MAX_ABS_VALUE),
                read(l, JobOptions.MAX_DEAD_LETTER_BYTES));
        l.reportUnknown();

        UnknownModels unknown = enumValue(read(root, JobOptions.UNKNOWN_MODELS), UnknownModels.class);
        ExistingVersions existing = enumValue(read(root, JobOptions.EXISTING_VERSIONS), ExistingVersions.class);
        TrainerConfig template = null;
        Map<String, Object> templateSection = mapping(root, rootMap, JobOptions.TEMPLATE);
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

        ConfigSection tm = root.section(JobOptions.TEMPLATE_MODELS.name(), false);
        TemplateLimits templateLimits = new TemplateLimits(
                read(tm, JobOptions.TEMPLATE_MAX_MODELS),
                read(tm, JobOptions.TEMPLATE_MAX_PENDING),
                read(tm, JobOptions.TEMPLATE_MIN_EXAMPLES),
                read(tm, JobOptions.TEMPLATE_IDLE_TIMEOUT_MS),
                read(tm, JobOptions.TEMPLATE_RETIRED_VERSION_TTL_MS));
        tm.reportUnknown();
        if (unknown == UnknownModels.DEAD_LETTER && root.has(JobOptions.TEMPLATE_MODELS.name())) {
            problems.add("template_models: given, but unknown_models is 'dead_letter' so no model is created from a"
                    + " template; set unknown_models: template or remove it");
        }

        Map<String, TrainerConfig> models = new LinkedHashMap<>();
        Map<String, Map<String, Object>> opsSections = new LinkedHashMap<>();
        Map<String, String> recsModels = new LinkedHashMap<>(); // model.type: mf (io.streamgrad.job.recs)
        ConfigSection recsSection = root.section(JobOptions.RECS.name(), false);
        int recsEvaluateEvery = read(recsSection, JobOptions.RECS_EVALUATE_EVERY_BATCHES);
        int recsRowsPerPart = read(recsSection, JobOptions.RECS_ROWS_PER_PART);
        int recsCachedRows = read(recsSection, JobOptions.RECS_CACHED_ROWS);
        recsSection.reportUnknown();
        Map<String, Object> m = mapping(root, rootMap, JobOptions.MODELS);
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
                    if (OpsModels.isOpsModel(s)) {
                        opsSections.put(String.valueOf(id), s);
                        return;
                    }
                    if (RecsModels.isRecs(s)) {
                        String y = RecsModels.parseModel(s, path, problems);
                        if (y != null) {
                            recsModels.put(String.valueOf(id), y);
                        }
                        return;
                    }
                    TrainerConfig c = model(s, path);
                    if (c != null) {
                        models.put(String.valueOf(id), c);
                    }
                }
            });
        }
        OpsJob ops = ops(root, opsSections, opsTopics, names, topics.jsonSiblings());
        if (!recsModels.isEmpty()) {
            if (!deltasOn) {
                problems.add("models." + recsModels.keySet().iterator().next() + ": an mf model publishes its versions"
                        + " (full and delta) to topics.updates; set deltas.enabled: true");
            } else if (distinct.contains(interactions)) {
                problems.add("topics.interactions: '" + interactions + "' is also another of the job's topics; the"
                        + " interactions of the mf models need their own topic");
            }
        }
        root.reportUnknown();
        if (!problems.isEmpty()) {
            return null;
        }
        RecsModels recs = recsModels.isEmpty()
                ? RecsModels.NONE
                : new RecsModels(interactions, recsModels, recsEvaluateEvery, recsRowsPerPart, recsCachedRows);
        return new JobConfig(
                kafka,
                topics,
                groupId,
                start,
                bounded,
                checkpointInterval,
                checkpointTimeout,
                checkpointDir,
                jobName,
                retainedRuns,
                backend,
                attempts,
                delay,
                everySteps,
                everySeconds,
                metricsEvery,
                batchTimeout,
                unknown,
                limits,
                txTimeout,
                txPrefix,
                parallelism,
                ModelCatalog.of(models, template, templateLimits),
                existing,
                deltas,
                firstAfterMs,
                ops,
                recs);
    }

    /** The series path: ops models ({@code model: {type: forecast}}), their topics and {@code series:}. */
    private OpsJob ops(
            ConfigSection root,
            Map<String, Map<String, Object>> sections,
            List<String> opsTopics,
            List<String> jobTopics,
            List<String> jsonSiblings) {
        ConfigSection series = root.section(JobOptions.SERIES.name(), false);
        long idle = read(series, JobOptions.SERIES_IDLE_TIMEOUT_MS);
        series.reportUnknown();
        ConfigSection th = root.section(JobOptions.TRAINING_HEALTH.name(), false);
        OpsJob.Health health = new OpsJob.Health(
                read(th, JobOptions.TRAINING_HEALTH_ENABLED),
                read(th, JobOptions.TRAINING_HEALTH_STALL_SECONDS),
                read(th, JobOptions.TRAINING_HEALTH_NO_VERSION_SECONDS),
                read(th, JobOptions.TRAINING_HEALTH_KEEP_FIRING_SECONDS));
        th.reportUnknown();
        OpsModels ops;
        try {
            ops = OpsModels.of(sections);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            ops = OpsModels.none();
        }
        if (!sections.isEmpty() || health.enabled()) {
            Set<String> taken = new TreeSet<>(jobTopics);
            taken.addAll(jsonSiblings);
            for (String topic : sections.isEmpty() ? opsTopics.subList(2, 3) : opsTopics) {
                if (!taken.add(topic)) {
                    problems.add("topics: topics.series, topics.scores and topics.alerts must differ from each"
                            + " other and from the job's other topics, but " + topic + " is used twice; rename it");
                    break;
                }
            }
        }
        return new OpsJob(ops, opsTopics.get(0), opsTopics.get(1), opsTopics.get(2), idle, health);
    }

    /** The shortest checkpoint timeout the job accepts (the lower end of checkpoint_timeout_ms). */
    static final long MIN_CHECKPOINT_TIMEOUT_MS = 100;

    /** What a transaction's lifetime must leave of transaction_timeout_ms: a tenth, at least 1 s (commit round trips). */
    static long transactionMarginMs(long transactionTimeoutMs) {
        return Math.max(1000, transactionTimeoutMs / 10);
    }

    /**
     * The longest checkpoint timeout T with which no transaction outlives {@code transactionTimeoutMs}. A sink's
     * transaction opens when checkpoint n-1's barrier passes the sink (that checkpoint may then still take up to T)
     * and is committed when checkpoint n completes: n is triggered at most max(interval, T) after n-1 and takes up
     * to T. So max(interval, T) + T must stay below the transaction timeout less {@link #transactionMarginMs}. A
     * checkpoint that would take longer expires instead, the job restores from the previous checkpoint, and the
     * outputs are produced again in fresh transactions. 0 or less when the interval leaves no room.
     */
    public static long longestCheckpointTimeoutMs(long checkpointIntervalMs, long transactionTimeoutMs) {
        long budget = transactionTimeoutMs - transactionMarginMs(transactionTimeoutMs);
        return budget / 2 >= checkpointIntervalMs ? budget / 2 : budget - checkpointIntervalMs;
    }

    /**
     * The option's value, or its default when absent or invalid (the problem is recorded and no config is
     * returned, so the default only lets the remaining cross-checks run).
     */
    private static <T> T read(ConfigSection section, Option<T> option) {
        T v = section.read(option, option.defaultValue());
        return v == null ? option.defaultValue() : v;
    }

    /** A section whose keys are free (model ids, a model config), with string keys; null when absent or invalid. */
    private Map<String, Object> mapping(ConfigSection root, Map<String, Object> rootMap, Option<Void> option) {
        String key = option.name();
        root.skip(key);
        Object v = rootMap.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> map)) {
            problems.add(key + ": expected a mapping, got " + ConfigSection.describe(v));
            return null;
        }
        for (Object k : map.keySet()) {
            if (!(k instanceof String)) {
                problems.add(key + ": key " + k + " is not a string; quote it");
                return null;
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return m;
    }

    private static <E extends Enum<E>> E enumValue(String yamlName, Class<E> type) {
        return Enum.valueOf(type, yamlName.toUpperCase(Locale.ROOT));
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
}

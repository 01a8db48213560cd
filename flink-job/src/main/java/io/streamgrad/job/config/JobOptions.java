package io.streamgrad.job.config;

import io.streamgrad.learner.config.ConfigSection;
import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.Range;
import java.util.List;
import java.util.Map;

/**
 * The keys of the job YAML, each declared once (key, type, default, range, doc); {@link JobConfigParser} reads
 * them through the learner's {@link ConfigSection} and {@link JobDefaults} names their defaults. Model sections
 * ({@code models.<id>}, {@code template}) are the learner's own options.
 */
public final class JobOptions {
    private JobOptions() {}

    public static final Option<Void> KAFKA = Option.section(
            "kafka",
            "Kafka client properties, passed through "
                    + "unchanged (security.protocol, sasl.*, ssl.* ...); bootstrap.servers is required.");
    public static final Option<Void> TOPICS =
            Option.section("topics", "The job's topics (four, five with deltas.enabled); they must be distinct.");
    public static final Option<String> TOPIC_EXAMPLES =
            Option.string("topics.examples", "examples", "Training examples (input).");
    public static final Option<String> TOPIC_MODELS =
            Option.string("topics.models", "models", "Model snapshots (output).");
    public static final Option<String> TOPIC_METRICS =
            Option.string("topics.metrics", "metrics", "Training metrics (output).");
    public static final Option<String> TOPIC_DEAD_LETTERS =
            Option.string("topics.dead_letters", "dead_letters", "Rejected records with the reason (output).");
    public static final Option<String> TOPIC_UPDATES = Option.string(
            "topics.updates",
            "model_updates",
            "Model deltas (output, with deltas.enabled only): versions published as the rows changed since the"
                    + " version before; cleanup.policy=delete with retention.ms of at least twice"
                    + " deltas.full_every_seconds (checked at start).");
    public static final Option<String> TOPIC_SERIES = Option.string(
            "topics.series",
            "series",
            "Points of operational series (input, with ops models only: models: entries with model: {type:"
                    + " forecast}); Avro SeriesPoint or JSON {\"model\", \"series\", \"time\", \"value\"}.");
    public static final Option<String> TOPIC_SCORES = Option.string(
            "topics.scores",
            "scores",
            "Per-point forecast, interval, anomaly score and alert state of ops models (output; encoded as"
                    + " output_format says, like the metrics).");
    public static final Option<String> TOPIC_ALERTS = Option.string(
            "topics.alerts",
            "alerts",
            "Alert transitions (firing, resolved) of ops models and of training health (output, Avro Alert;"
                    + " alerts-forward sends them to Alertmanager).");
    public static final Option<String> TOPIC_INTERACTIONS = Option.string(
            "topics.interactions",
            "interactions",
            "User-item interactions of the mf models (input, read only when models: holds an mf model): Avro"
                    + " single-object Interaction records or JSON {\"model\", \"user\", \"item\", \"rating\","
                    + " \"time\"}, keyed by model id. An mf model's versions go to topics.updates (deltas.enabled).");
    public static final Option<String> GROUP_ID = Option.string("group_id", "streamgrad", "Kafka consumer group.");
    public static final Option<String> START = Option.choice(
            "start",
            "committed",
            List.of("earliest", "latest", "committed"),
            "Where to start reading; committed falls back to earliest.");
    public static final Option<Boolean> BOUNDED = Option.bool(
            "bounded", false, "true: stop at the offsets that " + "are latest at start and publish final snapshots.");
    public static final Option<Long> CHECKPOINT_INTERVAL_MS = Option.longInteger(
            "checkpoint_interval_ms",
            2000L,
            Range.between(10, Long.MAX_VALUE),
            "Flink checkpoint period; outputs become visible when the " + "checkpoint covering them completes.");
    public static final Option<Long> CHECKPOINT_TIMEOUT_MS = Option.longInteger(
                    "checkpoint_timeout_ms",
                    null,
                    Range.between(100, Long.MAX_VALUE),
                    "A checkpoint that takes longer fails and the job restores from the previous one, so its"
                            + " outputs are produced again. max(checkpoint_interval_ms, checkpoint_timeout_ms) +"
                            + " checkpoint_timeout_ms must stay below transaction_timeout_ms minus a margin (a tenth,"
                            + " at least 1 s): otherwise the broker could abort a transaction the job later commits.")
            .defaultDocumented("the longest that fits transaction_timeout_ms (27000 with the defaults)");
    public static final Option<String> CHECKPOINT_DIR = Option.string(
            "checkpoint_dir",
            null,
            "Checkpoint storage URI (optional); checkpoints go to <checkpoint_dir>/<job_name>/<job id>/chk-<n>"
                    + " and run resumes from the newest complete one. Unset: checkpoints live in memory and a"
                    + " restart starts fresh models.");
    public static final Option<String> JOB_NAME = Option.string(
                    "job_name",
                    null,
                    "This job's directory under checkpoint_dir (letters, digits, '.', '_', '-'); a restart resumes"
                            + " from the checkpoints and savepoints under it.")
            .defaultDocumented("<group_id>, other characters as '_'");
    public static final Option<Integer> CHECKPOINT_RETAINED_RUNS = Option.integer(
            "checkpoint_retained_runs",
            2,
            Range.between(1, 1000),
            "Runs (one <job id> directory per start) kept under <checkpoint_dir>/<job_name>; older ones are deleted"
                    + " once a new run is running, never the one holding the newest complete checkpoint.");
    public static final Option<String> STATE_BACKEND = Option.choice(
            "state_backend",
            "hashmap",
            List.of("hashmap", "rocksdb"),
            "Flink state backend. hashmap: state on the heap, every checkpoint writes all of it; rocksdb: state"
                    + " on local disk (larger than memory), checkpoints incremental (only the SST files new"
                    + " since the last one are uploaded: at 10^7 rows per mf table 15-29 MB instead of 3.1 GB,"
                    + " docs/BENCHMARKS.md).");
    public static final Option<Void> RESTART = Option.section("restart", "Fixed-delay restart strategy.");
    public static final Option<Integer> RESTART_ATTEMPTS = Option.integer(
            "restart.attempts", 3, Range.between(0, Integer.MAX_VALUE), "Restarts before the job fails.");
    public static final Option<Long> RESTART_DELAY_MS =
            Option.longInteger("restart.delay_ms", 1000L, Range.between(0, Long.MAX_VALUE), "Delay between restarts.");
    public static final Option<Void> SNAPSHOT =
            Option.section("snapshot", "When a model snapshot is published " + "(both 0 only for a bounded job).");
    public static final Option<Long> SNAPSHOT_EVERY_STEPS = Option.longInteger(
            "snapshot.every_steps",
            100L,
            Range.between(0, Long.MAX_VALUE),
            "Publish every this many steps (0: never by steps).");
    public static final Option<Long> SNAPSHOT_EVERY_SECONDS = Option.longInteger(
            "snapshot.every_seconds",
            60L,
            Range.between(0, Long.MAX_VALUE / 1000),
            "Publish every this many seconds (0: never by time).");
    public static final Option<Void> DELTAS = Option.section(
            "deltas",
            "Delta versions (docs: README 'Delta updates'): a version of a model whose steps touch a subset of its"
                    + " parameters (sparse_updates: true with linear, logistic, softmax or fm) is published as the"
                    + " rows changed since the version before, on topics.updates; full versions stay on topics.models."
                    + " Other models (mlp, sparse_updates: false) publish full versions only.");
    public static final Option<Boolean> DELTAS_ENABLED = Option.bool(
            "deltas.enabled",
            false,
            "Publish versions of eligible models as deltas between periodic full versions (every version is one or"
                    + " the other, numbered as before).");
    public static final Option<Long> DELTAS_FULL_EVERY_VERSIONS = Option.longInteger(
            "deltas.full_every_versions",
            0L,
            Range.between(0, Long.MAX_VALUE),
            "Publish a full version after this many versions since the last full one (0: not by versions).");
    /** Ten minutes: a new follower replays at most ten minutes of deltas; the updates topic keeps twice that. */
    public static final Option<Long> DELTAS_FULL_EVERY_SECONDS = Option.longInteger(
            "deltas.full_every_seconds",
            600L,
            Range.between(1, Long.MAX_VALUE / 2000),
            "Publish a full version at most this long after the last full one (also when the model is idle and its"
                    + " newest version is a delta), so the deltas a reader needs are never older than this:"
                    + " topics.updates must retain at least twice as long.");

    public static final Option<Boolean> DELTAS_FULL_COPIES = Option.bool(
            "deltas.full_copies",
            false,
            "For verification only: also publish each delta version's full snapshot on topics.models (tests rebuild"
                    + " every version from deltas and compare bit for bit). Doubles the output; keep false in"
                    + " production.");
    /** A new model's first version after a second, not a full period: "models" shows it while the user watches. */
    public static final Option<Long> SNAPSHOT_FIRST_AFTER_MS = Option.longInteger(
            "snapshot.first_after_ms",
            1000L,
            Range.between(0, Long.MAX_VALUE / 2),
            "With every_seconds > 0: a model's first version is published this long (processing time) after its"
                    + " first trained batch instead of a full every_seconds period, and becomes visible at the"
                    + " checkpoint after that (0: wait the full period).");

    public static final Option<String> OUTPUT_FORMAT = Option.choice(
            "output_format",
            "avro",
            List.of("avro", "json", "both"),
            "Encoding of the metrics, dead letters and snapshot metadata (docs/FORMATS.md). avro: Avro single-object"
                    + " records only. json: metrics and dead letters as JSON (one UTF-8 object per record) on their"
                    + " topics, snapshot metadata (every snapshot field but the state, plus its size, format version"
                    + " and CRC) as JSON on <topics.models>.json. both: the Avro topics, and the JSON on"
                    + " <topics.metrics>.json, <topics.dead_letters>.json and <topics.models>.json. The models topic"
                    + " itself is always Avro (followers and warm starts read the state from it).");
    public static final Option<Integer> METRICS_EVERY_BATCHES = Option.integer(
            "metrics_every_batches", 10, Range.between(1, Integer.MAX_VALUE), "Batches per metrics record.");
    public static final Option<Long> BATCH_TIMEOUT_MS = Option.longInteger(
            "batch_timeout_ms",
            1000L,
            Range.between(0, Long.MAX_VALUE),
            "0: partial batches wait for more examples (or the end of a " + "bounded input).");
    /** Below the broker's default transaction.max.timeout.ms (15 min), above any sane checkpoint period. */
    public static final Option<Long> TRANSACTION_TIMEOUT_MS = Option.longInteger(
            "transaction_timeout_ms",
            60_000L,
            Range.between(1000, Integer.MAX_VALUE),
            "Kafka transaction timeout (at most the broker's transaction.max.timeout.ms); bounds"
                    + " checkpoint_interval_ms and checkpoint_timeout_ms, see there.");

    public static final Option<String> TRANSACTIONAL_ID_PREFIX = Option.string(
                    "transactional_id_prefix", null, "Prefix of the Kafka transactional ids.")
            .defaultDocumented("streamgrad-<group_id>");
    public static final Option<Integer> PARALLELISM =
            Option.integer("parallelism", 1, Range.between(1, 32768), "Operator parallelism.");
    public static final Option<Void> LIMITS =
            Option.section("limits", "Input limits; records beyond them go to " + "the dead-letter topic.");
    public static final Option<Integer> MAX_RECORD_BYTES = Option.integer(
            "limits.max_record_bytes", 1 << 20, Range.between(1, Integer.MAX_VALUE), "Largest accepted record.");
    public static final Option<Integer> MAX_EXAMPLES_PER_RECORD = Option.integer(
            "limits.max_examples_per_record",
            65_536,
            Range.between(1, Integer.MAX_VALUE),
            "Most examples in one producer batch.");
    public static final Option<Integer> MAX_NON_ZEROS_PER_EXAMPLE = Option.integer(
            "limits.max_non_zeros_per_example",
            1 << 20,
            Range.between(1, Integer.MAX_VALUE),
            "Most non-zero features in one example.");
    /**
     * Largest magnitude of a feature value, regression label or weight: squares and batch sums of values up to
     * 1e9 stay far below float's 3.4e38, and inputs beyond it are almost always unscaled or corrupt.
     */
    public static final Option<Double> MAX_ABS_VALUE = Option.number(
            "limits.max_abs_value",
            1.0e9,
            Range.POSITIVE,
            "Largest magnitude of a feature value, regression label or weight.");
    /** Half of Kafka's default max.message.bytes (1 MiB), leaving room for the reason and the coordinates. */
    public static final Option<Integer> MAX_DEAD_LETTER_BYTES = Option.integer(
            "limits.max_dead_letter_bytes",
            512 * 1024,
            Range.between(0, Integer.MAX_VALUE),
            "Largest dead-letter record.");

    public static final Option<String> UNKNOWN_MODELS = Option.choice(
            "unknown_models",
            "dead_letter",
            List.of("dead_letter", "template"),
            "What happens to examples for a model id not under models:.");
    /**
     * What a model with no state in the job does when the models topic already holds versions of it (a lost
     * checkpoint directory, a new cluster): continue from its newest committed snapshot, or refuse to start.
     */
    public static final Option<String> EXISTING_VERSIONS = Option.choice(
            "existing_versions",
            "warm_start",
            List.of("warm_start", "refuse"),
            "A model without state in the job whose versions are already on the models topic: warm_start continues"
                    + " from its newest committed snapshot (parameters, optimizer state, version, source offsets);"
                    + " refuse stops the job at start, naming the model.");

    public static final Option<Void> TEMPLATE =
            Option.section("template", "The model config for unknown model " + "ids (unknown_models: template).");
    public static final Option<Void> TEMPLATE_MODELS = Option.section(
            "template_models",
            "Bounds on the models unknown_models: template creates; examples beyond them go to the dead-letter"
                    + " topic with the reason.");
    /** A thousand small models fit a few hundred MB of heap; raise it with the memory a model needs. */
    public static final Option<Integer> TEMPLATE_MAX_MODELS = Option.integer(
            "template_models.max_models",
            1000,
            Range.between(1, Integer.MAX_VALUE),
            "Most live models created from the template, per job (each of the parallelism subtasks admits at most"
                    + " ceil(max_models / parallelism)); examples of further ids are dead-lettered until one expires.");
    /** A pending id costs a counter and a timer (tens of bytes), not a model. */
    public static final Option<Integer> TEMPLATE_MAX_PENDING = Option.integer(
            "template_models.max_pending",
            100_000,
            Range.between(0, Integer.MAX_VALUE),
            "Most ids whose examples are counted towards min_examples, per job (split like max_models); examples of"
                    + " further new ids are dead-lettered.");

    public static final Option<Integer> TEMPLATE_MIN_EXAMPLES = Option.integer(
            "template_models.min_examples",
            1,
            Range.between(1, Integer.MAX_VALUE),
            "Examples of an id seen (each within idle_timeout_ms of the one before) before its model is created;"
                    + " the earlier ones are dead-lettered. 1: on first sight.");
    public static final Option<Long> TEMPLATE_IDLE_TIMEOUT_MS = Option.longInteger(
            "template_models.idle_timeout_ms",
            86_400_000L,
            Range.between(1, Long.MAX_VALUE / 2),
            "Processing time without examples after which a template model is removed: its unpublished progress is"
                    + " published as a final snapshot (kept on the models topic), then its state is cleared.");
    /** 30 days: a returning id within it continues its version numbering; see docs/STREAMING.md. */
    public static final Option<Long> TEMPLATE_RETIRED_VERSION_TTL_MS = Option.longInteger(
            "template_models.retired_version_ttl_ms",
            2_592_000_000L,
            Range.between(1, Long.MAX_VALUE / 2),
            "How long the job remembers the last published version of an expired template model (one number per"
                    + " id): an id that returns within it starts a fresh model whose versions continue above that"
                    + " number; after it, the id may start at version 1 again. Keep it at least as long as followers"
                    + " keep reading the models topic.");

    public static final Option<Void> SERIES = Option.section(
            "series", "The per-series state of ops models (models: entries with model: {type: forecast}).");
    /** A week: a daily job's series survive a missed run; a series that stopped for good frees its state. */
    public static final Option<Long> SERIES_IDLE_TIMEOUT_MS = Option.longInteger(
            "series.idle_timeout_ms",
            604_800_000L,
            Range.between(1000, Long.MAX_VALUE / 2),
            "Processing time without points after which a series' state (forecaster, scores window, alert rule)"
                    + " is removed; a later point starts the series afresh, with its warm-up. A firing alert of a"
                    + " removed series stays firing on the alerts topic (no resolved record is invented).");

    public static final Option<Void> TRAINING_HEALTH = Option.section(
            "training_health",
            "Alerts on each trained model's health, from its metrics windows (docs/OPS.md): a prequential loss that"
                    + " climbs while finite (Page-Hinkley on ln loss) or shifts up (ADWIN), a non-finite loss, no"
                    + " batch for stall_seconds, no new version for no_version_seconds; firing and resolved Alert"
                    + " records on topics.alerts (rules training_loss_rising, training_loss_shift,"
                    + " training_loss_not_finite, training_stalled, training_no_new_version; series '-').");
    public static final Option<Boolean> TRAINING_HEALTH_ENABLED =
            Option.bool("training_health.enabled", false, "Watch the trained models and alert on topics.alerts.");
    public static final Option<Long> TRAINING_HEALTH_STALL_SECONDS = Option.longInteger(
            "training_health.stall_seconds",
            300L,
            Range.between(1, Long.MAX_VALUE / 2000),
            "A model that trained before and has had no batch for this long (processing time) is stalled.");
    public static final Option<Long> TRAINING_HEALTH_NO_VERSION_SECONDS = Option.longInteger(
            "training_health.no_version_seconds",
            3600L,
            Range.between(1, Long.MAX_VALUE / 2000),
            "A model that trains but has published no new version (full or delta) for this long is stale.");
    public static final Option<Long> TRAINING_HEALTH_KEEP_FIRING_SECONDS = Option.longInteger(
            "training_health.keep_firing_seconds",
            600L,
            Range.between(0, Long.MAX_VALUE / 2000),
            "A training alert keeps firing this long after its condition last held (the loss detectors signal at"
                    + " one window and reset), then resolves.");

    public static final Option<Void> RECS = Option.section(
            "recs", "Recommendation (mf) models in the job: evaluation and the size of published version parts.");
    public static final Option<Integer> RECS_EVALUATE_EVERY_BATCHES = Option.integer(
            "recs.evaluate_every_batches",
            1,
            Range.between(0, Integer.MAX_VALUE),
            "Score every this many batches prequentially (each interaction's exact top-K over the item table"
                    + " before training on it: recall@K, ndcg@K, rmse, mae in topics.metrics); 1 gives the numbers of"
                    + " the offline train, 0 turns it off (a top-K scans every item row, which dominates a step on"
                    + " large tables).");
    public static final Option<Integer> RECS_ROWS_PER_PART = Option.integer(
            "recs.rows_per_part",
            10_000,
            Range.between(1, Integer.MAX_VALUE),
            "Rows per record of a published mf version (a version is split into parts that each fit the updates"
                    + " topic's max.message.bytes: about rows_per_part x (4 (k + 1) + 8 + id bytes)).");
    public static final Option<Integer> RECS_CACHED_ROWS = Option.integer(
            "recs.cached_rows",
            io.streamgrad.job.recs.RecsModels.DEFAULT_CACHED_ROWS,
            Range.between(0, Integer.MAX_VALUE),
            "Decoded rows the mf trainer keeps in memory per model and row map (users, items, all context tables"
                    + " together), the least recently used out first (CLOCK, second chance): reads hit them, writes only mark them dirty, and"
                    + " dirty rows are written to the keyed state before every checkpoint (and when they leave the"
                    + " cache), not on every step. Costs about 4 (k + 1) x (1 + optimizer slots) + 200 bytes of heap"
                    + " per row (k = 32, adagrad: ~470 B; 10^6 rows ~0.5 GB) on top of the state backend; 0 reads"
                    + " and writes every row through the state.");
    public static final Option<Void> MODELS =
            Option.section("models", "Model configs by id, as the learner's " + "YAML.");

    /** Every key, in documentation order. */
    public static final List<Option<?>> ALL = List.of(
            KAFKA,
            TOPICS,
            TOPIC_EXAMPLES,
            TOPIC_MODELS,
            TOPIC_METRICS,
            TOPIC_DEAD_LETTERS,
            TOPIC_UPDATES,
            TOPIC_SERIES,
            TOPIC_SCORES,
            TOPIC_ALERTS,
            TOPIC_INTERACTIONS,
            GROUP_ID,
            START,
            BOUNDED,
            CHECKPOINT_INTERVAL_MS,
            CHECKPOINT_TIMEOUT_MS,
            CHECKPOINT_DIR,
            JOB_NAME,
            CHECKPOINT_RETAINED_RUNS,
            STATE_BACKEND,
            RESTART,
            RESTART_ATTEMPTS,
            RESTART_DELAY_MS,
            SNAPSHOT,
            SNAPSHOT_EVERY_STEPS,
            SNAPSHOT_EVERY_SECONDS,
            DELTAS,
            DELTAS_ENABLED,
            DELTAS_FULL_EVERY_VERSIONS,
            DELTAS_FULL_EVERY_SECONDS,
            DELTAS_FULL_COPIES,
            SNAPSHOT_FIRST_AFTER_MS,
            OUTPUT_FORMAT,
            METRICS_EVERY_BATCHES,
            BATCH_TIMEOUT_MS,
            TRANSACTION_TIMEOUT_MS,
            TRANSACTIONAL_ID_PREFIX,
            PARALLELISM,
            LIMITS,
            MAX_RECORD_BYTES,
            MAX_EXAMPLES_PER_RECORD,
            MAX_NON_ZEROS_PER_EXAMPLE,
            MAX_ABS_VALUE,
            MAX_DEAD_LETTER_BYTES,
            UNKNOWN_MODELS,
            EXISTING_VERSIONS,
            TEMPLATE,
            TEMPLATE_MODELS,
            TEMPLATE_MAX_MODELS,
            TEMPLATE_MAX_PENDING,
            TEMPLATE_MIN_EXAMPLES,
            TEMPLATE_IDLE_TIMEOUT_MS,
            TEMPLATE_RETIRED_VERSION_TTL_MS,
            SERIES,
            SERIES_IDLE_TIMEOUT_MS,
            TRAINING_HEALTH,
            TRAINING_HEALTH_ENABLED,
            TRAINING_HEALTH_STALL_SECONDS,
            TRAINING_HEALTH_NO_VERSION_SECONDS,
            TRAINING_HEALTH_KEEP_FIRING_SECONDS,
            RECS,
            RECS_EVALUATE_EVERY_BATCHES,
            RECS_ROWS_PER_PART,
            RECS_CACHED_ROWS,
            MODELS);

    /** The job's established wording of value problems (pinned by its tests and known to its operators). */
    static final ConfigSection.Wording WORDING = new ConfigSection.Wording() {
        @Override
        public String unknownValue(String path, String value, List<String> allowed, String hint) {
            return path + ": '" + value + "' is not one of " + String.join(" | ", allowed);
        }

        @Override
        public String integerOutOfRange(String path, Object value, long min, long max, String rangeText) {
            return path + ": " + value + " is out of range [" + min + ", " + max + "]";
        }

        @Override
        public String numberOutOfRange(String path, Object raw, double value, Range range) {
            return path + ": expected a finite number " + range.text() + ", got " + ConfigSection.describe(raw);
        }
    };

    /** The registry the parser reads with. */
    static final ConfigSection.Keys KEYS = new ConfigSection.Keys(ALL, Map.of(), WORDING);
}

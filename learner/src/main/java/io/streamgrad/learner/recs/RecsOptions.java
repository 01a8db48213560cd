package io.streamgrad.learner.recs;

import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.Range;
import java.util.List;

/**
 * The keys of a recommendation model's configuration ({@code model.type: mf}), each declared once (key, type,
 * default, range, doc). {@link MfConfig} reads them; {@code docs/CONFIG.md} documents them in their own table.
 * The user and item tables share the {@code tables.*} settings; each context field ({@code context.<field>}) takes
 * the same keys, defaulting to {@code tables.*}.
 */
public final class RecsOptions {
    private RecsOptions() {}

    public static final Option<Void> MODEL = Option.section("model", "The recommendation model.");
    public static final Option<String> TYPE = Option.choice(
            "model.type",
            null,
            List.of("mf"),
            "mf: biased matrix factorization, s = g + b_u + b_i + p_u · q_i; with `context` fields a factorization "
                    + "machine over id fields, s = g + Σ_f b_f + Σ_{f<f'} v_f · v_f' (hashed features stay in `fm`).");
    public static final Option<Integer> DIM =
            Option.integer("model.dim", 16, Range.atLeast(1, 4096), "Latent dimension k of the user and item vectors.");
    public static final Option<Double> INIT_STD = Option.number(
                    "model.init_std",
                    0.1,
                    Range.NON_NEGATIVE,
                    "Standard deviation of a new row's vector, drawn from a generator seeded by (seed, table, id); "
                            + "biases start at 0.")
            .allowedDocumented(">= 0");
    public static final Option<String> LOSS = Option.choice(
            "loss",
            null,
            List.of("mse", "logistic", "bpr"),
            "mse: explicit ratings, ½(s − r)²; logistic: implicit, softplus(−s) for the interaction plus "
                    + "softplus(s_j) per sampled negative j; bpr: implicit, softplus(−(s_ui − s_uj)) per negative "
                    + "(Rendle et al. 2009).");
    public static final Option<Void> NEGATIVES = Option.section(
            "negatives", "Sampled negatives of the implicit losses (seeded by seed, step and position: reproducible).");
    public static final Option<Integer> NEGATIVES_COUNT =
            Option.integer("negatives.count", 4, Range.atLeast(0, 1000), "Negatives drawn per interaction.");
    public static final Option<Integer> NEGATIVES_POOL = Option.integer(
            "negatives.pool",
            1000,
            Range.atLeast(1, 10_000_000),
            "Size of the ring of recent items negatives are drawn from (see sampler).");
    public static final Option<String> NEGATIVES_SAMPLER = Option.choice(
            "negatives.sampler",
            "uniform_recent",
            List.of("uniform_recent", "popularity"),
            "uniform_recent: the pool holds the last `pool` distinct items (each drawn about equally often); "
                    + "popularity: the last `pool` item occurrences (popular items drawn more often, so the model "
                    + "learns lift over popularity).");
    public static final Option<Void> OPTIMIZER =
            Option.section("optimizer", "The per-row update rule (lazy: only rows in the batch move).");
    public static final Option<String> OPTIMIZER_TYPE = Option.choice(
            "optimizer.type",
            "adagrad",
            List.of("sgd", "adagrad", "adam", "ftrl"),
            "sgd, adagrad, adam (per-row bias correction) or ftrl (FTRL-Proximal per coordinate, its proximal term "
                    + "centred at the row's initial value; regularization.l1 gives exact zeros).");
    public static final Option<Double> LEARNING_RATE =
            Option.number("optimizer.learning_rate", 0.05, Range.POSITIVE, "Learning rate.");
    public static final Option<Double> BETA1 =
            Option.number("optimizer.beta1", 0.9, Range.UNIT_OPEN, "adam first-moment decay.");
    public static final Option<Double> BETA2 =
            Option.number("optimizer.beta2", 0.999, Range.UNIT_OPEN, "adam second-moment decay.");
    public static final Option<Double> EPSILON = Option.number(
                    "optimizer.epsilon", 1.0e-8, Range.POSITIVE, "Term added to the denominator of adam and adagrad.")
            .allowedDocumented("> 0");
    public static final Option<Double> INITIAL_ACCUMULATOR = Option.number(
                    "optimizer.initial_accumulator", 0.1, Range.NON_NEGATIVE, "adagrad's starting accumulator.")
            .allowedDocumented(">= 0");
    public static final Option<Double> FTRL_BETA = Option.number(
                    "optimizer.beta",
                    1.0,
                    Range.POSITIVE,
                    "ftrl's beta: a coordinate's rate is learning_rate / (beta + sqrt(n)), n its summed squared "
                            + "gradients; > 0, so a row's first step is defined even where its gradient is 0.")
            .allowedDocumented("> 0");
    public static final Option<Void> REGULARIZATION =
            Option.section("regularization", "Penalty on the rows a batch moves.");
    public static final Option<Double> L2 = Option.number(
                    "regularization.l2",
                    0.0,
                    Range.NON_NEGATIVE,
                    "l2/2 · ||θ_row||² for every row (vector and bias) a batch moves; the global bias is not penalised.")
            .allowedDocumented(">= 0");
    public static final Option<Double> L1 = Option.number(
                    "regularization.l1",
                    0.0,
                    Range.NON_NEGATIVE,
                    "ftrl only: lambda1 of FTRL-Proximal's closed form; a coordinate whose |z| <= l1 is exactly 0.")
            .allowedDocumented(">= 0");
    public static final Option<Void> TABLES = Option.section(
            "tables", "Admission, expiry and capacity of the user and item tables (each id its own row, no hashing).");
    public static final Option<Long> MIN_COUNT = Option.longInteger(
            "tables.min_count",
            1L,
            Range.atLeast(1, Long.MAX_VALUE),
            "An id gets a row once seen this many times (counted in stream order); before that it is a "
                    + "candidate holding only its count, which expires like a row: with min_count > 1 set an expiry, "
                    + "or candidates accumulate.");
    public static final Option<Long> CAPACITY = Option.longInteger(
            "tables.capacity", 0L, Range.atLeast(0, Long.MAX_VALUE), "Most rows per table; 0: unbounded.");
    public static final Option<String> OVERFLOW = Option.choice(
            "tables.overflow",
            "reject",
            List.of("reject", "evict_least_recent"),
            "At capacity: reject (the new id stays a counted candidate until expiry makes room) or "
                    + "evict_least_recent (the row seen longest ago goes, ties by smaller id; scans the table).");
    public static final Option<Long> EXPIRE_AFTER_STEPS = Option.longInteger(
            "tables.expire_after_steps",
            0L,
            Range.atLeast(0, Long.MAX_VALUE),
            "Rows not seen for more than this many steps are deleted (and reported); 0: never.");
    public static final Option<Long> EXPIRE_AFTER_MS = Option.longInteger(
            "tables.expire_after_ms",
            0L,
            Range.atLeast(0, Long.MAX_VALUE),
            "Rows not seen for more than this much event time (ms) are deleted (and reported); 0: never.");
    public static final Option<Long> SWEEP_EVERY_STEPS = Option.longInteger(
            "tables.sweep_every_steps", 100L, Range.atLeast(1, Long.MAX_VALUE), "Expiry runs every this many steps.");
    public static final Option<Void> CONTEXT = Option.section(
            "context",
            "Context fields (optional; none: plain mf): each key names a field (lower case letters, digits, _; not "
                    + "user, item, rating, timestamp, users, items) whose ids get their own embedding table and join "
                    + "the score as a factorization machine over id fields. Interactions carry them as CSV columns "
                    + "named like the field, or in the job's `context` map; an absent field or an id without a row "
                    + "contributes nothing, a field not declared here is ignored.");
    public static final Option<Void> CONTEXT_FIELD = Option.section(
            "context.<field>",
            "One context field's table: the keys of `tables` (min_count, capacity, overflow, expire_after_steps, "
                    + "expire_after_ms, sweep_every_steps), each defaulting to its value under `tables`; `{}` takes "
                    + "them all.");
    public static final Option<Void> EVALUATION = Option.section("evaluation", "Prequential quality.");
    public static final Option<Integer> TOP_K = Option.integer(
            "evaluation.top_k",
            10,
            Range.atLeast(1, 10_000),
            "K of recall@K and NDCG@K (exact top-K over the item table).");
    public static final Option<Integer> BATCH_SIZE =
            Option.integer("batch_size", 32, Range.atLeast(1, 1_000_000), "Interactions per training step.");
    public static final Option<Long> SEED = Option.longInteger(
            "seed", 1L, Range.ANY_LONG, "Seeds the initial vectors (with table and id) and negative sampling.");

    /** A complete example (every section), used in the docs and tests. */
    public static final String EXAMPLE = """
            model: {type: mf, dim: 16, init_std: 0.1}
            loss: bpr                # mse (ratings) | logistic | bpr (implicit)
            negatives: {count: 8, pool: 2000, sampler: uniform_recent}
            optimizer: {type: adagrad, learning_rate: 0.3}   # sgd | adagrad | adam | ftrl
            regularization: {l2: 0.0001}
            tables: {min_count: 1, capacity: 0, overflow: reject, expire_after_steps: 0, expire_after_ms: 0, sweep_every_steps: 100}
            # context: {device: {}, hour_of_week: {capacity: 168}}   # optional id fields beside user and item (fm)
            evaluation: {top_k: 10}
            batch_size: 32
            seed: 1
            """;

    /** Every key, sections before their keys, in documentation order. */
    public static final List<Option<?>> ALL = List.of(
            MODEL,
            TYPE,
            DIM,
            INIT_STD,
            LOSS,
            NEGATIVES,
            NEGATIVES_COUNT,
            NEGATIVES_POOL,
            NEGATIVES_SAMPLER,
            OPTIMIZER,
            OPTIMIZER_TYPE,
            LEARNING_RATE,
            BETA1,
            BETA2,
            EPSILON,
            INITIAL_ACCUMULATOR,
            FTRL_BETA,
            REGULARIZATION,
            L2,
            L1,
            TABLES,
            MIN_COUNT,
            CAPACITY,
            OVERFLOW,
            EXPIRE_AFTER_STEPS,
            EXPIRE_AFTER_MS,
            SWEEP_EVERY_STEPS,
            CONTEXT,
            CONTEXT_FIELD,
            EVALUATION,
            TOP_K,
            BATCH_SIZE,
            SEED);
}

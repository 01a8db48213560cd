package io.streamgrad.learner.config;

import java.util.List;

/**
 * The options outside the model, loss, optimizer and schedule families, each declared once: regularization,
 * clipping, the divergence policy and the top-level training keys.
 */
public final class TrainingOptions {
    private TrainingOptions() {}

    public static final Option<Void> REGULARIZATION =
            Option.section("regularization", "Penalties on non-bias weights; for ftrl they are its lambda1/lambda2.");
    public static final Option<Double> L1 = Option.number(
                    "regularization.l1", 0.0, Range.NON_NEGATIVE, "L1 strength (adds l1*sign(w)).")
            .allowedDocumented(">= 0");
    public static final Option<Double> L2 = Option.number(
                    "regularization.l2", 0.0, Range.NON_NEGATIVE, "L2 strength (adds l2*w).")
            .allowedDocumented(">= 0");

    public static final Option<Void> CLIPPING =
            Option.section("clipping", "Gradient and weight clipping; 0 disables each.");
    public static final Option<Double> CLIP_GLOBAL_NORM = Option.number(
                    "clipping.global_norm",
                    0.0,
                    Range.NON_NEGATIVE,
                    "Rescale the gradient to this L2 norm when its norm exceeds it.")
            .allowedDocumented(">= 0");
    public static final Option<Double> CLIP_VALUE = Option.number(
                    "clipping.value",
                    0.0,
                    Range.NON_NEGATIVE,
                    "Clip each gradient coordinate to [-value, value] (before global_norm).")
            .allowedDocumented(">= 0");
    public static final Option<Double> CLIP_WEIGHT = Option.number(
                    "clipping.weight",
                    0.0,
                    Range.NON_NEGATIVE,
                    "Clamp every parameter to [-weight, weight] after each update.")
            .allowedDocumented(">= 0");

    /**
     * Offline training ({@code streamgrad train}) marks the model good after this many applied updates without a
     * rejection, and at the end of a pass without one since the last mark (the streaming job marks it whenever it
     * publishes a snapshot). Only with the policy on.
     */
    public static final long OFFLINE_MARK_GOOD_EVERY = 1000;

    public static final Option<Void> DIVERGENCE = Option.section(
            "divergence",
            "What happens after repeated "
                    + "non-finite batches. Every batch whose loss, gradient or update would make the loss, a parameter or an "
                    + "optimizer-state value non-finite is always rejected (the model stays exactly as it was; the batch is "
                    + "counted in skipped_batches and reported). This section adds a rollback policy on top, off by "
                    + "default.");
    /** K consecutive rejected batches trigger a rollback; 0 turns the policy off (no last-good copy is kept). */
    public static final Option<Integer> MAX_BAD_BATCHES = Option.integer(
            "divergence.max_bad_batches",
            0,
            Range.atLeast(0, Integer.MAX_VALUE),
            "K: after K rejected batches in a row, restore the parameters and optimizer state of the last "
                    + "state marked good (the streaming job marks each published snapshot; offline training "
                    + "marks the model after every " + OFFLINE_MARK_GOOD_EVERY + " updates without a "
                    + "rejection and at the end of a pass without one) and back off the learning rate. 0 "
                    + "turns the policy off. On, it keeps one "
                    + "more copy of the parameters and optimizer state per model (memory and checkpoint "
                    + "size double).");
    /** Each rollback halves the learning-rate scale. */
    public static final Option<Double> LR_BACKOFF = Option.number(
            "divergence.lr_backoff",
            0.5,
            Range.UNIT_LEFT_OPEN,
            "Each rollback multiplies the model's learning-rate scale by this factor (the "
                    + "scale multiplies the schedule's rate from then on and is saved with the model; 1 = roll back "
                    + "only).");
    /** The scale stops at 1/1000 of the scheduled rate (ten halvings). */
    public static final Option<Double> MIN_LR_SCALE = Option.number(
            "divergence.min_lr_scale", 1.0e-3, Range.UNIT_LEFT_OPEN, "The learning-rate scale never drops below this.");

    /**
     * Most examples per update: 65,536. Beyond a few thousand a larger batch no longer improves the gradient estimate,
     * while the streaming job keeps a model's whole partial batch in its keyed state (and every checkpoint) and one
     * batch's arrays grow with it; a value like 1,000,000,000 is a typo, not a plan.
     */
    public static final int MAX_BATCH_SIZE = 1 << 16;

    public static final Option<Integer> BATCH_SIZE = Option.integer(
            "batch_size",
            32,
            Range.between(1, MAX_BATCH_SIZE),
            "Examples per update (the last batch of a pass may be smaller); at most 65536.");
    public static final Option<Boolean> SHUFFLE = Option.bool(
            "shuffle",
            false,
            "Offline training: reshuffle the examples before every pass (Fisher-Yates with the model's "
                    + "own RNG, whose position is saved with the model). false: file order, so a run is a "
                    + "pure function of config and data.");
    public static final Option<Long> SEED = Option.longInteger(
                    "seed", 1L, Range.ANY_LONG, "Seeds the initialisation and the shuffling.")
            .allowedDocumented("any 64-bit integer");
    public static final Option<Boolean> SPARSE_UPDATES = Option.bool(
            "sparse_updates",
            false,
            "Lazy updates that touch only parameters whose gradient the batch can make non-zero "
                    + "(fast on sparse data; momentum and Adam moments of absent features do not decay).");

    public static final List<Option<?>> REGULARIZATION_KEYS = List.of(L1, L2);
    public static final List<Option<?>> CLIPPING_KEYS = List.of(CLIP_GLOBAL_NORM, CLIP_VALUE, CLIP_WEIGHT);
    public static final List<Option<?>> DIVERGENCE_KEYS = List.of(MAX_BAD_BATCHES, LR_BACKOFF, MIN_LR_SCALE);
    public static final List<Option<?>> TOP_LEVEL_KEYS = List.of(BATCH_SIZE, SHUFFLE, SEED, SPARSE_UPDATES);
}

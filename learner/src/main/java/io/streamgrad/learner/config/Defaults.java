package io.streamgrad.learner.config;

import java.util.List;

/**
 * The one place where configuration defaults and limits are defined. {@link ConfigParser} fills absent keys from
 * here, {@link ConfigKeys} documents them from here (and {@code docs/CONFIG.md} is generated from that table), and
 * no other class may hard-code a default.
 *
 * <p>Optimizer defaults follow Keras 3 ({@code keras.optimizers.*}): learning rate 0.01 for the SGD family and
 * 0.001 for the adaptive rules, Adam's beta1 0.9 / beta2 0.999, RMSprop's rho 0.9, Adagrad's initial accumulator
 * 0.1. Exceptions, chosen for one shared value per key: epsilon is 1e-8 for every rule (Kingma &amp; Ba 2015;
 * Keras uses 1e-7), the AdamW decay is PyTorch's 0.01, and FTRL's beta is 1.0 as McMahan et al. (2013) recommend.
 */
public final class Defaults {
    private Defaults() {
    }

    public static final List<String> MODEL_TYPES = List.of("linear", "logistic", "softmax", "mlp", "fm");
    public static final List<String> LOSSES = List.of("mse", "huber", "binary_cross_entropy",
            "categorical_cross_entropy");
    public static final List<String> ACTIVATIONS = List.of("relu", "tanh", "sigmoid");
    public static final List<String> INITS = List.of("zeros", "xavier_uniform", "xavier_normal", "he");
    public static final List<String> OPTIMIZERS = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop",
            "adam", "adamw", "ftrl");
    public static final List<String> SCHEDULES = List.of("constant", "step", "exponential", "inverse_time",
            "cosine");

    // model
    /** One output: regression, or the logit of a binary task. */
    public static final int CLASSES = 1;
    public static final String ACTIVATION = "relu";
    public static final int FACTORS = 8;
    public static final double INIT_STD = 0.01;

    // loss
    public static final double HUBER_DELTA = 1.0;

    // optimizer
    public static final double LEARNING_RATE_SGD = 0.01;
    public static final double LEARNING_RATE_ADAPTIVE = 0.001;
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1.0e-8;
    public static final double WEIGHT_DECAY = 0.01;
    public static final double MOMENTUM = 0.9;
    public static final double RHO = 0.9;
    public static final double INITIAL_ACCUMULATOR = 0.1;
    public static final double FTRL_BETA = 1.0;

    // schedule
    public static final String SCHEDULE = "constant";
    /** Only {@code constant} may leave {@code decay_steps} out; every other schedule requires it. */
    public static final long DECAY_STEPS_CONSTANT = 0;
    public static final double DECAY_RATE = 0.5;
    public static final boolean STAIRCASE = false;
    public static final double MIN_LEARNING_RATE = 0.0;
    public static final long WARMUP_STEPS = 0;

    // regularization, clipping
    public static final double L1 = 0.0;
    public static final double L2 = 0.0;
    public static final double CLIP_GLOBAL_NORM = 0.0;
    public static final double CLIP_VALUE = 0.0;
    public static final double CLIP_WEIGHT = 0.0;

    // divergence (the per-batch non-finite guard always applies; this is the rollback policy on top)
    /** K consecutive rejected batches trigger a rollback; 0 turns the policy off (no last-good copy is kept). */
    public static final int DIVERGENCE_MAX_BAD_BATCHES = 0;
    /** Each rollback halves the learning-rate scale. */
    public static final double DIVERGENCE_LR_BACKOFF = 0.5;
    /** The scale stops at 1/1000 of the scheduled rate (ten halvings). */
    public static final double DIVERGENCE_MIN_LR_SCALE = 1.0e-3;
    /**
     * Offline training ({@code streamgrad train}) marks the model good after this many applied updates without a
     * rejection, and at the end of a pass without one since the last mark (the streaming job marks it whenever it
     * publishes a snapshot). Only with the policy on.
     */
    public static final long OFFLINE_MARK_GOOD_EVERY = 1000;

    // training
    public static final int BATCH_SIZE = 32;
    public static final boolean SHUFFLE = false;
    public static final long SEED = 1;
    public static final boolean SPARSE_UPDATES = false;

    // limits, checked before anything is allocated
    /** The largest Java array: one model's parameter vector (and each optimizer block) must fit in one. */
    public static final long MAX_ARRAY_FLOATS = Integer.MAX_VALUE - 8;
    /**
     * Parameters plus optimizer state of one model, in floats: 2^29 floats = 2 GiB. A model is held in memory (and
     * in Flink keyed state) as a whole; beyond this, lower {@code model.features}, the hidden widths or factors.
     */
    public static final long MAX_STATE_FLOATS = 1L << 29;

    /** The learning rate when {@code optimizer.learning_rate} is absent (Keras' default for the rule). */
    public static double learningRate(String optimizerType) {
        return switch (optimizerType) {
            case "sgd", "momentum", "nesterov" -> LEARNING_RATE_SGD;
            default -> LEARNING_RATE_ADAPTIVE;
        };
    }

    /**
     * The initialisation when {@code model.init} is absent: zeros for the convex models (their loss has one
     * optimum and zero is the usual start), He et al. (2015) for ReLU networks, Glorot &amp; Bengio (2010)
     * uniform for tanh/sigmoid networks. A factorization machine's factors always start from a normal with
     * {@code model.init_std}; {@code init} covers its linear part.
     */
    public static String init(String modelType, String activation) {
        if (!"mlp".equals(modelType)) {
            return "zeros";
        }
        return "relu".equals(activation) ? "he" : "xavier_uniform";
    }

    /**
     * Floats of optimizer state per parameter, as the config check assumes them (the factory's
     * {@code Optimizer.stateSize} is authoritative once built): sgd 0; momentum, nesterov, adagrad, rmsprop 1;
     * adam, adamw 2 (first and second moments); ftrl 2 (z and n).
     */
    public static int optimizerStatePerParam(String optimizerType) {
        return switch (optimizerType) {
            case "sgd" -> 0;
            case "momentum", "nesterov", "adagrad", "rmsprop" -> 1;
            default -> 2;
        };
    }
}

package io.streamgrad.learner.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every configuration key the parser accepts, with its type, default, allowed values and meaning. The parser
 * rejects any key not listed here, and {@code docs/CONFIG.md} is generated from this table
 * ({@link #markdown()}; a test keeps the file in step).
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    public static final List<ConfigKey> ALL = List.of(
            section("model", "The model architecture."),
            key("model.type", "string", "required", String.join(", ", Defaults.MODEL_TYPES),
                    "linear: linear regression; logistic: binary logistic regression; softmax: multinomial "
                            + "logistic regression; mlp: multi-layer perceptron; fm: factorization machine "
                            + "(Rendle 2010) with a linear part."),
            key("model.features", "integer", "required", ">= 1",
                    "Input dimension. For named (hashed) features it is the size of the hash space."),
            key("model.classes", "integer", String.valueOf(Defaults.CLASSES), ">= 1; softmax and an mlp with "
                            + "categorical_cross_entropy need >= 2; linear, logistic and fm need 1",
                    "Number of outputs of a classifier: k >= 2 classes (labels 0..k-1), or 1 for one output "
                            + "(regression value or binary logit)."),
            key("model.hidden", "list of integers", "required for mlp", "non-empty, each >= 1; mlp only",
                    "Widths of the hidden layers, input side first."),
            key("model.activation", "string", Defaults.ACTIVATION, String.join(", ", Defaults.ACTIVATIONS)
                    + "; mlp only", "Activation of the hidden layers."),
            key("model.init", "string", "zeros for linear, logistic, softmax and fm; he for a relu mlp; "
                            + "xavier_uniform for a tanh or sigmoid mlp",
                    String.join(", ", Defaults.INITS) + "; an mlp may not use zeros",
                    "Weight initialisation (biases start at zero). zeros would leave all hidden units of an mlp "
                            + "identical, so it is refused there."),
            key("model.factors", "integer", String.valueOf(Defaults.FACTORS), ">= 1; fm only",
                    "Latent dimension k of the factorization machine's pairwise interactions."),
            key("model.init_std", "number", num(Defaults.INIT_STD), "> 0; fm only",
                    "Standard deviation of the normal initialisation of the fm factors."),

            key("loss", "string or section", "required", String.join(", ", Defaults.LOSSES),
                    "The training loss: either a name (`loss: mse`) or a section (`loss: {type: huber, delta: "
                            + "1.0}`). logistic needs binary_cross_entropy; softmax categorical_cross_entropy; "
                            + "linear mse or huber; fm binary_cross_entropy, mse or huber."),
            key("loss.type", "string", "required (in the section form)", String.join(", ", Defaults.LOSSES),
                    "The loss name, in the section form."),
            key("loss.delta", "number", num(Defaults.HUBER_DELTA), "> 0; huber only",
                    "Huber threshold: quadratic inside [-delta, delta], linear outside."),

            section("optimizer", "The update rule. Keys that do not apply to the chosen type are accepted and "
                    + "ignored, so one section can be switched between rules."),
            key("optimizer.type", "string", "required", String.join(", ", Defaults.OPTIMIZERS),
                    "sgd; momentum (heavy ball); nesterov (Sutskever et al. 2013); adagrad (Duchi et al. 2011); "
                            + "rmsprop (Tieleman & Hinton 2012); adam (Kingma & Ba 2015); adamw (decoupled "
                            + "weight decay, Loshchilov & Hutter 2019); ftrl (FTRL-Proximal, McMahan et al. 2013)."),
            key("optimizer.learning_rate", "number", num(Defaults.LEARNING_RATE_SGD) + " for sgd, momentum, "
                            + "nesterov; " + num(Defaults.LEARNING_RATE_ADAPTIVE) + " for the others (Keras)",
                    "> 0, finite", "Base learning rate (the schedule scales it); for ftrl it is alpha."),
            key("optimizer.beta1", "number", num(Defaults.BETA1), "[0, 1)", "adam/adamw first-moment decay."),
            key("optimizer.beta2", "number", num(Defaults.BETA2), "[0, 1)", "adam/adamw second-moment decay."),
            key("optimizer.epsilon", "number", num(Defaults.EPSILON), "> 0",
                    "Term added to the denominator of adam, adamw, adagrad and rmsprop."),
            key("optimizer.weight_decay", "number", num(Defaults.WEIGHT_DECAY), ">= 0",
                    "adamw decoupled weight decay (applied to every parameter, biases included)."),
            key("optimizer.momentum", "number", num(Defaults.MOMENTUM), "[0, 1)",
                    "momentum/nesterov coefficient."),
            key("optimizer.rho", "number", num(Defaults.RHO), "[0, 1)",
                    "rmsprop decay of the squared-gradient average."),
            key("optimizer.initial_accumulator", "number", num(Defaults.INITIAL_ACCUMULATOR), ">= 0",
                    "adagrad's starting accumulator value (Keras/TensorFlow default)."),
            key("optimizer.beta", "number", num(Defaults.FTRL_BETA), ">= 0",
                    "ftrl beta: the per-coordinate rate is alpha / (beta + sqrt(n))."),

            key("schedule", "string or section", Defaults.SCHEDULE, String.join(", ", Defaults.SCHEDULES),
                    "Learning-rate schedule over the number of updates: a name (`schedule: constant`) or a "
                            + "section."),
            key("schedule.type", "string", Defaults.SCHEDULE, String.join(", ", Defaults.SCHEDULES),
                    "constant; step (times decay_rate every decay_steps); exponential (decay_rate^(t/decay_steps)); "
                            + "inverse_time (1/(1+decay_rate*t/decay_steps)); cosine (Loshchilov & Hutter 2017, "
                            + "without restarts, down to min_learning_rate)."),
            key("schedule.decay_steps", "integer", "required unless constant", ">= 1",
                    "Time scale of the decay, in updates (cosine: its length)."),
            key("schedule.decay_rate", "number", num(Defaults.DECAY_RATE), "> 0, finite",
                    "step/exponential: the factor; inverse_time: the rate k."),
            key("schedule.staircase", "boolean", String.valueOf(Defaults.STAIRCASE), "true, false",
                    "exponential/inverse_time: use floor(t / decay_steps)."),
            key("schedule.min_learning_rate", "number", num(Defaults.MIN_LEARNING_RATE),
                    ">= 0 and < optimizer.learning_rate", "cosine: the floor it decays to."),
            key("schedule.warmup_steps", "integer", String.valueOf(Defaults.WARMUP_STEPS), ">= 0",
                    "Linear warm-up from 0 to the base rate before the schedule starts (0 = none)."),

            section("regularization", "Penalties on non-bias weights; for ftrl they are its lambda1/lambda2."),
            key("regularization.l1", "number", num(Defaults.L1), ">= 0", "L1 strength (adds l1*sign(w))."),
            key("regularization.l2", "number", num(Defaults.L2), ">= 0", "L2 strength (adds l2*w)."),

            section("clipping", "Gradient and weight clipping; 0 disables each."),
            key("clipping.global_norm", "number", num(Defaults.CLIP_GLOBAL_NORM), ">= 0",
                    "Rescale the gradient to this L2 norm when its norm exceeds it."),
            key("clipping.value", "number", num(Defaults.CLIP_VALUE), ">= 0",
                    "Clip each gradient coordinate to [-value, value] (before global_norm)."),
            key("clipping.weight", "number", num(Defaults.CLIP_WEIGHT), ">= 0",
                    "Clamp every parameter to [-weight, weight] after each update."),

            section("divergence", "What happens after repeated non-finite batches. Every batch whose loss, gradient "
                    + "or update would make the loss, a parameter or an optimizer-state value non-finite is always "
                    + "rejected (the model stays exactly as it was; the batch is counted in skipped_batches and "
                    + "reported). This section adds a rollback policy on top, off by default."),
            key("divergence.max_bad_batches", "integer", String.valueOf(Defaults.DIVERGENCE_MAX_BAD_BATCHES), ">= 0",
                    "K: after K rejected batches in a row, restore the parameters and optimizer state of the last "
                            + "state marked good (the streaming job marks each published snapshot; offline training "
                            + "marks the model after every " + Defaults.OFFLINE_MARK_GOOD_EVERY + " updates without a "
                            + "rejection and at the end of a pass without one) and back off the learning rate. 0 "
                            + "turns the policy off. On, it keeps one "
                            + "more copy of the parameters and optimizer state per model (memory and checkpoint "
                            + "size double)."),
            key("divergence.lr_backoff", "number", num(Defaults.DIVERGENCE_LR_BACKOFF), "(0, 1]",
                    "Each rollback multiplies the model's learning-rate scale by this factor (the scale multiplies "
                            + "the schedule's rate from then on and is saved with the model; 1 = roll back only)."),
            key("divergence.min_lr_scale", "number", num(Defaults.DIVERGENCE_MIN_LR_SCALE), "(0, 1]",
                    "The learning-rate scale never drops below this."),

            key("batch_size", "integer", String.valueOf(Defaults.BATCH_SIZE), ">= 1",
                    "Examples per update (the last batch of a pass may be smaller)."),
            key("shuffle", "boolean", String.valueOf(Defaults.SHUFFLE), "true, false",
                    "Offline training: reshuffle the examples before every pass (Fisher-Yates with the model's "
                            + "own RNG, whose position is saved with the model). false: file order, so a run is a "
                            + "pure function of config and data."),
            key("seed", "integer", String.valueOf(Defaults.SEED), "any 64-bit integer",
                    "Seeds the initialisation and the shuffling."),
            key("sparse_updates", "boolean", String.valueOf(Defaults.SPARSE_UPDATES), "true, false",
                    "Lazy updates that touch only parameters whose gradient the batch can make non-zero "
                            + "(fast on sparse data; momentum and Adam moments of absent features do not decay).")
    );

    private static ConfigKey key(String path, String type, String def, String allowed, String description) {
        return new ConfigKey(path, type, def, allowed, description);
    }

    private static ConfigKey section(String path, String description) {
        return new ConfigKey(path, "section", "", "", description);
    }

    private static String num(double v) {
        return ConfigWriter.formatDouble(v);
    }

    /** The keys directly below {@code section} ({@code ""}: top level), in table order. */
    public static Set<String> childrenOf(String section) {
        Set<String> names = new LinkedHashSet<>();
        for (ConfigKey k : ALL) {
            if (k.section().equals(section)) {
                names.add(k.name());
            }
        }
        return names;
    }

    /** All full key paths. */
    public static List<String> paths() {
        List<String> out = new ArrayList<>();
        for (ConfigKey k : ALL) {
            out.add(k.path());
        }
        return out;
    }

    /** The reference table, as {@code docs/CONFIG.md} holds it. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Model configuration reference\n\n")
                .append("<!-- Generated from io.streamgrad.learner.config.ConfigKeys; do not edit by hand. "
                        + "Regenerate: mvn -pl learner test -Dtest=ConfigDocsTest -Dstreamgrad.writeDocs=true -->\n\n")
                .append("One model's training configuration: the YAML file of `streamgrad train --config`, and each "
                        + "entry of the streaming job's `models: {<id>: {...}}` map. Unknown keys are errors (the "
                        + "message suggests the closest known key); every error names the full key path. "
                        + "Defaults come from `io.streamgrad.learner.config.Defaults`.\n\n")
                .append("```yaml\n").append(EXAMPLE).append("```\n\n")
                .append("| key | type | default | allowed | meaning |\n")
                .append("|-----|------|---------|---------|---------|\n");
        for (ConfigKey k : ALL) {
            sb.append("| `").append(k.path()).append("` | ").append(k.type()).append(" | ")
                    .append(cell(k.defaultValue())).append(" | ").append(cell(k.allowed())).append(" | ")
                    .append(cell(k.description())).append(" |\n");
        }
        sb.append("\n## Checks across keys\n\n")
                .append("- `logistic` needs `binary_cross_entropy`; `softmax` needs `categorical_cross_entropy` and "
                        + "`classes >= 2`; `linear` needs `mse` or `huber`; `fm` needs `binary_cross_entropy`, "
                        + "`mse` or `huber`; an `mlp` with `categorical_cross_entropy` needs `classes >= 2`, with "
                        + "any other loss `classes: 1`.\n")
                .append("- `schedule.min_learning_rate` must be below `optimizer.learning_rate`.\n")
                .append(String.format(Locale.ROOT, "- Memory: the parameter vector must fit in one Java array "
                        + "(%,d floats) and parameters plus optimizer state (sgd 0, momentum/nesterov/adagrad/rmsprop "
                        + "1, adam/adamw/ftrl 2 floats per parameter) may not exceed %,d floats (2 GiB). Parameter "
                        + "counts: linear/logistic `features + 1`; softmax `(features + 1) * classes`; mlp the sum "
                        + "over layers of `(in + 1) * out`; fm `1 + features * (1 + factors)`. The check runs "
                        + "before anything is allocated.\n", Defaults.MAX_ARRAY_FLOATS, Defaults.MAX_STATE_FLOATS))
                .append("- YAML 1.1 reads `1e-8` (no dot) as a string; number keys accept such strings too.\n");
        return sb.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }

    /** A complete example (every section), used in the docs and tests. */
    public static final String EXAMPLE = """
            model:
              type: mlp            # linear | logistic | softmax | mlp | fm
              features: 784       # input dimension (hash space for named features)
              classes: 10         # softmax / multi-class mlp
              hidden: [256, 128]  # mlp only
              activation: relu
              init: he            # zeros | xavier_uniform | xavier_normal | he
            loss: categorical_cross_entropy
            optimizer:
              type: adam          # sgd | momentum | nesterov | adagrad | rmsprop | adam | adamw | ftrl
              learning_rate: 0.001
              beta1: 0.9
              beta2: 0.999
              epsilon: 1.0e-8
              weight_decay: 0.0   # adamw
              momentum: 0.9       # momentum / nesterov
            schedule: {type: cosine, decay_steps: 4690}
            regularization: {l1: 0.0, l2: 0.0}
            clipping: {global_norm: 0.0}
            divergence: {max_bad_batches: 0, lr_backoff: 0.5}  # 3: roll back + halve the rate after 3 bad batches
            batch_size: 64
            shuffle: false
            seed: 1
            """;
}

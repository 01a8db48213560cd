package io.streamgrad.learner.optim;

import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.Range;
import java.util.List;

/**
 * The options of the {@code optimizer:} section, each declared once (key, type, default, range, doc). The
 * optimizer constructors validate their arguments with these same objects. Keys that do not apply to the chosen
 * type are accepted (with these ranges) and ignored, so one section can be switched between rules.
 *
 * <p>Defaults follow Keras 3 ({@code keras.optimizers.*}): Adam's beta1 0.9 / beta2 0.999, RMSprop's rho 0.9,
 * Adagrad's initial accumulator 0.1; the learning rate is the kind's ({@link OptimizerKind#defaultLearningRate}).
 * Exceptions, chosen for one shared value per key: epsilon is 1e-8 for every rule (Kingma &amp; Ba 2015; Keras
 * uses 1e-7), the AdamW decay is PyTorch's 0.01, and FTRL's beta is 1.0 as McMahan et al. (2013) recommend.
 */
public final class OptimizerOptions {
    private OptimizerOptions() {}

    public static final Option<Void> SECTION = Option.section(
            "optimizer",
            "The update rule. Keys that do not "
                    + "apply to the chosen type are accepted and ignored, so one section can be switched between rules.");

    public static final Option<String> TYPE = Option.choice(
            "optimizer.type",
            null,
            OptimizerKind.names(),
            "sgd; momentum (heavy ball); nesterov (Sutskever et al. 2013); adagrad (Duchi et al. 2011); "
                    + "rmsprop (Tieleman & Hinton 2012); adam (Kingma & Ba 2015); adamw (decoupled "
                    + "weight decay, Loshchilov & Hutter 2019); ftrl (FTRL-Proximal, McMahan et al. 2013).");

    /** Its default is the kind's: {@link OptimizerKind#defaultLearningRate}. */
    public static final Option<Double> LEARNING_RATE = Option.number(
                    "optimizer.learning_rate",
                    OptimizerKind.LEARNING_RATE_SGD,
                    Range.POSITIVE,
                    "Base learning rate (the schedule scales it); for ftrl it is alpha.")
            .defaultDocumented(Option.number("x", OptimizerKind.LEARNING_RATE_SGD, Range.POSITIVE, "")
                            .defaultText()
                    + " for sgd, momentum, nesterov; "
                    + Option.number("x", OptimizerKind.LEARNING_RATE_ADAPTIVE, Range.POSITIVE, "")
                            .defaultText()
                    + " for the others (Keras)");

    public static final Option<Double> BETA1 =
            Option.number("optimizer.beta1", 0.9, Range.UNIT_OPEN, "adam/adamw first-moment decay.");
    public static final Option<Double> BETA2 =
            Option.number("optimizer.beta2", 0.999, Range.UNIT_OPEN, "adam/adamw second-moment decay.");
    public static final Option<Double> EPSILON = Option.number(
                    "optimizer.epsilon",
                    1.0e-8,
                    Range.POSITIVE,
                    "Term added to the denominator of adam, adamw, adagrad and rmsprop.")
            .allowedDocumented("> 0");
    public static final Option<Double> WEIGHT_DECAY = Option.number(
                    "optimizer.weight_decay",
                    0.01,
                    Range.NON_NEGATIVE,
                    "adamw decoupled weight decay (applied to every parameter, biases included).")
            .allowedDocumented(">= 0");
    public static final Option<Double> MOMENTUM =
            Option.number("optimizer.momentum", 0.9, Range.UNIT_OPEN, "momentum/nesterov coefficient.");
    public static final Option<Double> RHO =
            Option.number("optimizer.rho", 0.9, Range.UNIT_OPEN, "rmsprop decay of the squared-gradient average.");
    public static final Option<Double> INITIAL_ACCUMULATOR = Option.number(
                    "optimizer.initial_accumulator",
                    0.1,
                    Range.NON_NEGATIVE,
                    "adagrad's starting accumulator value (Keras/TensorFlow default).")
            .allowedDocumented(">= 0");
    public static final Option<Double> BETA = Option.number(
                    "optimizer.beta",
                    1.0,
                    Range.NON_NEGATIVE,
                    "ftrl beta: the per-coordinate rate is alpha / (beta + sqrt(n)).")
            .allowedDocumented(">= 0");

    /** Every key of the section, in documentation and writing order. */
    public static final List<Option<?>> ALL =
            List.of(TYPE, LEARNING_RATE, BETA1, BETA2, EPSILON, WEIGHT_DECAY, MOMENTUM, RHO, INITIAL_ACCUMULATOR, BETA);
}

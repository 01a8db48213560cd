package io.streamgrad.learner.model;

import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.Range;
import java.util.List;

/**
 * The options of the {@code model:} section, each declared once (key, type, default, range, doc). Which of them a
 * model kind uses is {@link ModelKind#uses}; a key the kind does not use is refused by the parser.
 */
public final class ModelOptions {
    private ModelOptions() {}

    public static final Option<Void> SECTION = Option.section("model", "The model architecture.");

    public static final Option<String> TYPE = Option.choice(
            "model.type",
            null,
            ModelKind.names(),
            "linear: linear regression; logistic: binary logistic regression; softmax: multinomial "
                    + "logistic regression; mlp: multi-layer perceptron; fm: factorization machine "
                    + "(Rendle 2010) with a linear part.");

    public static final Option<Integer> FEATURES = Option.integer(
            "model.features",
            null,
            Range.atLeast(1, Integer.MAX_VALUE),
            "Input dimension. For named (hashed) features it is the size of the hash space.");

    /** One output: regression, or the logit of a binary task. */
    public static final Option<Integer> CLASSES = Option.integer(
                    "model.classes",
                    1,
                    Range.atLeast(1, Integer.MAX_VALUE),
                    "Number of outputs of a classifier: k >= 2 classes (labels 0..k-1), or 1 for one output "
                            + "(regression value or binary logit).")
            .allowedDocumented(">= 1; softmax and an mlp with categorical_cross_entropy need >= 2; linear, "
                    + "logistic and fm need 1");

    public static final Option<List<Integer>> HIDDEN = Option.integerList(
                    "model.hidden",
                    Range.atLeast(1, Integer.MAX_VALUE),
                    "Widths of the hidden layers, input side first.")
            .defaultDocumented("required for mlp")
            .allowedDocumented("non-empty, each >= 1; mlp only");

    public static final Option<String> ACTIVATION = Option.choice(
                    "model.activation", "relu", MlpModel.Activation.names(), "Activation of the hidden layers.")
            .allowedDocumented(String.join(", ", MlpModel.Activation.names()) + "; mlp only");

    /** Its default depends on the kind and activation: {@link ModelKind#defaultInit}. */
    public static final Option<String> INIT = Option.choice(
                    "model.init",
                    null,
                    Init.names(),
                    "Weight initialisation (biases start at zero). zeros would leave all hidden units of an mlp "
                            + "identical, so it is refused there.")
            .defaultDocumented("zeros for linear, logistic, softmax and fm; he for a relu mlp; "
                    + "xavier_uniform for a tanh or sigmoid mlp")
            .allowedDocumented(String.join(", ", Init.names()) + "; an mlp may not use zeros");

    public static final Option<Integer> FACTORS = Option.integer(
                    "model.factors",
                    8,
                    Range.atLeast(1, Integer.MAX_VALUE),
                    "Latent dimension k of the factorization machine's pairwise interactions.")
            .allowedDocumented(">= 1; fm only");

    public static final Option<Double> INIT_STD = Option.number(
                    "model.init_std",
                    0.01,
                    Range.POSITIVE,
                    "Standard deviation of the normal initialisation of the fm factors.")
            .allowedDocumented("> 0; fm only");

    /** Every key of the section, in documentation and writing order. */
    public static final List<Option<?>> ALL =
            List.of(TYPE, FEATURES, CLASSES, HIDDEN, ACTIVATION, INIT, FACTORS, INIT_STD);
}

package io.streamgrad.learner.loss;

import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.Range;
import java.util.List;

/** The options of the loss, each declared once: {@code loss} (a name or a section), {@code loss.type}, {@code loss.delta}. */
public final class LossOptions {
    private LossOptions() {}

    /** {@code loss: mse} or {@code loss: {type: huber, delta: 1.0}}. */
    public static final Option<String> LOSS = Option.choice(
                    "loss",
                    null,
                    LossKind.names(),
                    "The training loss: either a name (`loss: mse`) or a section (`loss: {type: huber, delta: "
                            + "1.0}`). logistic needs binary_cross_entropy; softmax categorical_cross_entropy; "
                            + "linear mse or huber; fm binary_cross_entropy, mse or huber.")
            .documentedAs(Option.Type.STRING_OR_SECTION);

    public static final Option<String> TYPE = Option.choice(
                    "loss.type", null, LossKind.names(), "The loss name, in the section form.")
            .defaultDocumented("required (in the section form)");

    public static final Option<Double> DELTA = Option.number(
                    "loss.delta",
                    1.0,
                    Range.POSITIVE,
                    "Huber threshold: quadratic inside [-delta, delta], linear outside.")
            .allowedDocumented("> 0; huber only");

    /** The keys of the section form, in documentation and writing order. */
    public static final List<Option<?>> SECTION_KEYS = List.of(TYPE, DELTA);
}

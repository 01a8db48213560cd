package io.streamgrad.learner.optim;

import java.util.List;
import java.util.Objects;

/**
 * Builds an {@link Optimizer} from its spec ({@code optimizer:} config section) through its kind
 * ({@link OptimizerKind}, the one registry). Every optimizer validates its fields in its constructor with the
 * {@link OptimizerOptions} the parser uses; fields that do not apply to the chosen type are ignored.
 */
public final class Optimizers {
    /** Every accepted {@code optimizer.type}, in documentation order. */
    public static final List<String> TYPES = OptimizerKind.names();

    private Optimizers() {}

    /**
     * @throws IllegalArgumentException for a missing type or a field out of range (the message names its config
     *                                  key)
     */
    public static Optimizer create(OptimizerSpec spec) {
        Objects.requireNonNull(spec, "optimizer spec");
        if (spec.type() == null) {
            throw new IllegalArgumentException(
                    "optimizer.type: unknown value 'null'; allowed: " + String.join(", ", TYPES));
        }
        return spec.type().create(spec);
    }
}

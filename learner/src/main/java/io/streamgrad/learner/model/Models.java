package io.streamgrad.learner.model;

import java.util.Objects;

/**
 * Builds a {@link Model} from its spec, validating the spec first: an unknown or inconsistent setting throws
 * {@link IllegalArgumentException} naming the config key ({@code model.type}, {@code model.features}, ...), the
 * offending value and what is allowed.
 *
 * <ul>
 *   <li>{@code linear}, {@code logistic}, {@code softmax}: {@link LinearModel} (plain Java, sparse-friendly);</li>
 *   <li>{@code mlp}: {@link MlpModel} (ND4J gemms);</li>
 *   <li>{@code fm}: {@link FactorizationMachine} (plain Java, sparse-friendly).</li>
 * </ul>
 */
public final class Models {
    private Models() {}

    public static Model create(ModelSpec spec) {
        Objects.requireNonNull(spec, "model spec");
        if (spec.type() == null) {
            throw new IllegalArgumentException("model.type: missing; allowed: " + String.join(", ", ModelKind.names()));
        }
        return spec.type().create(spec);
    }
}

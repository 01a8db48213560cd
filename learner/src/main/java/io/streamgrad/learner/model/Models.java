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
    /** The accepted {@code model.type} values. */
    public static final String TYPES = "linear, logistic, softmax, mlp, fm";

    private Models() {
    }

    public static Model create(ModelSpec spec) {
        Objects.requireNonNull(spec, "model spec");
        String type = spec.type();
        if (type == null) {
            throw new IllegalArgumentException("model.type: missing; allowed: " + TYPES);
        }
        return switch (type) {
            case "linear", "logistic", "softmax" -> new LinearModel(spec);
            case "mlp" -> new MlpModel(spec);
            case "fm" -> new FactorizationMachine(spec);
            default -> throw new IllegalArgumentException(
                    "model.type: unknown value '" + type + "'; allowed: " + TYPES);
        };
    }
}

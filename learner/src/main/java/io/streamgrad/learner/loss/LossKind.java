package io.streamgrad.learner.loss;

import io.streamgrad.learner.config.Option;
import java.util.ArrayList;
import java.util.List;

/** The losses ({@code loss} / {@code loss.type}): each names its YAML value, the options it uses, and builds itself. */
public enum LossKind {
    MSE("mse"),
    HUBER("huber"),
    BINARY_CROSS_ENTROPY("binary_cross_entropy"),
    CATEGORICAL_CROSS_ENTROPY("categorical_cross_entropy");

    private final String yamlName;

    LossKind(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (LossKind k : values()) {
            out.add(k.yamlName);
        }
        return List.copyOf(out);
    }

    /** The kind named {@code name}; throws naming {@code loss} and the allowed values. */
    public static LossKind of(String name) {
        for (LossKind k : values()) {
            if (k.yamlName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "loss: unknown value '" + name + "'; allowed: " + String.join(", ", names()));
    }

    /** Whether this loss reads {@code option} ({@code loss.delta}: huber only). */
    public boolean uses(Option<?> option) {
        return option != LossOptions.DELTA || this == HUBER;
    }

    /**
     * The loss, its options validated with the same {@link LossOptions} the parser uses.
     *
     * @param delta the Huber threshold; read (and checked) only for {@link #HUBER}
     */
    public Loss create(double delta) {
        return switch (this) {
            case MSE -> new MeanSquaredError();
            case HUBER -> new Huber(delta);
            case BINARY_CROSS_ENTROPY -> new BinaryCrossEntropy();
            case CATEGORICAL_CROSS_ENTROPY -> new CategoricalCrossEntropy();
        };
    }

    @Override
    public String toString() {
        return yamlName;
    }
}

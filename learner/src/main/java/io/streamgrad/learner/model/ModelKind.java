package io.streamgrad.learner.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The model kinds ({@code model.type}): each names its YAML value, the options it uses (a model key the kind does
 * not use is refused), its default initialisation, its output width and parameter count, and builds its model.
 */
public enum ModelKind {
    LINEAR("linear"),
    LOGISTIC("logistic"),
    SOFTMAX("softmax"),
    MLP("mlp"),
    FM("fm");

    private final String yamlName;

    ModelKind(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The value of {@code model.type}. */
    public String yamlName() {
        return yamlName;
    }

    /** Every {@code model.type} value, in documentation order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (ModelKind k : values()) {
            out.add(k.yamlName);
        }
        return List.copyOf(out);
    }

    /** The kind named {@code name}; throws naming {@code model.type} and the allowed values. */
    public static ModelKind of(String name) {
        for (ModelKind k : values()) {
            if (k.yamlName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "model.type: unknown value '" + name + "'; allowed: " + String.join(", ", names()));
    }

    /** Whether this kind reads {@code option} (type, features, classes and init are common to all). */
    public boolean uses(io.streamgrad.learner.config.Option<?> option) {
        if (option == ModelOptions.HIDDEN || option == ModelOptions.ACTIVATION) {
            return this == MLP;
        }
        if (option == ModelOptions.FACTORS || option == ModelOptions.INIT_STD) {
            return this == FM;
        }
        return true;
    }

    /** The kind that uses {@code option}, for "only applies to" messages ({@code mlp}, {@code fm}). */
    public static String usersOf(io.streamgrad.learner.config.Option<?> option) {
        List<String> out = new ArrayList<>();
        for (ModelKind k : values()) {
            if (k.uses(option)) {
                out.add(k.yamlName);
            }
        }
        return String.join(", ", out);
    }

    /**
     * The initialisation when {@code model.init} is absent: zeros for the convex models (their loss has one
     * optimum and zero is the usual start), He et al. (2015) for ReLU networks, Glorot &amp; Bengio (2010)
     * uniform for tanh/sigmoid networks. A factorization machine's factors always start from a normal with
     * {@code model.init_std}; {@code init} covers its linear part.
     */
    public String defaultInit(String activation) {
        if (this != MLP) {
            return "zeros";
        }
        return "relu".equals(activation) ? "he" : "xavier_uniform";
    }

    /** Number of model outputs (width of the raw output row). */
    public int outputs(int classes) {
        return switch (this) {
            case SOFTMAX -> classes;
            case MLP -> Math.max(1, classes);
            default -> 1;
        };
    }

    /**
     * The parameter count a spec implies, computed in {@code long} with saturation so that absurd sizes are
     * reported rather than overflowing.
     */
    public long parameterCount(long features, long classes, List<Integer> hidden, long factors) {
        return switch (this) {
            case LINEAR, LOGISTIC -> sat(features, 1);
            case SOFTMAX -> satMul(sat(features, 1), classes);
            case MLP -> {
                long total = 0;
                long in = features;
                for (int h : hidden) {
                    total = sat(total, satMul(sat(in, 1), h));
                    in = h;
                }
                yield sat(total, satMul(sat(in, 1), Math.max(1, classes)));
            }
            case FM -> sat(1, satMul(features, sat(1, factors)));
        };
    }

    /** The keys that set the size, for "reduce ..." messages. */
    public String sizeKeys() {
        return switch (this) {
            case SOFTMAX -> "model.features, model.classes";
            case MLP -> "model.features, model.hidden, model.classes";
            case FM -> "model.features, model.factors";
            default -> "model.features";
        };
    }

    /** Builds the model (validating the spec; messages name the config key). */
    Model create(ModelSpec spec) {
        return switch (this) {
            case LINEAR, LOGISTIC, SOFTMAX -> new LinearModel(spec);
            case MLP -> new MlpModel(spec);
            case FM -> new FactorizationMachine(spec);
        };
    }

    static long sat(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    static long satMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        return yamlName;
    }
}

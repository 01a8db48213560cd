package io.streamgrad.learner.optim;

import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.TrainingOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The update rules ({@code optimizer.type}): each names its YAML value, its default learning rate, the options it
 * reads, how many floats of state it keeps per parameter, whether it applies {@code regularization} itself, and
 * builds its (immutable, validated) optimizer.
 *
 * <table>
 *   <caption>optimizer.type and the options each uses</caption>
 *   <tr><th>type</th><th>class</th><th>options</th></tr>
 *   <tr><td>sgd</td><td>{@link Sgd}</td><td>learning_rate</td></tr>
 *   <tr><td>momentum</td><td>{@link Momentum}</td><td>learning_rate, momentum</td></tr>
 *   <tr><td>nesterov</td><td>{@link Nesterov}</td><td>learning_rate, momentum</td></tr>
 *   <tr><td>adagrad</td><td>{@link Adagrad}</td><td>learning_rate, initial_accumulator, epsilon</td></tr>
 *   <tr><td>rmsprop</td><td>{@link RmsProp}</td><td>learning_rate, rho, epsilon</td></tr>
 *   <tr><td>adam</td><td>{@link Adam}</td><td>learning_rate, beta1, beta2, epsilon</td></tr>
 *   <tr><td>adamw</td><td>{@link AdamW}</td><td>learning_rate, beta1, beta2, epsilon, weight_decay</td></tr>
 *   <tr><td>ftrl</td><td>{@link Ftrl}</td><td>learning_rate (alpha), beta, regularization.l1,
 *       regularization.l2</td></tr>
 * </table>
 */
public enum OptimizerKind {
    SGD("sgd", 0),
    MOMENTUM("momentum", 1),
    NESTEROV("nesterov", 1),
    ADAGRAD("adagrad", 1),
    RMSPROP("rmsprop", 1),
    ADAM("adam", 2),
    ADAMW("adamw", 2),
    FTRL("ftrl", 2);

    /** Keras' default learning rate for the SGD family. */
    static final double LEARNING_RATE_SGD = 0.01;
    /** Keras' default learning rate for the adaptive rules. */
    static final double LEARNING_RATE_ADAPTIVE = 0.001;

    private final String yamlName;
    private final int stateBlocks;

    OptimizerKind(String yamlName, int stateBlocks) {
        this.yamlName = yamlName;
        this.stateBlocks = stateBlocks;
    }

    public String yamlName() {
        return yamlName;
    }

    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (OptimizerKind k : values()) {
            out.add(k.yamlName);
        }
        return List.copyOf(out);
    }

    /** The kind named {@code name}; throws naming {@code optimizer.type} and the allowed values. */
    public static OptimizerKind of(String name) {
        for (OptimizerKind k : values()) {
            if (k.yamlName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "optimizer.type: unknown value '" + name + "'; allowed: " + String.join(", ", names()));
    }

    /** The learning rate when {@code optimizer.learning_rate} is absent (Keras' default for the rule). */
    public double defaultLearningRate() {
        return switch (this) {
            case SGD, MOMENTUM, NESTEROV -> LEARNING_RATE_SGD;
            default -> LEARNING_RATE_ADAPTIVE;
        };
    }

    /**
     * Floats of state per parameter: sgd 0; momentum, nesterov, adagrad, rmsprop 1; adam, adamw 2 (first and
     * second moments); ftrl 2 (z and n). The config's size check and {@link Optimizer#stateSize} both use it.
     */
    public int statePerParam() {
        return stateBlocks;
    }

    /** Whether the rule applies {@code regularization.l1/l2} itself (ftrl's lambda1/lambda2), not the trainer. */
    public boolean appliesRegularization() {
        return this == FTRL;
    }

    /** The options this rule reads (those of other rules are accepted and ignored). */
    public List<Option<?>> options() {
        return switch (this) {
            case SGD -> List.of(OptimizerOptions.LEARNING_RATE);
            case MOMENTUM, NESTEROV -> List.of(OptimizerOptions.LEARNING_RATE, OptimizerOptions.MOMENTUM);
            case ADAGRAD ->
                List.of(OptimizerOptions.LEARNING_RATE, OptimizerOptions.INITIAL_ACCUMULATOR, OptimizerOptions.EPSILON);
            case RMSPROP -> List.of(OptimizerOptions.LEARNING_RATE, OptimizerOptions.RHO, OptimizerOptions.EPSILON);
            case ADAM ->
                List.of(
                        OptimizerOptions.LEARNING_RATE,
                        OptimizerOptions.BETA1,
                        OptimizerOptions.BETA2,
                        OptimizerOptions.EPSILON);
            case ADAMW ->
                List.of(
                        OptimizerOptions.LEARNING_RATE,
                        OptimizerOptions.BETA1,
                        OptimizerOptions.BETA2,
                        OptimizerOptions.EPSILON,
                        OptimizerOptions.WEIGHT_DECAY);
            case FTRL ->
                List.of(OptimizerOptions.LEARNING_RATE, OptimizerOptions.BETA, TrainingOptions.L1, TrainingOptions.L2);
        };
    }

    /** Builds the rule from the spec; its constructor validates with {@link OptimizerOptions}. */
    public Optimizer create(OptimizerSpec s) {
        return switch (this) {
            case SGD -> new Sgd(s.learningRate());
            case MOMENTUM -> new Momentum(s.learningRate(), s.momentum());
            case NESTEROV -> new Nesterov(s.learningRate(), s.momentum());
            case ADAGRAD -> new Adagrad(s.learningRate(), s.initialAccumulator(), s.epsilon());
            case RMSPROP -> new RmsProp(s.learningRate(), s.rho(), s.epsilon());
            case ADAM -> new Adam(s.learningRate(), s.beta1(), s.beta2(), s.epsilon());
            case ADAMW -> new AdamW(s.learningRate(), s.beta1(), s.beta2(), s.epsilon(), s.weightDecay());
            case FTRL -> new Ftrl(s.learningRate(), s.ftrlBeta(), s.l1(), s.l2());
        };
    }

    @Override
    public String toString() {
        return yamlName;
    }
}

package io.streamgrad.learner.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Builds an {@link Optimizer} from its spec ({@code optimizer:} config section). Every config class validates its
 * fields in its constructor; fields that do not apply to the chosen type are ignored.
 *
 * <table>
 *   <caption>optimizer.type and the spec fields each uses</caption>
 *   <tr><th>type</th><th>class</th><th>fields</th></tr>
 *   <tr><td>sgd</td><td>{@link Sgd}</td><td>learning_rate</td></tr>
 *   <tr><td>momentum</td><td>{@link Momentum}</td><td>learning_rate, momentum</td></tr>
 *   <tr><td>nesterov</td><td>{@link Nesterov}</td><td>learning_rate, momentum</td></tr>
 *   <tr><td>adagrad</td><td>{@link Adagrad}</td><td>learning_rate, initial_accumulator, epsilon</td></tr>
 *   <tr><td>rmsprop</td><td>{@link RmsProp}</td><td>learning_rate, rho, epsilon</td></tr>
 *   <tr><td>adam</td><td>{@link Adam}</td><td>learning_rate, beta1, beta2, epsilon</td></tr>
 *   <tr><td>adamw</td><td>{@link AdamW}</td><td>learning_rate, beta1, beta2, epsilon, weight_decay</td></tr>
 *   <tr><td>ftrl</td><td>{@link Ftrl}</td><td>learning_rate (alpha), ftrl_beta, regularization.l1,
 *       regularization.l2</td></tr>
 * </table>
 */
public final class Optimizers {
    /** The one registry: type name → constructor call. Its keys are {@link #TYPES}. */
    private static final Map<String, Function<OptimizerSpec, Optimizer>> FACTORIES = registry();

    /** Every accepted {@code optimizer.type}, in documentation order. */
    public static final List<String> TYPES = List.copyOf(FACTORIES.keySet());

    private Optimizers() {
    }

    private static Map<String, Function<OptimizerSpec, Optimizer>> registry() {
        Map<String, Function<OptimizerSpec, Optimizer>> m = new LinkedHashMap<>();
        m.put("sgd", s -> new Sgd(s.learningRate()));
        m.put("momentum", s -> new Momentum(s.learningRate(), s.momentum()));
        m.put("nesterov", s -> new Nesterov(s.learningRate(), s.momentum()));
        m.put("adagrad", s -> new Adagrad(s.learningRate(), s.initialAccumulator(), s.epsilon()));
        m.put("rmsprop", s -> new RmsProp(s.learningRate(), s.rho(), s.epsilon()));
        m.put("adam", s -> new Adam(s.learningRate(), s.beta1(), s.beta2(), s.epsilon()));
        m.put("adamw", s -> new AdamW(s.learningRate(), s.beta1(), s.beta2(), s.epsilon(), s.weightDecay()));
        m.put("ftrl", s -> new Ftrl(s.learningRate(), s.ftrlBeta(), s.l1(), s.l2()));
        return Collections.unmodifiableMap(m);
    }

    /**
     * @throws IllegalArgumentException for an unknown type (the message lists the allowed ones) or a field out
     *                                  of range (the message names its config key)
     */
    public static Optimizer create(OptimizerSpec spec) {
        Objects.requireNonNull(spec, "optimizer spec");
        Function<OptimizerSpec, Optimizer> factory = spec.type() == null ? null : FACTORIES.get(spec.type());
        if (factory == null) {
            throw new IllegalArgumentException("optimizer.type: unknown value '" + spec.type() + "'; allowed: "
                    + String.join(", ", TYPES));
        }
        return factory.apply(spec);
    }
}

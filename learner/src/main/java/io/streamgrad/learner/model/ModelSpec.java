package io.streamgrad.learner.model;

import java.util.List;

/**
 * The architecture of a model, as written under {@code model:} in the YAML config. Immutable; validated by
 * the config parser (which names the offending key) and again by {@link Models#create}.
 *
 * @param type       linear | logistic | softmax | mlp | fm
 * @param features   input dimension (the hash space for named features)
 * @param classes    number of classes: 1 for linear/logistic/fm outputs, k >= 2 for softmax and multi-class mlp
 *                   (an mlp with classes 1 has one output: regression, or a logit for binary tasks)
 * @param hidden     hidden layer widths (mlp only; empty otherwise)
 * @param activation relu | tanh | sigmoid (mlp hidden layers)
 * @param init       zeros | xavier_uniform | xavier_normal | he
 * @param factors    latent factor dimension k of a factorization machine (fm only)
 * @param initStd    standard deviation of the normal initialisation of fm factors
 */
public record ModelSpec(String type, int features, int classes, List<Integer> hidden, String activation,
                        String init, int factors, double initStd) {
    public ModelSpec {
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
    }

    /** Number of model outputs (width of the raw output row). */
    public int outputs() {
        return switch (type) {
            case "softmax" -> classes;
            case "mlp" -> Math.max(1, classes);
            default -> 1;
        };
    }
}

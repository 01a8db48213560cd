package io.streamgrad.learner.model;

import java.util.List;

/**
 * The architecture of a model, as written under {@code model:} in the YAML config. Immutable; validated by
 * the config parser (which names the offending key) and again by {@link Models#create}.
 *
 * @param type       the kind ({@code model.type})
 * @param features   input dimension (the hash space for named features)
 * @param classes    number of classes: 1 for linear/logistic/fm outputs, k >= 2 for softmax and multi-class mlp
 *                   (an mlp with classes 1 has one output: regression, or a logit for binary tasks)
 * @param hidden     hidden layer widths (mlp only; empty otherwise)
 * @param activation relu | tanh | sigmoid (mlp hidden layers)
 * @param init       zeros | xavier_uniform | xavier_normal | he
 * @param factors    latent factor dimension k of a factorization machine (fm only)
 * @param initStd    standard deviation of the normal initialisation of fm factors
 */
public record ModelSpec(
        ModelKind type,
        int features,
        int classes,
        List<Integer> hidden,
        String activation,
        String init,
        int factors,
        double initStd) {
    public ModelSpec {
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
    }

    /** Number of model outputs (width of the raw output row). */
    public int outputs() {
        return type.outputs(classes);
    }

    /** The value of each option of the {@code model:} section, by key path ({@link ModelOptions}). */
    public java.util.Map<String, Object> values() {
        java.util.Map<String, Object> v = new java.util.LinkedHashMap<>();
        v.put(ModelOptions.TYPE.path(), type);
        v.put(ModelOptions.FEATURES.path(), features);
        v.put(ModelOptions.CLASSES.path(), classes);
        v.put(ModelOptions.HIDDEN.path(), hidden);
        v.put(ModelOptions.ACTIVATION.path(), activation);
        v.put(ModelOptions.INIT.path(), init);
        v.put(ModelOptions.FACTORS.path(), factors);
        v.put(ModelOptions.INIT_STD.path(), initStd);
        return v;
    }
}

package io.streamgrad.learner.optim;

/**
 * The {@code optimizer:} section of the config. Fields that do not apply to {@code type} are ignored.
 * Keys and defaults are declared once, in {@link OptimizerOptions}.
 *
 * @param type          the rule ({@code optimizer.type})
 * @param learningRate  base rate (the schedule scales it); for ftrl this is alpha
 * @param beta1         adam/adamw first-moment decay
 * @param beta2         adam/adamw second-moment decay
 * @param epsilon       adam/adamw/adagrad/rmsprop denominator term
 * @param weightDecay   adamw decoupled weight decay (applied to every parameter, biases included)
 * @param momentum      momentum/nesterov coefficient mu
 * @param rho           rmsprop decay of the squared-gradient average
 * @param initialAccumulator adagrad's starting accumulator value
 * @param ftrlBeta      {@code optimizer.beta}: ftrl beta (the per-coordinate rate is alpha / (beta + sqrt(n)))
 * @param l1            ftrl L1 strength (lambda1); taken from {@code regularization.l1}
 * @param l2            ftrl L2 strength (lambda2); taken from {@code regularization.l2}
 */
public record OptimizerSpec(
        OptimizerKind type,
        double learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        double momentum,
        double rho,
        double initialAccumulator,
        double ftrlBeta,
        double l1,
        double l2) {

    /** The value of each option of the {@code optimizer:} section, by key path ({@link OptimizerOptions}). */
    public java.util.Map<String, Object> values() {
        java.util.Map<String, Object> v = new java.util.LinkedHashMap<>();
        v.put(OptimizerOptions.TYPE.path(), type);
        v.put(OptimizerOptions.LEARNING_RATE.path(), learningRate);
        v.put(OptimizerOptions.BETA1.path(), beta1);
        v.put(OptimizerOptions.BETA2.path(), beta2);
        v.put(OptimizerOptions.EPSILON.path(), epsilon);
        v.put(OptimizerOptions.WEIGHT_DECAY.path(), weightDecay);
        v.put(OptimizerOptions.MOMENTUM.path(), momentum);
        v.put(OptimizerOptions.RHO.path(), rho);
        v.put(OptimizerOptions.INITIAL_ACCUMULATOR.path(), initialAccumulator);
        v.put(OptimizerOptions.BETA.path(), ftrlBeta);
        return v;
    }
}

package io.streamgrad.learner.optim;

/**
 * The {@code optimizer:} section of the config. Fields that do not apply to {@code type} are ignored.
 * Defaults live in one place: {@link io.streamgrad.learner.config.Defaults}.
 *
 * @param type          sgd | momentum | nesterov | adagrad | rmsprop | adam | adamw | ftrl
 * @param learningRate  base rate (the schedule scales it); for ftrl this is alpha
 * @param beta1         adam/adamw first-moment decay
 * @param beta2         adam/adamw second-moment decay
 * @param epsilon       adam/adamw/adagrad/rmsprop denominator term
 * @param weightDecay   adamw decoupled weight decay (applied to every parameter, biases included)
 * @param momentum      momentum/nesterov coefficient mu
 * @param rho           rmsprop decay of the squared-gradient average
 * @param initialAccumulator adagrad's starting accumulator value
 * @param ftrlBeta      ftrl beta (the per-coordinate rate is alpha / (beta + sqrt(n)))
 * @param l1            ftrl L1 strength (lambda1); taken from {@code regularization.l1}
 * @param l2            ftrl L2 strength (lambda2); taken from {@code regularization.l2}
 */
public record OptimizerSpec(String type, double learningRate, double beta1, double beta2, double epsilon,
                            double weightDecay, double momentum, double rho, double initialAccumulator,
                            double ftrlBeta, double l1, double l2) {
}

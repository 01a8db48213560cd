package io.streamgrad.bench;

import io.streamgrad.learner.loss.LossKind;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.learner.optim.OptimizerSpec;
import io.streamgrad.learner.schedule.ScheduleKind;
import io.streamgrad.learner.schedule.ScheduleSpec;
import io.streamgrad.learner.train.ClippingSpec;
import io.streamgrad.learner.train.RegularizationSpec;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.List;

/**
 * The training configurations the benchmarks run, written out in full (every hyper-parameter explicit) so a
 * figure in {@code docs/BENCHMARKS.md} can be tied to exactly one configuration.
 */
public final class BenchConfigs {
    /** The MLP of the benchmarks: 784-256-128-10. */
    public static final List<Integer> MLP_HIDDEN = List.of(256, 128);

    public static final int FM_FACTORS = 16;
    public static final double ADAM_LR = 1e-3;
    public static final double ADAM_BETA1 = 0.9;
    public static final double ADAM_BETA2 = 0.999;
    public static final double ADAM_EPS = 1e-8;

    private static final ScheduleSpec CONSTANT = new ScheduleSpec(ScheduleKind.CONSTANT, 0, 0, false, 0, 0);
    private static final ClippingSpec NO_CLIPPING = new ClippingSpec(0, 0, 0);
    private static final RegularizationSpec NO_REGULARIZATION = new RegularizationSpec(0, 0);

    private BenchConfigs() {}

    /** Plain SGD, lr 0.1. */
    public static OptimizerSpec sgd() {
        return new OptimizerSpec(OptimizerKind.SGD, 0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * FTRL-Proximal (McMahan et al. 2013): alpha 0.1, beta 1, lambda1 = lambda2 = 0.001. The penalties are small
     * because the trainer's gradient is that of the batch-mean loss (about 0.5/batch per coordinate): with
     * lambda1 = 1 no weight would ever leave zero on this data, and the benchmark would time a model that does
     * not learn.
     */
    public static OptimizerSpec ftrl() {
        return new OptimizerSpec(OptimizerKind.FTRL, 0.1, 0, 0, 0, 0, 0, 0, 0, 1.0, 0.001, 0.001);
    }

    /** Adam (Kingma &amp; Ba 2015) with the paper's defaults. */
    public static OptimizerSpec adam() {
        return new OptimizerSpec(OptimizerKind.ADAM, ADAM_LR, ADAM_BETA1, ADAM_BETA2, ADAM_EPS, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Adagrad, lr 0.05, initial accumulator 0.1. */
    public static OptimizerSpec adagrad() {
        return new OptimizerSpec(OptimizerKind.ADAGRAD, 0.05, 0, 0, 1e-8, 0, 0, 0, 0.1, 0, 0, 0);
    }

    /** The optimizer of a sparse benchmark by name: sgd | ftrl | adagrad | adam. */
    public static OptimizerSpec optimizer(String name) {
        return switch (name) {
            case "sgd" -> sgd();
            case "ftrl" -> ftrl();
            case "adagrad" -> adagrad();
            case "adam" -> adam();
            default ->
                throw new IllegalArgumentException(
                        "optimizer: expected sgd | ftrl | adagrad | adam, got '" + name + "'");
        };
    }

    /** Logistic regression over {@code dim} hashed features with binary cross-entropy. */
    public static TrainerConfig logistic(int dim, OptimizerSpec optimizer, int batchSize, boolean sparseUpdates) {
        ModelSpec model = new ModelSpec(ModelKind.LOGISTIC, dim, 1, List.of(), "relu", "zeros", 0, 0);
        RegularizationSpec reg = optimizer.type().appliesRegularization()
                ? new RegularizationSpec(optimizer.l1(), optimizer.l2())
                : NO_REGULARIZATION;
        return new TrainerConfig(
                model,
                LossKind.BINARY_CROSS_ENTROPY,
                1.0,
                optimizer,
                CONSTANT,
                reg,
                NO_CLIPPING,
                batchSize,
                false,
                42L,
                sparseUpdates);
    }

    /** The 784-256-128-10 relu MLP with softmax + categorical cross-entropy and Adam. */
    public static TrainerConfig mlp(int batchSize) {
        ModelSpec model = new ModelSpec(
                ModelKind.MLP, DenseData.FEATURES, DenseData.CLASSES, MLP_HIDDEN, "relu", "xavier_uniform", 0, 0);
        return new TrainerConfig(
                model,
                LossKind.CATEGORICAL_CROSS_ENTROPY,
                1.0,
                adam(),
                CONSTANT,
                NO_REGULARIZATION,
                NO_CLIPPING,
                batchSize,
                false,
                42L,
                false);
    }

    /** A factorization machine (Rendle 2010) with {@link #FM_FACTORS} factors and binary cross-entropy. */
    public static TrainerConfig fm(int dim, OptimizerSpec optimizer, int batchSize, boolean sparseUpdates) {
        ModelSpec model = new ModelSpec(ModelKind.FM, dim, 1, List.of(), "relu", "zeros", FM_FACTORS, 0.01);
        return new TrainerConfig(
                model,
                LossKind.BINARY_CROSS_ENTROPY,
                1.0,
                optimizer,
                CONSTANT,
                NO_REGULARIZATION,
                NO_CLIPPING,
                batchSize,
                false,
                42L,
                sparseUpdates);
    }
}

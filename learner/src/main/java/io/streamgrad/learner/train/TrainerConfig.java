package io.streamgrad.learner.train;

import io.streamgrad.learner.loss.LossKind;
import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.optim.OptimizerSpec;
import io.streamgrad.learner.schedule.ScheduleSpec;

/**
 * One model's whole training configuration: the YAML file of {@code ./streamgrad train}, and one entry of the
 * streaming job's {@code models:} map. Immutable; built and validated by
 * {@link io.streamgrad.learner.config.ConfigParser}.
 *
 * @param loss          the loss ({@code loss} / {@code loss.type})
 * @param huberDelta    {@code loss.delta}: the Huber loss threshold (quadratic inside, linear outside)
 * @param sparseUpdates lazy updates that touch only the coordinates present in the batch (see
 *                      {@link io.streamgrad.learner.optim.Optimizer#stepSparse})
 * @param divergence    the rollback policy after consecutive rejected batches ({@link DivergenceSpec#OFF}: none)
 */
public record TrainerConfig(
        ModelSpec model,
        LossKind loss,
        double huberDelta,
        OptimizerSpec optimizer,
        ScheduleSpec schedule,
        RegularizationSpec regularization,
        ClippingSpec clipping,
        int batchSize,
        boolean shuffle,
        long seed,
        boolean sparseUpdates,
        DivergenceSpec divergence) {

    public TrainerConfig {
        java.util.Objects.requireNonNull(loss, "loss");
        java.util.Objects.requireNonNull(divergence, "divergence (use DivergenceSpec.OFF for none)");
    }

    /** A configuration without the rollback policy ({@link DivergenceSpec#OFF}). */
    public TrainerConfig(
            ModelSpec model,
            LossKind loss,
            double huberDelta,
            OptimizerSpec optimizer,
            ScheduleSpec schedule,
            RegularizationSpec regularization,
            ClippingSpec clipping,
            int batchSize,
            boolean shuffle,
            long seed,
            boolean sparseUpdates) {
        this(
                model,
                loss,
                huberDelta,
                optimizer,
                schedule,
                regularization,
                clipping,
                batchSize,
                shuffle,
                seed,
                sparseUpdates,
                DivergenceSpec.OFF);
    }

    /** The kind of labels this configuration learns. */
    public Task task() {
        return switch (loss) {
            case BINARY_CROSS_ENTROPY -> Task.BINARY;
            case CATEGORICAL_CROSS_ENTROPY -> Task.MULTICLASS;
            case MSE, HUBER -> Task.REGRESSION;
        };
    }

    public enum Task {
        REGRESSION,
        BINARY,
        MULTICLASS
    }
}

package io.streamgrad.learner.train;

/**
 * What one {@link Trainer#train} call did.
 *
 * @param applied      whether the update was applied (false: the batch was rejected and the model is unchanged,
 *                     unless {@code rolledBack})
 * @param rejectReason why it was rejected ({@code null} when applied); after a rollback it says so too
 * @param loss         the batch's mean data loss, measured before the update (prequential)
 * @param gradientNorm L2 norm of the gradient (regularisation included, before clipping)
 * @param learningRate the rate used for this step: the schedule's rate times the model's learning-rate scale
 * @param predictions  linked predictions made before the update, row-major {@code n x k}: the value, the
 *                     positive-class probability, or the class probabilities; the trainer reuses this array
 * @param outputs      k, the width of a prediction row
 * @param rolledBack   whether this rejection completed {@code divergence.max_bad_batches} rejected batches in a row
 *                     and the model was rolled back to its last-good copy (parameters and optimizer state
 *                     restored; without a copy only the learning rate was backed off)
 * @param lrScale      the model's learning-rate scale after this step (lower than before when {@code rolledBack})
 */
public record StepResult(
        boolean applied,
        String rejectReason,
        double loss,
        double gradientNorm,
        double learningRate,
        float[] predictions,
        int outputs,
        boolean rolledBack,
        double lrScale) {}

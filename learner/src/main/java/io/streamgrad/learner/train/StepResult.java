package io.streamgrad.learner.train;

/**
 * What one {@link Trainer#train} call did.
 *
 * @param applied      whether the update was applied (false: the batch was rejected and the model is unchanged)
 * @param rejectReason why it was rejected ({@code null} when applied)
 * @param loss         the batch's mean data loss, measured before the update (prequential)
 * @param gradientNorm L2 norm of the gradient (regularisation included, before clipping)
 * @param learningRate the scheduled rate used for this step
 * @param predictions  linked predictions made before the update, row-major {@code n x k}: the value, the
 *                     positive-class probability, or the class probabilities; the trainer reuses this array
 * @param outputs      k, the width of a prediction row
 */
public record StepResult(boolean applied, String rejectReason, double loss, double gradientNorm,
                         double learningRate, float[] predictions, int outputs) {
}

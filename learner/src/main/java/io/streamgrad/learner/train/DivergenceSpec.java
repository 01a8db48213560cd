package io.streamgrad.learner.train;

import io.streamgrad.learner.config.TrainingOptions;

/**
 * The divergence policy on top of the per-batch guard. The guard itself always applies: a batch whose loss,
 * gradient or update would make the loss, a parameter or an optimizer-state value non-finite is rejected and
 * leaves the model unchanged. This policy decides what happens after {@code maxBadBatches} such batches in a row:
 * the model is rolled back to the last state the caller marked good ({@link Trainer#markGood}) and its
 * learning-rate scale is multiplied by {@code lrBackoff}, never going below {@code minLrScale}.
 *
 * <p>Keeping a last-good copy costs one more copy of the parameters and the optimizer state per model, so it is
 * opt-in: with {@code maxBadBatches == 0} the policy is off and no copy is kept.
 *
 * @param maxBadBatches K, consecutive rejected batches that trigger a rollback; 0 turns the policy off
 * @param lrBackoff     factor in (0, 1] the learning-rate scale is multiplied by at each rollback
 * @param minLrScale    floor in (0, 1] of the learning-rate scale
 */
public record DivergenceSpec(int maxBadBatches, double lrBackoff, double minLrScale) {
    /** The defaults: policy off. */
    public static final DivergenceSpec OFF = new DivergenceSpec(
            TrainingOptions.MAX_BAD_BATCHES.defaultValue(),
            TrainingOptions.LR_BACKOFF.defaultValue(),
            TrainingOptions.MIN_LR_SCALE.defaultValue());

    public DivergenceSpec {
        if (!TrainingOptions.MAX_BAD_BATCHES.range().contains(maxBadBatches)) {
            throw new IllegalArgumentException("divergence.max_bad_batches must be >= 0, got " + maxBadBatches);
        }
        TrainingOptions.LR_BACKOFF.check(lrBackoff);
        TrainingOptions.MIN_LR_SCALE.check(minLrScale);
    }

    /** Whether rollbacks are on (and a last-good copy is kept). */
    public boolean enabled() {
        return maxBadBatches > 0;
    }
}

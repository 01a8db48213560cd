package io.streamgrad.learner.schedule;

/**
 * The {@code schedule:} section. The base rate is {@code optimizer.learning_rate}.
 *
 * @param type            constant | step | exponential | inverse_time | cosine
 * @param decaySteps      step: drop every decaySteps updates; exponential/inverse_time: time scale;
 *                        cosine: length of the decay (flat at minLearningRate after it)
 * @param decayRate       step/exponential: multiplicative factor; inverse_time: the rate k in lr/(1+k*t/decaySteps)
 * @param staircase       exponential/inverse_time: use floor(t/decaySteps)
 * @param minLearningRate cosine: the floor
 * @param warmupSteps     linear warm-up from 0 to the base rate in front of any schedule (0 = none)
 */
public record ScheduleSpec(String type, long decaySteps, double decayRate, boolean staircase,
                           double minLearningRate, long warmupSteps) {
}

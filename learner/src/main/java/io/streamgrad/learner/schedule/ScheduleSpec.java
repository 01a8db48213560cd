package io.streamgrad.learner.schedule;

/**
 * The {@code schedule:} section. The base rate is {@code optimizer.learning_rate}.
 *
 * @param type            the schedule ({@code schedule.type})
 * @param decaySteps      step: drop every decaySteps updates; exponential/inverse_time: time scale;
 *                        cosine: length of the decay (flat at minLearningRate after it)
 * @param decayRate       step/exponential: multiplicative factor; inverse_time: the rate k in lr/(1+k*t/decaySteps)
 * @param staircase       exponential/inverse_time: use floor(t/decaySteps)
 * @param minLearningRate cosine: the floor
 * @param warmupSteps     linear warm-up from 0 to the base rate in front of any schedule (0 = none)
 */
public record ScheduleSpec(
        ScheduleKind type,
        long decaySteps,
        double decayRate,
        boolean staircase,
        double minLearningRate,
        long warmupSteps) {

    /** The value of each option of the {@code schedule:} section, by key path ({@link ScheduleOptions}). */
    public java.util.Map<String, Object> values() {
        java.util.Map<String, Object> v = new java.util.LinkedHashMap<>();
        v.put(ScheduleOptions.TYPE.path(), type);
        v.put(ScheduleOptions.DECAY_STEPS.path(), decaySteps);
        v.put(ScheduleOptions.DECAY_RATE.path(), decayRate);
        v.put(ScheduleOptions.STAIRCASE.path(), staircase);
        v.put(ScheduleOptions.MIN_LEARNING_RATE.path(), minLearningRate);
        v.put(ScheduleOptions.WARMUP_STEPS.path(), warmupSteps);
        return v;
    }
}

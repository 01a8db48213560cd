package io.streamgrad.learner.schedule;

import io.streamgrad.learner.optim.OptimizerOptions;

/**
 * Argument checks for the schedules, with the same {@link ScheduleOptions} the parser reads the keys with; each
 * message names the config key, the allowed range and the value found.
 */
final class ScheduleChecks {
    static final String BASE_RATE = OptimizerOptions.LEARNING_RATE.path();
    static final String MIN_LEARNING_RATE = ScheduleOptions.MIN_LEARNING_RATE.path();
    static final String WARMUP_STEPS = ScheduleOptions.WARMUP_STEPS.path();

    private ScheduleChecks() {}

    static double baseRate(double base) {
        return OptimizerOptions.LEARNING_RATE.check(base);
    }

    static long decaySteps(ScheduleKind kind, long decaySteps) {
        return ScheduleOptions.DECAY_STEPS.check(decaySteps, "for schedule.type " + kind);
    }

    /** step/exponential: a decay factor in {@code (0, 1]}. */
    static double decayFactor(ScheduleKind kind, double decayRate) {
        return ScheduleOptions.DECAY_FACTOR.check(decayRate, "for schedule.type " + kind);
    }

    static void step(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("schedule step must be >= 0 (updates already made), got " + step);
        }
    }
}

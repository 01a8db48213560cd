package io.streamgrad.learner.schedule;

/** Argument checks for the schedules; each message names the config key, the allowed range and the value found. */
final class ScheduleChecks {
    static final String BASE_RATE = "optimizer.learning_rate";
    static final String DECAY_STEPS = "schedule.decay_steps";
    static final String DECAY_RATE = "schedule.decay_rate";
    static final String MIN_LEARNING_RATE = "schedule.min_learning_rate";
    static final String WARMUP_STEPS = "schedule.warmup_steps";

    private ScheduleChecks() {
    }

    static double baseRate(double base) {
        if (!(base > 0) || !Double.isFinite(base)) {
            throw new IllegalArgumentException(BASE_RATE + " must be a finite number > 0, got " + base);
        }
        return base;
    }

    static long decaySteps(String type, long decaySteps) {
        if (decaySteps < 1) {
            throw new IllegalArgumentException(DECAY_STEPS + " must be >= 1 for schedule.type " + type + ", got "
                    + decaySteps);
        }
        return decaySteps;
    }

    /** A decay factor in {@code (0, 1]} (1 = constant; above 1 the rate would grow without bound). */
    static double decayFactor(String type, double decayRate) {
        if (!(decayRate > 0 && decayRate <= 1)) {
            throw new IllegalArgumentException(DECAY_RATE + " must be in (0, 1] for schedule.type " + type + ", got "
                    + decayRate);
        }
        return decayRate;
    }

    static void step(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("schedule step must be >= 0 (updates already made), got " + step);
        }
    }
}

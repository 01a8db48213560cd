package io.streamgrad.learner.schedule;

import java.util.Objects;

/**
 * Linear warm-up in front of another schedule ({@code schedule.warmup_steps > 0}):
 * {@code rate(t) = base * (t + 1) / warmupSteps} for {@code t < warmupSteps}, then
 * {@code after.rate(t - warmupSteps)}. The first update gets {@code base / warmupSteps}, the last warm-up update
 * gets {@code base}, and the wrapped schedule then starts at its own step 0 (which is {@code base} for every
 * schedule here), so the rate joins continuously.
 */
public final class LinearWarmup implements Schedule {
    private final double base;
    private final long warmupSteps;
    private final Schedule after;

    /**
     * @param base        {@code optimizer.learning_rate}, finite, {@code > 0}
     * @param warmupSteps {@code schedule.warmup_steps}, {@code >= 1}
     * @param after       the schedule that follows, evaluated from its step 0
     */
    public LinearWarmup(double base, long warmupSteps, Schedule after) {
        this.base = ScheduleChecks.baseRate(base);
        if (warmupSteps < 1) {
            throw new IllegalArgumentException(
                    ScheduleChecks.WARMUP_STEPS + " must be >= 1 for a warm-up (0 = none), got " + warmupSteps);
        }
        this.warmupSteps = warmupSteps;
        this.after = Objects.requireNonNull(after, "after");
    }

    @Override
    public double rate(long step) {
        ScheduleChecks.step(step);
        if (step < warmupSteps) {
            return base * (step + 1) / warmupSteps;
        }
        return after.rate(step - warmupSteps);
    }

    @Override
    public String toString() {
        return "LinearWarmup{base=" + base + ", warmupSteps=" + warmupSteps + ", after=" + after + '}';
    }
}

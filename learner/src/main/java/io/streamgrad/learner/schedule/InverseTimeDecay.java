package io.streamgrad.learner.schedule;

/**
 * {@code schedule.type: inverse_time}: {@code rate(t) = base / (1 + decayRate * t / decaySteps)}, or with
 * {@code staircase: true} {@code base / (1 + decayRate * floor(t / decaySteps))} (TensorFlow's
 * {@code InverseTimeDecay}).
 */
public final class InverseTimeDecay implements Schedule {
    private final double base;
    private final long decaySteps;
    private final double decayRate;
    private final boolean staircase;

    /**
     * @param base       {@code optimizer.learning_rate}, finite, {@code > 0}
     * @param decaySteps {@code schedule.decay_steps}, {@code >= 1}
     * @param decayRate  {@code schedule.decay_rate}, finite, {@code >= 0} (0 = constant)
     * @param staircase  {@code schedule.staircase}: use {@code floor(t / decaySteps)}
     */
    public InverseTimeDecay(double base, long decaySteps, double decayRate, boolean staircase) {
        this.base = ScheduleChecks.baseRate(base);
        this.decaySteps = ScheduleChecks.decaySteps(ScheduleKind.INVERSE_TIME, decaySteps);
        this.decayRate = ScheduleOptions.DECAY_RATE_K.check(decayRate, "for schedule.type inverse_time");
        this.staircase = staircase;
    }

    @Override
    public double rate(long step) {
        ScheduleChecks.step(step);
        double p = staircase ? (double) (step / decaySteps) : (double) step / decaySteps;
        return base / (1.0 + decayRate * p);
    }

    @Override
    public String toString() {
        return "InverseTimeDecay{base=" + base + ", decaySteps=" + decaySteps + ", decayRate=" + decayRate
                + ", staircase=" + staircase + '}';
    }
}

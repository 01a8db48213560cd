package io.streamgrad.learner.schedule;

/**
 * {@code schedule.type: step}: drops the rate by a factor every {@code decaySteps} updates,
 * {@code rate(t) = base * decayRate^floor(t / decaySteps)}.
 */
public final class StepDecay implements Schedule {
    private final double base;
    private final long decaySteps;
    private final double decayRate;

    /**
     * @param base       {@code optimizer.learning_rate}, finite, {@code > 0}
     * @param decaySteps {@code schedule.decay_steps}, {@code >= 1}
     * @param decayRate  {@code schedule.decay_rate}, in {@code (0, 1]}
     */
    public StepDecay(double base, long decaySteps, double decayRate) {
        this.base = ScheduleChecks.baseRate(base);
        this.decaySteps = ScheduleChecks.decaySteps(ScheduleKind.STEP, decaySteps);
        this.decayRate = ScheduleChecks.decayFactor(ScheduleKind.STEP, decayRate);
    }

    @Override
    public double rate(long step) {
        ScheduleChecks.step(step);
        return base * Math.pow(decayRate, (double) (step / decaySteps));
    }

    @Override
    public String toString() {
        return "StepDecay{base=" + base + ", decaySteps=" + decaySteps + ", decayRate=" + decayRate + '}';
    }
}

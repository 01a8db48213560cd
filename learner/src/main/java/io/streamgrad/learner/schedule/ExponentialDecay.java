package io.streamgrad.learner.schedule;

/**
 * {@code schedule.type: exponential}: {@code rate(t) = base * decayRate^(t / decaySteps)}, or with
 * {@code staircase: true} {@code base * decayRate^floor(t / decaySteps)} (TensorFlow's {@code ExponentialDecay}).
 */
public final class ExponentialDecay implements Schedule {
    private final double base;
    private final long decaySteps;
    private final double decayRate;
    private final boolean staircase;

    /**
     * @param base       {@code optimizer.learning_rate}, finite, {@code > 0}
     * @param decaySteps {@code schedule.decay_steps}, {@code >= 1}
     * @param decayRate  {@code schedule.decay_rate}, in {@code (0, 1]}
     * @param staircase  {@code schedule.staircase}: use {@code floor(t / decaySteps)}
     */
    public ExponentialDecay(double base, long decaySteps, double decayRate, boolean staircase) {
        this.base = ScheduleChecks.baseRate(base);
        this.decaySteps = ScheduleChecks.decaySteps(ScheduleKind.EXPONENTIAL, decaySteps);
        this.decayRate = ScheduleChecks.decayFactor(ScheduleKind.EXPONENTIAL, decayRate);
        this.staircase = staircase;
    }

    @Override
    public double rate(long step) {
        ScheduleChecks.step(step);
        double p = staircase ? (double) (step / decaySteps) : (double) step / decaySteps;
        return base * Math.pow(decayRate, p);
    }

    @Override
    public String toString() {
        return "ExponentialDecay{base=" + base + ", decaySteps=" + decaySteps + ", decayRate=" + decayRate
                + ", staircase=" + staircase + '}';
    }
}

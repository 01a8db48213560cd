package io.streamgrad.learner.schedule;

/**
 * {@code schedule.type: cosine}: half a cosine from {@code base} down to {@code min} over {@code decaySteps}
 * updates, then flat at {@code min} (Loshchilov &amp; Hutter 2017, SGDR, without restarts):
 * {@code rate(t) = min + (base - min) * 0.5 * (1 + cos(pi * min(t, decaySteps) / decaySteps))}.
 */
public final class CosineDecay implements Schedule {
    private final double base;
    private final long decaySteps;
    private final double min;

    /**
     * @param base       {@code optimizer.learning_rate}, finite, {@code > 0}
     * @param decaySteps {@code schedule.decay_steps}, {@code >= 1}
     * @param min        {@code schedule.min_learning_rate}, in {@code [0, base]}
     */
    public CosineDecay(double base, long decaySteps, double min) {
        this.base = ScheduleChecks.baseRate(base);
        this.decaySteps = ScheduleChecks.decaySteps(ScheduleKind.COSINE, decaySteps);
        if (!(ScheduleOptions.MIN_LEARNING_RATE.range().contains(min) && min <= base)) {
            throw new IllegalArgumentException(ScheduleChecks.MIN_LEARNING_RATE + " must be in [0, "
                    + ScheduleChecks.BASE_RATE + " = " + base + "] for schedule.type cosine, got " + min);
        }
        this.min = min;
    }

    @Override
    public double rate(long step) {
        ScheduleChecks.step(step);
        if (step >= decaySteps) {
            return min; // flat after the decay; cos(pi) = -1 exactly gives the same, but say it plainly
        }
        return min + (base - min) * 0.5 * (1.0 + Math.cos(Math.PI * step / decaySteps));
    }

    @Override
    public String toString() {
        return "CosineDecay{base=" + base + ", decaySteps=" + decaySteps + ", min=" + min + '}';
    }
}

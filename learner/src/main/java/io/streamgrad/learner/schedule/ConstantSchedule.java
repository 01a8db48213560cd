package io.streamgrad.learner.schedule;

/** {@code schedule.type: constant}: {@code rate(t) = base}. */
public final class ConstantSchedule implements Schedule {
    private final double base;

    /** @param base {@code optimizer.learning_rate}, finite, {@code > 0} */
    public ConstantSchedule(double base) {
        this.base = ScheduleChecks.baseRate(base);
    }

    @Override
    public double rate(long step) {
        ScheduleChecks.step(step);
        return base;
    }

    @Override
    public String toString() {
        return "ConstantSchedule{base=" + base + '}';
    }
}

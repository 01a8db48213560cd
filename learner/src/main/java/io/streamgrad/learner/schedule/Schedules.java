package io.streamgrad.learner.schedule;

/** Builds a {@link Schedule} from its spec and the optimizer's base learning rate. */
public final class Schedules {
    private Schedules() {
    }

    public static Schedule create(ScheduleSpec spec, double baseRate) {
        throw new IllegalArgumentException("schedule.type: unknown value '" + spec.type() + "'");
    }
}

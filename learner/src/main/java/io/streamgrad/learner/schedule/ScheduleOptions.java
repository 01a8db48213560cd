package io.streamgrad.learner.schedule;

import io.streamgrad.learner.config.Option;
import io.streamgrad.learner.config.Range;
import java.util.List;

/**
 * The options of the {@code schedule} (a name or a section), each declared once. A kind whose range differs from
 * the family's uses a variant ({@link ScheduleKind#options}); keys of other kinds are accepted with the family's
 * range and ignored. The schedules validate their arguments with these same objects.
 */
public final class ScheduleOptions {
    private ScheduleOptions() {}

    public static final Option<String> SCHEDULE = Option.choice(
                    "schedule",
                    "constant",
                    ScheduleKind.names(),
                    "Learning-rate schedule over the number of updates: a name (`schedule: constant`) or a "
                            + "section.")
            .documentedAs(Option.Type.STRING_OR_SECTION);

    public static final Option<String> TYPE = Option.choice(
            "schedule.type",
            "constant",
            ScheduleKind.names(),
            "constant; step (times decay_rate every decay_steps); exponential (decay_rate^(t/decay_steps)); "
                    + "inverse_time (1/(1+decay_rate*t/decay_steps)); cosine (Loshchilov & Hutter 2017, "
                    + "without restarts, down to min_learning_rate).");

    /** Only {@code constant} may leave it out (it is 0 there); every other schedule requires it. */
    public static final Option<Long> DECAY_STEPS = Option.longInteger(
                    "schedule.decay_steps",
                    null,
                    Range.atLeast(1, Long.MAX_VALUE),
                    "Time scale of the decay, in updates (cosine: its length).")
            .defaultDocumented("required unless constant");

    /** The family's range; step, exponential and inverse_time use their own ({@link ScheduleKind#options}). */
    public static final Option<Double> DECAY_RATE = Option.number(
                    "schedule.decay_rate",
                    0.5,
                    Range.POSITIVE,
                    "step/exponential: the factor; inverse_time: the rate k.")
            .allowedDocumented("step, exponential: (0, 1]; inverse_time: >= 0, finite");

    /** step and exponential: a factor in (0, 1] (1 = constant; above 1 the rate would grow without bound). */
    static final Option<Double> DECAY_FACTOR = DECAY_RATE.withRange(Range.UNIT_LEFT_OPEN);
    /** inverse_time: a rate k >= 0 (0 = constant). */
    static final Option<Double> DECAY_RATE_K = DECAY_RATE.withRange(Range.NON_NEGATIVE);
    /** constant needs no decay_steps (0 when absent). */
    static final Option<Long> DECAY_STEPS_CONSTANT = DECAY_STEPS.withRange(Range.atLeast(0, Long.MAX_VALUE));

    public static final Option<Boolean> STAIRCASE =
            Option.bool("schedule.staircase", false, "exponential/inverse_time: use floor(t / decay_steps).");

    public static final Option<Double> MIN_LEARNING_RATE = Option.number(
                    "schedule.min_learning_rate", 0.0, Range.NON_NEGATIVE, "cosine: the floor it decays to.")
            .allowedDocumented(">= 0 and < optimizer.learning_rate");

    public static final Option<Long> WARMUP_STEPS = Option.longInteger(
            "schedule.warmup_steps",
            0L,
            Range.atLeast(0, Long.MAX_VALUE),
            "Linear warm-up from 0 to the base rate before the schedule starts (0 = none).");

    /** Every key of the section, in documentation and writing order. */
    public static final List<Option<?>> ALL =
            List.of(TYPE, DECAY_STEPS, DECAY_RATE, STAIRCASE, MIN_LEARNING_RATE, WARMUP_STEPS);
}

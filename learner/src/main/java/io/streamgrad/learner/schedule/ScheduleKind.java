package io.streamgrad.learner.schedule;

import io.streamgrad.learner.config.Option;
import java.util.ArrayList;
import java.util.List;

/**
 * The learning-rate schedules ({@code schedule.type}): each names its YAML value, the options it reads (with its
 * own range where it differs from the family's) and builds its schedule.
 */
public enum ScheduleKind {
    CONSTANT("constant"),
    STEP("step"),
    EXPONENTIAL("exponential"),
    INVERSE_TIME("inverse_time"),
    COSINE("cosine");

    private final String yamlName;

    ScheduleKind(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (ScheduleKind k : values()) {
            out.add(k.yamlName);
        }
        return List.copyOf(out);
    }

    /** The kind named {@code name}; throws naming {@code schedule.type} and the allowed values. */
    public static ScheduleKind of(String name) {
        for (ScheduleKind k : values()) {
            if (k.yamlName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "schedule.type: unknown value '" + name + "'; allowed: " + String.join(", ", names()));
    }

    /** The options this schedule reads, with its own ranges (warmup_steps applies to every one). */
    public List<Option<?>> options() {
        return switch (this) {
            case CONSTANT -> List.of(ScheduleOptions.WARMUP_STEPS);
            case STEP ->
                List.of(ScheduleOptions.DECAY_STEPS, ScheduleOptions.DECAY_FACTOR, ScheduleOptions.WARMUP_STEPS);
            case EXPONENTIAL ->
                List.of(
                        ScheduleOptions.DECAY_STEPS,
                        ScheduleOptions.DECAY_FACTOR,
                        ScheduleOptions.STAIRCASE,
                        ScheduleOptions.WARMUP_STEPS);
            case INVERSE_TIME ->
                List.of(
                        ScheduleOptions.DECAY_STEPS,
                        ScheduleOptions.DECAY_RATE_K,
                        ScheduleOptions.STAIRCASE,
                        ScheduleOptions.WARMUP_STEPS);
            case COSINE ->
                List.of(ScheduleOptions.DECAY_STEPS, ScheduleOptions.MIN_LEARNING_RATE, ScheduleOptions.WARMUP_STEPS);
        };
    }

    /**
     * The variant of the family option {@code option} this kind reads it with: its own where it uses the key,
     * {@link #CONSTANT}'s optional decay_steps, else the family's (a key of another kind, accepted and ignored).
     */
    public Option<?> variantOf(Option<?> option) {
        if (this == CONSTANT && option == ScheduleOptions.DECAY_STEPS) {
            return ScheduleOptions.DECAY_STEPS_CONSTANT;
        }
        for (Option<?> o : options()) {
            if (o.path().equals(option.path())) {
                return o;
            }
        }
        return option;
    }

    /** Builds the schedule for base rate {@code base}; the constructors validate with {@link ScheduleOptions}. */
    public Schedule create(ScheduleSpec s, double base) {
        return switch (this) {
            case CONSTANT -> new ConstantSchedule(base);
            case STEP -> new StepDecay(base, s.decaySteps(), s.decayRate());
            case EXPONENTIAL -> new ExponentialDecay(base, s.decaySteps(), s.decayRate(), s.staircase());
            case INVERSE_TIME -> new InverseTimeDecay(base, s.decaySteps(), s.decayRate(), s.staircase());
            case COSINE -> new CosineDecay(base, s.decaySteps(), s.minLearningRate());
        };
    }

    @Override
    public String toString() {
        return yamlName;
    }
}

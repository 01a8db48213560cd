package io.streamgrad.learner.schedule;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Builds a {@link Schedule} from its spec ({@code schedule:} config section) and the optimizer's base rate
 * ({@code optimizer.learning_rate}). {@code t} is the number of updates already made (0 for the first update);
 * {@code base} the base rate; fields that do not apply to the type are ignored.
 *
 * <table>
 *   <caption>schedule.type and its rate</caption>
 *   <tr><th>type</th><th>rate(t)</th><th>fields</th></tr>
 *   <tr><td>constant</td><td>{@code base}</td><td>-</td></tr>
 *   <tr><td>step</td><td>{@code base * decay_rate^floor(t / decay_steps)}</td>
 *       <td>decay_steps &gt;= 1, decay_rate in (0, 1]</td></tr>
 *   <tr><td>exponential</td><td>{@code base * decay_rate^(t / decay_steps)}; with staircase
 *       {@code base * decay_rate^floor(t / decay_steps)}</td>
 *       <td>decay_steps &gt;= 1, decay_rate in (0, 1], staircase</td></tr>
 *   <tr><td>inverse_time</td><td>{@code base / (1 + decay_rate * t / decay_steps)}; with staircase
 *       {@code base / (1 + decay_rate * floor(t / decay_steps))}</td>
 *       <td>decay_steps &gt;= 1, decay_rate &gt;= 0, staircase</td></tr>
 *   <tr><td>cosine</td><td>{@code min + (base - min) * 0.5 * (1 + cos(pi * min(t, decay_steps) / decay_steps))},
 *       i.e. flat at {@code min} from {@code t = decay_steps} on</td>
 *       <td>decay_steps &gt;= 1, min_learning_rate in [0, base]</td></tr>
 * </table>
 *
 * <p>Warm-up: with {@code warmup_steps = W > 0}, any of them is preceded by a linear ramp:
 * {@code rate(t) = base * (t + 1) / W} for {@code t < W}, then the schedule above evaluated at {@code t - W}
 * (see {@link LinearWarmup}). {@code warmup_steps = 0} means none.
 */
public final class Schedules {
    private static final Map<String, BiFunction<ScheduleSpec, Double, Schedule>> FACTORIES = registry();

    /** Every accepted {@code schedule.type}, in documentation order. */
    public static final List<String> TYPES = List.copyOf(FACTORIES.keySet());

    private Schedules() {
    }

    private static Map<String, BiFunction<ScheduleSpec, Double, Schedule>> registry() {
        Map<String, BiFunction<ScheduleSpec, Double, Schedule>> m = new LinkedHashMap<>();
        m.put("constant", (s, base) -> new ConstantSchedule(base));
        m.put("step", (s, base) -> new StepDecay(base, s.decaySteps(), s.decayRate()));
        m.put("exponential", (s, base) -> new ExponentialDecay(base, s.decaySteps(), s.decayRate(), s.staircase()));
        m.put("inverse_time", (s, base) -> new InverseTimeDecay(base, s.decaySteps(), s.decayRate(), s.staircase()));
        m.put("cosine", (s, base) -> new CosineDecay(base, s.decaySteps(), s.minLearningRate()));
        return Collections.unmodifiableMap(m);
    }

    /**
     * @throws IllegalArgumentException for an unknown type (the message lists the allowed ones) or a field out
     *                                  of range (the message names its config key)
     */
    public static Schedule create(ScheduleSpec spec, double baseRate) {
        Objects.requireNonNull(spec, "schedule spec");
        BiFunction<ScheduleSpec, Double, Schedule> factory = spec.type() == null ? null : FACTORIES.get(spec.type());
        if (factory == null) {
            throw new IllegalArgumentException("schedule.type: unknown value '" + spec.type() + "'; allowed: "
                    + String.join(", ", TYPES));
        }
        if (spec.warmupSteps() < 0) {
            throw new IllegalArgumentException(ScheduleChecks.WARMUP_STEPS + " must be >= 0 (0 = no warm-up), got "
                    + spec.warmupSteps());
        }
        Schedule schedule = factory.apply(spec, baseRate);
        return spec.warmupSteps() == 0 ? schedule : new LinearWarmup(baseRate, spec.warmupSteps(), schedule);
    }
}

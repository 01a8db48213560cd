package io.streamgrad.learner.schedule;

import java.util.List;
import java.util.Objects;

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
 *       <td>decay_steps &gt;= 1, decay_rate &gt;= 0 (finite), staircase</td></tr>
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
    /** Every accepted {@code schedule.type}, in documentation order. */
    public static final List<String> TYPES = ScheduleKind.names();

    private Schedules() {}

    /**
     * @throws IllegalArgumentException for a missing type or a field out of range (the message names its config
     *                                  key)
     */
    public static Schedule create(ScheduleSpec spec, double baseRate) {
        Objects.requireNonNull(spec, "schedule spec");
        if (spec.type() == null) {
            throw new IllegalArgumentException(
                    "schedule.type: unknown value 'null'; allowed: " + String.join(", ", TYPES));
        }
        if (!ScheduleOptions.WARMUP_STEPS.range().contains(spec.warmupSteps())) {
            throw new IllegalArgumentException(
                    ScheduleChecks.WARMUP_STEPS + " must be >= 0 (0 = no warm-up), got " + spec.warmupSteps());
        }
        Schedule schedule = spec.type().create(spec, baseRate);
        return spec.warmupSteps() == 0 ? schedule : new LinearWarmup(baseRate, spec.warmupSteps(), schedule);
    }
}

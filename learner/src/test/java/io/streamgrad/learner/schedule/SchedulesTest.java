package io.streamgrad.learner.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each schedule against literal values worked out by hand (or with a calculator) from its formula. */
class SchedulesTest {
    private static final double TOL = 1e-15;

    private static Schedule create(
            String type, long decaySteps, double decayRate, boolean staircase, double min, long warmup, double base) {
        return Schedules.create(
                new ScheduleSpec(ScheduleKind.of(type), decaySteps, decayRate, staircase, min, warmup), base);
    }

    @Test
    void constant_isTheBaseRateAtEveryStep() {
        Schedule s = create("constant", 0, 0, false, 0, 0, 0.1);
        for (long t : new long[] {0, 1, 99, 1_000_000_000_000L}) {
            assertThat(s.rate(t)).isEqualTo(0.1);
        }
    }

    @Test
    void step_dropsByDecayRateEveryDecaySteps() {
        Schedule s = create("step", 10, 0.5, false, 0, 0, 0.1);
        assertThat(s.rate(0)).isEqualTo(0.1);
        assertThat(s.rate(9)).isEqualTo(0.1);
        assertThat(s.rate(10)).isEqualTo(0.05);
        assertThat(s.rate(19)).isEqualTo(0.05);
        assertThat(s.rate(25)).isEqualTo(0.025);
        assertThat(s.rate(30)).isEqualTo(0.0125);
    }

    @Test
    void exponential_continuous() {
        Schedule s = create("exponential", 10, 0.5, false, 0, 0, 0.1);
        assertThat(s.rate(0)).isEqualTo(0.1);
        assertThat(s.rate(5)).isCloseTo(0.07071067811865475, within(TOL)); // 0.1 * sqrt(0.5)
        assertThat(s.rate(10)).isCloseTo(0.05, within(TOL));
        assertThat(s.rate(15)).isCloseTo(0.035355339059327376, within(TOL)); // 0.1 * 0.5^1.5
        assertThat(s.rate(40)).isCloseTo(0.00625, within(TOL));
    }

    @Test
    void exponential_staircase_floorsTheExponent() {
        Schedule s = create("exponential", 10, 0.5, true, 0, 0, 0.1);
        assertThat(s.rate(5)).isEqualTo(0.1);
        assertThat(s.rate(9)).isEqualTo(0.1);
        assertThat(s.rate(15)).isEqualTo(0.05);
        assertThat(s.rate(29)).isEqualTo(0.025);
    }

    @Test
    void inverseTime_continuous() {
        Schedule s = create("inverse_time", 10, 0.5, false, 0, 0, 0.1);
        assertThat(s.rate(0)).isEqualTo(0.1);
        assertThat(s.rate(5)).isCloseTo(0.08, within(TOL)); // 0.1 / 1.25
        assertThat(s.rate(10)).isCloseTo(0.06666666666666667, within(TOL)); // 0.1 / 1.5
        assertThat(s.rate(20)).isCloseTo(0.05, within(TOL));
        assertThat(s.rate(180)).isCloseTo(0.01, within(TOL)); // 0.1 / 10
    }

    @Test
    void inverseTime_staircase_floorsTheTime() {
        Schedule s = create("inverse_time", 10, 0.5, true, 0, 0, 0.1);
        assertThat(s.rate(5)).isEqualTo(0.1);
        assertThat(s.rate(15)).isCloseTo(0.06666666666666667, within(TOL));
        assertThat(s.rate(29)).isCloseTo(0.05, within(TOL));
    }

    @Test
    void cosine_followsHalfACosineFromBaseToMin() {
        Schedule s = create("cosine", 100, 0, false, 0.01, 0, 0.1);
        assertThat(s.rate(0)).isCloseTo(0.1, within(TOL));
        assertThat(s.rate(25)).isCloseTo(0.08681980515339464, within(TOL)); // 0.01 + 0.045 (1 + cos(pi/4))
        assertThat(s.rate(50)).isCloseTo(0.055, within(TOL));
        assertThat(s.rate(75)).isCloseTo(0.023180194846605363, within(TOL)); // 0.01 + 0.045 (1 - cos(pi/4))
        assertThat(s.rate(100)).isEqualTo(0.01);
    }

    @Test
    void cosine_isFlatAtMinAfterDecaySteps() {
        Schedule s = create("cosine", 100, 0, false, 0.01, 0, 0.1);
        for (long t = 100; t < 1100; t++) {
            assertThat(s.rate(t)).as("t=%d", t).isEqualTo(0.01);
        }
        assertThat(s.rate(Long.MAX_VALUE)).isEqualTo(0.01);
        assertThat(s.rate(99)).isGreaterThan(0.01);
    }

    @Test
    void cosine_decreasesMonotonically() {
        Schedule s = create("cosine", 1000, 0, false, 0, 0, 1.0);
        double prev = Double.POSITIVE_INFINITY;
        for (long t = 0; t <= 1000; t++) {
            assertThat(s.rate(t)).isLessThanOrEqualTo(prev);
            prev = s.rate(t);
        }
        assertThat(prev).isZero();
    }

    @Test
    void warmup_rampsLinearlyThenHandsOver() {
        Schedule s = create("constant", 0, 0, false, 0, 4, 0.1);
        assertThat(s.rate(0)).isCloseTo(0.025, within(TOL));
        assertThat(s.rate(1)).isCloseTo(0.05, within(TOL));
        assertThat(s.rate(2)).isCloseTo(0.075, within(TOL));
        assertThat(s.rate(3)).isCloseTo(0.1, within(TOL));
        assertThat(s.rate(4)).isEqualTo(0.1);

        Schedule stepped = create("step", 10, 0.5, false, 0, 4, 0.1);
        assertThat(stepped.rate(13)).isEqualTo(0.1); // wrapped step 9
        assertThat(stepped.rate(14)).isEqualTo(0.05); // wrapped step 10
    }

    @ParameterizedTest
    @ValueSource(strings = {"constant", "step", "exponential", "inverse_time", "cosine"})
    void warmup_joinsTheScheduleContinuously(String type) {
        long warmup = 50;
        Schedule s = create(type, 20, 0.5, false, 0.01, warmup, 0.2);
        Schedule plain = create(type, 20, 0.5, false, 0.01, 0, 0.2);
        assertThat(s.rate(warmup - 1)).isCloseTo(0.2, within(TOL));
        assertThat(s.rate(warmup)).isCloseTo(0.2, within(TOL));
        for (long t = 1; t < warmup; t++) {
            assertThat(s.rate(t) - s.rate(t - 1)).as("ramp increment at %d", t).isCloseTo(0.2 / warmup, within(1e-15));
        }
        for (long t = warmup; t < warmup + 100; t++) {
            assertThat(s.rate(t)).as("t=%d", t).isEqualTo(plain.rate(t - warmup));
        }
    }

    @Test
    void unknownType_listsTheAllowedOnes() {
        assertThatThrownBy(() -> create("linear", 10, 0.5, false, 0, 0, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule.type: unknown value 'linear'; allowed: constant, step, exponential, "
                        + "inverse_time, cosine");
        assertThat(Schedules.TYPES).containsExactly("constant", "step", "exponential", "inverse_time", "cosine");
    }

    @ParameterizedTest
    @ValueSource(strings = {"step", "exponential", "inverse_time", "cosine"})
    void decaySteps_belowOne_isRejected(String type) {
        assertThatThrownBy(() -> create(type, 0, 0.5, false, 0, 0, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule.decay_steps must be >= 1 for schedule.type " + type + ", got 0");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.5, 1.5, Double.NaN})
    void step_decayRateOutsideZeroOne_isRejected(double rate) {
        assertThatThrownBy(() -> create("step", 10, rate, false, 0, 0, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("schedule.decay_rate must be in (0, 1]");
        assertThatThrownBy(() -> create("exponential", 10, rate, false, 0, 0, 0.1))
                .hasMessageStartingWith("schedule.decay_rate must be in (0, 1]");
    }

    @Test
    void inverseTime_negativeDecayRate_isRejected() {
        assertThatThrownBy(() -> create("inverse_time", 10, -1, false, 0, 0, 0.1))
                .hasMessage(
                        "schedule.decay_rate must be a finite number >= 0 for schedule.type inverse_time, got -1.0");
    }

    @Test
    void cosine_minOutsideZeroBase_isRejected() {
        assertThatThrownBy(() -> create("cosine", 10, 0, false, 0.2, 0, 0.1))
                .hasMessage("schedule.min_learning_rate must be in [0, optimizer.learning_rate = 0.1] for "
                        + "schedule.type cosine, got 0.2");
        assertThatThrownBy(() -> create("cosine", 10, 0, false, -0.01, 0, 0.1))
                .hasMessageStartingWith("schedule.min_learning_rate");
    }

    @Test
    void negativeWarmup_isRejected() {
        assertThatThrownBy(() -> create("constant", 0, 0, false, 0, -1, 0.1))
                .hasMessage("schedule.warmup_steps must be >= 0 (0 = no warm-up), got -1");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.1, Double.NaN, Double.POSITIVE_INFINITY})
    void invalidBaseRate_isRejectedNamingTheOptimizerKey(double base) {
        assertThatThrownBy(() -> create("constant", 0, 0, false, 0, 0, base))
                .hasMessageStartingWith("optimizer.learning_rate must be a finite number > 0");
    }

    @Test
    void negativeStep_isRejected() {
        Schedule s = create("exponential", 10, 0.5, false, 0, 3, 0.1);
        assertThatThrownBy(() -> s.rate(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}

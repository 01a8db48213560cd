package io.streamgrad.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Prometheus lifecycle in event time: pending, firing, keep_firing_for, resolved; one event per transition. */
class AlertRuleTest {
    static final AlertKey KEY = new AlertKey("ops", "cpu{host=a}", "anomaly");

    static Optional<AlertEvent> eval(AlertRule rule, AlertRule.State s, long t, boolean active) {
        return rule.evaluate(s, KEY, t, active, 0.999, 10, 1);
    }

    @Test
    void conditionHeldForTheForDuration_firesOnce_thenResolvesOnce() {
        AlertRule rule = new AlertRule("anomaly", 120, 0);
        AlertRule.State s = rule.newState();
        assertThat(eval(rule, s, 0, true)).isEmpty();
        assertThat(s.status()).isEqualTo(AlertRule.Status.PENDING);
        assertThat(eval(rule, s, 60, true)).isEmpty();
        Optional<AlertEvent> fired = eval(rule, s, 120, true);
        assertThat(fired).hasValueSatisfying(e -> {
            assertThat(e.status()).isEqualTo(AlertEvent.Status.FIRING);
            assertThat(e.activeAt()).isZero();
            assertThat(e.at()).isEqualTo(120);
            assertThat(e.key()).isEqualTo(KEY);
        });
        assertThat(eval(rule, s, 180, true)).as("no duplicate while firing").isEmpty();
        Optional<AlertEvent> resolved = eval(rule, s, 240, false);
        assertThat(resolved).hasValueSatisfying(e -> {
            assertThat(e.status()).isEqualTo(AlertEvent.Status.RESOLVED);
            assertThat(e.activeAt()).isZero();
            assertThat(e.at()).isEqualTo(240);
        });
        assertThat(s.status()).isEqualTo(AlertRule.Status.INACTIVE);
        assertThat(eval(rule, s, 300, false)).isEmpty();
    }

    @Test
    void pendingConditionThatDropsOut_neverFires_andTheNextEpisodeStartsItsOwnClock() {
        AlertRule rule = new AlertRule("anomaly", 120, 0);
        AlertRule.State s = rule.newState();
        eval(rule, s, 0, true);
        eval(rule, s, 60, true);
        assertThat(eval(rule, s, 120, false)).isEmpty();
        assertThat(s.status()).isEqualTo(AlertRule.Status.INACTIVE);
        assertThat(eval(rule, s, 180, true)).isEmpty();
        assertThat(eval(rule, s, 240, true)).isEmpty();
        assertThat(eval(rule, s, 300, true))
                .hasValueSatisfying(e -> assertThat(e.activeAt()).isEqualTo(180));
    }

    @Test
    void forZero_firesOnTheFirstPoint() {
        AlertRule rule = new AlertRule("anomaly", 0, 0);
        AlertRule.State s = rule.newState();
        assertThat(eval(rule, s, 5, true)).isPresent();
        assertThat(s.status()).isEqualTo(AlertRule.Status.FIRING);
    }

    @Test
    void keepFiringFor_bridgesAFlappingCondition_andResolvesOnlyAfterItElapsed() {
        AlertRule rule = new AlertRule("anomaly", 0, 300);
        AlertRule.State s = rule.newState();
        assertThat(eval(rule, s, 0, true)).isPresent();
        // flaps: off, on, off, on within 300 s: no events at all
        assertThat(eval(rule, s, 60, false)).isEmpty();
        assertThat(eval(rule, s, 120, true)).isEmpty();
        assertThat(eval(rule, s, 180, false)).isEmpty();
        assertThat(eval(rule, s, 240, false)).isEmpty();
        assertThat(eval(rule, s, 420, false))
                .as("300 s since 180 not yet elapsed at 420")
                .isEmpty();
        assertThat(s.status()).isEqualTo(AlertRule.Status.FIRING);
        assertThat(eval(rule, s, 480, false)).hasValueSatisfying(e -> {
            assertThat(e.status()).isEqualTo(AlertEvent.Status.RESOLVED);
            assertThat(e.activeAt()).isZero();
        });
    }

    @Test
    void state_roundTripsWithItsVersion_andRefusesAnUnknownOne() throws IOException {
        AlertRule rule = new AlertRule("anomaly", 60, 0);
        AlertRule.State s = rule.newState();
        eval(rule, s, 7, true);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        s.write(new DataOutputStream(b));
        byte[] bytes = b.toByteArray();
        AlertRule.State back = AlertRule.State.read(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertThat(back.status()).isEqualTo(AlertRule.Status.PENDING);
        assertThat(back.activeAt()).isEqualTo(7);
        bytes[0] = 9;
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> AlertRule.State.read(new DataInputStream(new ByteArrayInputStream(bytes))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 9");
    }

    @Test
    void fingerprint_separatesKeysThatWouldCollideWhenJoined() {
        assertThat(new AlertKey("a/b", "c", "r").fingerprint())
                .isNotEqualTo(new AlertKey("a", "b/c", "r").fingerprint());
    }
}

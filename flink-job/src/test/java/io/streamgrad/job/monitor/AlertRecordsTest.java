package io.streamgrad.job.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import io.streamgrad.monitor.alert.AlertEvent;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.alert.AlertRule;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertRecordsTest {
    static final AlertKey KEY = new AlertKey("ops", "disk/sda", "anomaly");

    /** pending 60 s, keep firing 120 s: points every 30 s, condition on from t=30 to t=150, off afterwards. */
    static List<AlertEvent> episode() {
        AlertRule rule = new AlertRule("anomaly", 60, 120);
        AlertRule.State s = rule.newState();
        List<AlertEvent> events = new ArrayList<>();
        for (long t = 0; t <= 600; t += 30) {
            boolean on = t >= 30 && t <= 150;
            rule.evaluate(s, KEY, 1_700_000_000L + t, on, on ? 0.99 : 0.1, (double) t, 5.0)
                    .ifPresent(events::add);
        }
        return events;
    }

    @Test
    void aRulesFiringAndResolvedTransitions_becomeRecordsWithEpochMillisTimesAndOneFingerprint() throws Exception {
        List<AlertEvent> events = episode();
        assertThat(events).hasSize(2);
        Alert firing = AlertRecords.of(events.get(0), Map.of("team", "sre"), Map.of("runbook", "r"));
        Alert resolved = AlertRecords.of(events.get(1));

        assertThat(firing.getStatus()).isEqualTo(AlertStatus.firing);
        // active at t=30, firing at t=90 (held 60 s): startsAt is when the condition first held
        assertThat(firing.getStartsAt()).isEqualTo(Instant.ofEpochSecond(1_700_000_030L));
        assertThat(firing.getEndsAt()).isEqualTo(Instant.EPOCH);
        assertThat(firing.getValue()).isEqualTo(0.99);
        assertThat(firing.getActual()).isEqualTo(90.0);
        assertThat(firing.getForecast()).isEqualTo(5.0);
        assertThat(firing.getLabels()).containsExactly(Map.entry("team", "sre"));
        assertThat(firing.getAnnotations()).containsExactly(Map.entry("runbook", "r"));
        assertThat(firing.getSchemaVersion()).isEqualTo(AlertRecords.SCHEMA_VERSION);

        assertThat(resolved.getStatus()).isEqualTo(AlertStatus.resolved);
        assertThat(resolved.getStartsAt()).isEqualTo(firing.getStartsAt());
        // off from t=180, kept firing 120 s: resolved at t=300
        assertThat(resolved.getEndsAt()).isEqualTo(Instant.ofEpochSecond(1_700_000_300L));

        assertThat(firing.getFingerprint()).isEqualTo("ops/disk\\/sda/anomaly").isEqualTo(resolved.getFingerprint());
        assertThat(new String(AlertRecords.key(resolved), StandardCharsets.UTF_8))
                .isEqualTo(KEY.fingerprint());
        SingleObjectCodec<Alert> codec = SingleObjectCodec.alert();
        assertThat(codec.decode(codec.encode(resolved))).isEqualTo(resolved);
    }
}

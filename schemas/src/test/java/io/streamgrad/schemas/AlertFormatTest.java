package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Alert record (schema_version 1) on the alerts topic is fixed: the committed fixture decodes to the record it
 * describes and equals what this build writes. A change to Alert.avsc must keep this fixture readable (new fields
 * with defaults, the old writer schema in SchemaHistory), not alter it.
 */
class AlertFormatTest {
    static Alert record() {
        return Alert.newBuilder()
                .setSchemaVersion(1)
                .setModel("ops")
                .setSeries("api-latency")
                .setRule("anomaly")
                .setStatus(AlertStatus.resolved)
                .setStartsAt(Instant.parse("2026-12-01T10:00:00Z"))
                .setEndsAt(Instant.parse("2026-12-01T10:15:00Z"))
                .setValue(0.996)
                .setActual(142.5)
                .setForecast(101.25)
                .setFingerprint("ops/api-latency/anomaly")
                .setLabels(Map.of("team", "sre"))
                .setAnnotations(Map.of())
                .build();
    }

    static byte[] fixture() throws IOException {
        try (InputStream in = AlertFormatTest.class.getResourceAsStream("/alerts/alert-v1.hex")) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    @Test
    void version1Fixture_decodesToItsRecord_andEqualsThisBuildsEncoding() throws Exception {
        SingleObjectCodec<Alert> codec = SingleObjectCodec.alert();
        assertThat(codec.decode(fixture())).isEqualTo(record());
        assertThat(codec.encode(record())).isEqualTo(fixture());
    }

    @Test
    void aFiringAlert_leavesEndsAtAtZero_byDefault() throws Exception {
        Alert firing = Alert.newBuilder(record())
                .setStatus(AlertStatus.firing)
                .clearEndsAt()
                .build();
        assertThat(firing.getEndsAt()).isEqualTo(Instant.EPOCH);
        assertThat(SingleObjectCodec.alert().decode(SingleObjectCodec.alert().encode(firing)))
                .isEqualTo(firing);
    }

    @Test
    void aTruncatedAlert_isRejectedWithTheRecordName() throws Exception {
        byte[] cut = Arrays.copyOf(fixture(), fixture().length - 5);
        assertThatThrownBy(() -> SingleObjectCodec.alert().decode(cut))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("Alert");
    }
}

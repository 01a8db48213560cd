package io.streamgrad.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.monitor.config.OpsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The per-series state's byte form (version 1) is fixed: the committed fixture decodes, equals what this build
 * writes for the same points, and continues exactly as the uninterrupted run. A change to the layout must add a
 * version (and a fixture), not alter this one.
 */
class SeriesStateFormatTest {
    static byte[] fixture() throws IOException {
        try (InputStream in = SeriesStateFormatTest.class.getResourceAsStream("/ops/series-state-v1.hex")) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    @Test
    void version1Fixture_decodes_andEqualsThisBuildsEncoding() throws IOException {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        byte[] now = SeriesMonitor.encode(StateFormatFixture.run(m, m.newState(), 0, 1000));
        assertThat(now).isEqualTo(fixture());
        assertThat(now[0]).isEqualTo((byte) 1);
    }

    @Test
    void version1Fixture_continuesLikeTheUninterruptedRun() throws IOException {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        SeriesMonitor.State restored = SeriesMonitor.decode(fixture());
        SeriesMonitor.State whole = StateFormatFixture.run(m, m.newState(), 0, 1000);
        StateFormatFixture.run(m, restored, 1000, 1500);
        StateFormatFixture.run(m, whole, 1000, 1500);
        assertThat(SeriesMonitor.encode(restored)).isEqualTo(SeriesMonitor.encode(whole));
        assertThat(restored.bytes()).isLessThan(8192);
    }
}

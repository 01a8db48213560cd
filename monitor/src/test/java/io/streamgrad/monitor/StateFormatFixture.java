package io.streamgrad.monitor;

import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.config.OpsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Writes {@code monitor/src/test/resources/ops/series-state-v1.hex}: the encoded state of a fixed series after 1000
 * points, the fixture that {@code SeriesStateFormatTest} reads. Run by hand (from the repository root) only when a
 * new state version is introduced, keeping the older fixtures:
 * {@code java -cp monitor/target/test-classes:monitor/target/classes:... io.streamgrad.monitor.StateFormatFixture}.
 */
final class StateFormatFixture {
    private StateFormatFixture() {}

    static final AlertKey KEY = new AlertKey("ops", "fixture", "anomaly");

    static SeriesMonitor.State run(SeriesMonitor m, SeriesMonitor.State s, int from, int to) {
        for (int i = from; i < to; i++) {
            m.step(s, KEY, 1_600_000_000L + 60L * i, value(i));
        }
        return s;
    }

    /** A deterministic series: a daily cycle, a hash-based wiggle and a spike at 900. */
    static double value(int i) {
        double wiggle = ((i * 2_654_435_761L) >>> 7 & 1023) / 1023.0 - 0.5;
        return 20 + 5 * Math.sin(2 * Math.PI * i / 1440.0) + wiggle + (i == 900 ? 10 : 0);
    }

    public static void main(String[] args) throws Exception {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        byte[] bytes = SeriesMonitor.encode(run(m, m.newState(), 0, 1000));
        Files.writeString(
                Path.of("monitor/src/test/resources/ops/series-state-v1.hex"),
                HexFormat.of().formatHex(bytes) + "\n");
    }
}

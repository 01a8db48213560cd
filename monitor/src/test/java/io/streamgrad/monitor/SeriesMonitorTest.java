package io.streamgrad.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.monitor.alert.AlertEvent;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.config.OpsConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeriesMonitorTest {
    static final AlertKey KEY = new AlertKey("ops", "latency", "anomaly");

    static double[] series(int n, long seed) {
        Random rng = new Random(seed);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 100 + 10 * Math.sin(2 * Math.PI * i / 288.0) + 2 * rng.nextGaussian();
        }
        return y;
    }

    @Test
    void stateRestoredMidStream_continuesBitForBitLikeAnUninterruptedRun() throws IOException {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        double[] y = series(3000, 5);
        y[2000] += 40;
        SeriesMonitor.State whole = m.newState();
        SeriesMonitor.State split = m.newState();
        for (int i = 0; i < y.length; i++) {
            long ts = 1_600_000_000L + 300L * i;
            if (i == 1500) {
                split = SeriesMonitor.decode(SeriesMonitor.encode(split));
            }
            SeriesMonitor.Result a = m.step(whole, KEY, ts, y[i]);
            SeriesMonitor.Result b = m.step(split, KEY, ts, y[i]);
            assertThat(b.forecast()).isEqualTo(a.forecast());
            assertThat(b.score()).isEqualTo(a.score());
            assertThat(b.alert()).isEqualTo(a.alert());
        }
        assertThat(SeriesMonitor.encode(split)).isEqualTo(SeriesMonitor.encode(whole));
        // 5-minute samples: the weekly seasonal lag (2016 steps) dominates, 4 bytes a step
        assertThat(whole.bytes()).isBetween(2016 * 4, 10_000);
    }

    @Test
    void aSpike_firesOnce_andResolves_withDefaults() {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        double[] y = series(3000, 6);
        y[2500] += 40;
        SeriesMonitor.State s = m.newState();
        List<AlertEvent> events = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            SeriesMonitor.Result r = m.step(s, KEY, 1_600_000_000L + 300L * i, y[i]);
            r.event().ifPresent(events::add);
        }
        assertThat(events)
                .filteredOn(e -> e.status() == AlertEvent.Status.FIRING)
                .anySatisfy(e -> assertThat(e.at()).isEqualTo(1_600_000_000L + 300L * 2500));
        assertThat(events.get(events.size() - 1).status()).isEqualTo(AlertEvent.Status.RESOLVED);
        long firings = events.stream()
                .filter(e -> e.status() == AlertEvent.Status.FIRING)
                .count();
        assertThat(firings).as("false alarms in ~10 days of 5-minute noise").isLessThanOrEqualTo(6);
    }

    @Test
    void suppression_belowTheAbsoluteDeviation_keepsTheRuleInactive() {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.parse(Map.of("alert", Map.of("min_abs_deviation", 50.0)), ""));
        double[] y = series(3000, 6);
        y[2500] += 40;
        SeriesMonitor.State s = m.newState();
        for (int i = 0; i < y.length; i++) {
            assertThat(m.step(s, KEY, 1_600_000_000L + 300L * i, y[i]).event()).isEmpty();
        }
    }

    @Test
    void warmup_noAlertBeforeEnoughHistory_evenOnWildValues() {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        SeriesMonitor.State s = m.newState();
        for (int i = 0; i < 48; i++) {
            assertThat(m.step(s, KEY, 1_600_000_000L + 60L * i, i % 3 == 0 ? 1e6 : 0)
                            .event())
                    .isEmpty();
        }
    }

    @Test
    void levelShift_isLearnedAfterMaxSkipped_andTheAlertResolves() {
        SeriesMonitor m = new SeriesMonitor(OpsConfig.defaults());
        double[] y = series(3000, 8);
        for (int i = 2000; i < y.length; i++) {
            y[i] += 30;
        }
        SeriesMonitor.State s = m.newState();
        List<AlertEvent> events = new ArrayList<>();
        double lastForecast = 0;
        for (int i = 0; i < y.length; i++) {
            SeriesMonitor.Result r = m.step(s, KEY, 1_600_000_000L + 300L * i, y[i]);
            r.event().ifPresent(events::add);
            lastForecast = r.forecast();
        }
        assertThat(events).anySatisfy(e -> assertThat(e.at()).isEqualTo(1_600_000_000L + 300L * 2000));
        assertThat(lastForecast).isBetween(y[y.length - 1] - 15, y[y.length - 1] + 15);
        assertThat(s.alert().status().text()).isEqualTo("inactive");
    }

    @Test
    void decode_refusesAnUnknownVersion() {
        byte[] bytes = SeriesMonitor.encode(new SeriesMonitor(OpsConfig.defaults()).newState());
        bytes[0] = 2;
        assertThatThrownBy(() -> SeriesMonitor.decode(bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
    }
}

package io.streamgrad.monitor.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.monitor.config.OpsConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The forecaster with the defaults of {@code ops.yaml}: calibration, learning, irregular time. */
class SeriesForecasterTest {
    static final long T0 = 1_700_000_000L - Math.floorMod(1_700_000_000L, 86_400L); // a UTC midnight

    static double daily(long ts) {
        return 50 + 20 * Math.sin(2 * Math.PI * Math.floorMod(ts, 86_400L) / 86_400.0);
    }

    @Test
    void intervals_coverNearTheTargetOnStationarySeasonalNoise() {
        SeriesForecaster f = new SeriesForecaster(OpsConfig.defaults().forecast());
        ForecasterState s = f.newState();
        Random rng = new Random(1);
        int inside = 0;
        int scored = 0;
        for (int i = 0; i < 6000; i++) {
            long ts = T0 + 300L * i; // 5-minute samples, 20 days
            double y = daily(ts) + 3 * rng.nextGaussian();
            SeriesForecaster.Point p = f.step(s, ts, y, 1.0, 0);
            if (i >= 1000) {
                scored++;
                inside += y >= p.lower() && y <= p.upper() ? 1 : 0;
            }
        }
        double coverage = (double) inside / scored;
        assertThat(coverage).isBetween(0.93, 0.97);
    }

    @Test
    void linearModel_learnsTheSeasonBeyondPersistence() {
        SeriesForecaster f = new SeriesForecaster(OpsConfig.defaults().forecast());
        ForecasterState s = f.newState();
        Random rng = new Random(2);
        double errModel = 0;
        double errPersistence = 0;
        double prev = Double.NaN;
        for (int i = 0; i < 8000; i++) {
            long ts = T0 + 300L * i;
            double y = daily(ts) + 3 * rng.nextGaussian();
            SeriesForecaster.Point p = f.step(s, ts, y, 1.0, 0);
            if (i >= 4000) {
                errModel += Math.abs(y - p.forecast());
                errPersistence += Math.abs(y - prev);
            }
            prev = y;
        }
        // persistence pays the noise twice (~3.4 MAE); a model that averages lags and uses the season pays less
        assertThat(errModel).isLessThan(0.85 * errPersistence);
    }

    @Test
    void spike_scoresNearOne_andOrdinaryPointsDoNot() {
        SeriesForecaster f = new SeriesForecaster(OpsConfig.defaults().forecast());
        ForecasterState s = f.newState();
        Random rng = new Random(3);
        double maxOrdinary = 0;
        for (int i = 0; i < 2000; i++) {
            long ts = T0 + 60L * i;
            SeriesForecaster.Point p = f.step(s, ts, 10 + rng.nextGaussian(), 0.995, 3);
            if (i > 100) {
                maxOrdinary = Math.max(maxOrdinary, p.score());
            }
        }
        SeriesForecaster.Point spike = f.step(s, T0 + 60L * 2000, 25, 0.995, 3);
        assertThat(spike.score()).isGreaterThan(0.999);
        assertThat(spike.learned()).as("an anomalous point is not learned from").isFalse();
        assertThat(maxOrdinary).isLessThan(spike.score());
        SeriesForecaster.Point after = f.step(s, T0 + 60L * 2001, 10, 0.995, 3);
        assertThat(after.forecast())
                .as("the spike did not drag the next forecast")
                .isBetween(8.5, 11.5);
    }

    @Test
    void warmup_scoresZeroForTheFirstPoints() {
        SeriesForecaster f = new SeriesForecaster(OpsConfig.defaults().forecast());
        ForecasterState s = f.newState();
        for (int i = 0; i < 48; i++) {
            SeriesForecaster.Point p = f.step(s, T0 + 60L * i, i % 2 == 0 ? 0 : 1000, 0.995, 3);
            assertThat(p.score()).isZero();
            assertThat(p.warmedUp()).isFalse();
        }
        assertThat(f.step(s, T0 + 60L * 48, 0, 0.995, 3).warmedUp()).isTrue();
    }

    @Test
    void missingSamples_areFilledUpToMaxGap_andALongerGapRestartsTheWarmup() {
        SeriesForecaster f = new SeriesForecaster(OpsConfig.defaults().forecast());
        ForecasterState s = f.newState();
        long ts = T0;
        for (int i = 0; i < 100; i++) {
            f.step(s, ts, 5, 1.0, 0);
            ts += 60;
        }
        assertThat(s.intervalSeconds()).isEqualTo(60);
        SeriesForecaster.Point filled = f.step(s, ts + 60 * 4, 5, 1.0, 0);
        assertThat(filled.timing()).isEqualTo(SeriesForecaster.Timing.AFTER_FILLED_GAP);
        assertThat(s.points()).isEqualTo(101);
        SeriesForecaster.Point restarted = f.step(s, ts + 60 * 4 + 60 * 13, 5, 1.0, 0);
        assertThat(restarted.timing()).isEqualTo(SeriesForecaster.Timing.AFTER_RESTART);
        assertThat(restarted.warmedUp()).isFalse();
        assertThat(s.points()).isEqualTo(1);
    }

    @Test
    void latePoint_isScoredButMovesNothing() throws Exception {
        SeriesForecaster f = new SeriesForecaster(OpsConfig.defaults().forecast());
        ForecasterState s = f.newState();
        for (int i = 0; i < 100; i++) {
            f.step(s, T0 + 60L * i, i % 7, 1.0, 0);
        }
        java.io.ByteArrayOutputStream before = new java.io.ByteArrayOutputStream();
        s.write(new java.io.DataOutputStream(before));
        SeriesForecaster.Point late = f.step(s, T0 + 60L * 50, 3, 1.0, 0);
        assertThat(late.timing()).isEqualTo(SeriesForecaster.Timing.LATE);
        assertThat(late.learned()).isFalse();
        java.io.ByteArrayOutputStream after = new java.io.ByteArrayOutputStream();
        s.write(new java.io.DataOutputStream(after));
        assertThat(after.toByteArray()).isEqualTo(before.toByteArray());
    }
}

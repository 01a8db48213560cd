package io.streamgrad.monitor.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Page-Hinkley and ADWIN2 against the independent Python reference ({@code monitor/src/test/tools/
 * detectors_reference.py}, which keeps ADWIN's raw window and computes every mean and variance exactly), plus
 * hand-checkable cases.
 */
class DetectorsReferenceTest {
    record Row(double x, boolean phAlarm, double phStat, boolean adwinAlarm, long adwinWidth, double adwinMean) {}

    static List<Row> fixture() throws IOException {
        List<Row> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                DetectorsReferenceTest.class.getResourceAsStream("/ops/detectors-fixture.csv"),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.startsWith("i,")) {
                    continue;
                }
                String[] f = line.split(",");
                rows.add(new Row(
                        Double.parseDouble(f[1]),
                        f[2].equals("1"),
                        Double.parseDouble(f[3]),
                        f[4].equals("1"),
                        Long.parseLong(f[5]),
                        Double.parseDouble(f[6])));
            }
        }
        return rows;
    }

    @Test
    void pageHinkley_matchesTheReferenceAlarmsAndStatistic() throws IOException {
        PageHinkley ph = new PageHinkley(0.005, 25.0, 30, PageHinkley.Direction.BOTH);
        PageHinkley.State s = ph.newState();
        List<Row> rows = fixture();
        int alarms = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            boolean alarm = ph.update(s, row.x());
            assertThat(alarm).as("alarm at %d", i).isEqualTo(row.phAlarm());
            if (!alarm) {
                assertThat(s.statisticUp()).as("statistic at %d", i).isCloseTo(row.phStat(), within(1e-9));
            }
            alarms += alarm ? 1 : 0;
        }
        assertThat(alarms).isGreaterThan(5);
    }

    @Test
    void adwin_matchesTheReferenceWindowAtEveryPoint() throws IOException {
        Adwin adwin = Adwin.defaults();
        Adwin.State s = adwin.newState();
        List<Row> rows = fixture();
        int alarms = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            boolean alarm = adwin.update(s, row.x());
            assertThat(alarm).as("alarm at %d", i).isEqualTo(row.adwinAlarm());
            assertThat(s.width()).as("width at %d", i).isEqualTo(row.adwinWidth());
            assertThat(s.mean()).as("mean at %d", i).isCloseTo(row.adwinMean(), within(1e-9));
            alarms += alarm ? 1 : 0;
        }
        assertThat(alarms).isGreaterThan(5);
    }

    @Test
    void pageHinkley_stepOfTwoSigmas_detectedWithinTheDocumentedDelay() {
        // A step from 0 to 2 in unit noise: the up-statistic grows by about 2 - delta per point after the step
        // (the running mean moves slowly) from wherever it stood (0 to lambda), so lambda = 50 is crossed within
        // about lambda / 2 = 25 points, a few more with noise.
        PageHinkley ph = new PageHinkley(0.005, 50, 30, PageHinkley.Direction.UP);
        PageHinkley.State s = ph.newState();
        Random rng = new Random(7);
        for (int i = 0; i < 1000; i++) {
            assertThat(ph.update(s, rng.nextGaussian()))
                    .as("false alarm at %d", i)
                    .isFalse();
        }
        int delay = -1;
        for (int i = 0; i < 200; i++) {
            if (ph.update(s, 2 + rng.nextGaussian())) {
                delay = i + 1;
                break;
            }
        }
        assertThat(delay).isBetween(1, 35);
    }

    @Test
    void adwin_stationaryNoise_raisesNoAlarmIn10000Points_andKeepsTheWholeWindow() {
        Adwin adwin = Adwin.defaults();
        Adwin.State s = adwin.newState();
        Random rng = new Random(11);
        int alarms = 0;
        for (int i = 0; i < 10_000; i++) {
            alarms += adwin.update(s, rng.nextGaussian()) ? 1 : 0;
        }
        // delta = 0.002 bounds the false-positive rate of each test; over 312 checks none is expected.
        assertThat(alarms).isZero();
        assertThat(s.width()).isEqualTo(10_000);
        assertThat(s.buckets()).isLessThanOrEqualTo(5 * 14);
    }

    @Test
    void adwin_stepOfOneSigma_shrinksTheWindowToTheNewRegimeWithinTwoChecks() {
        Adwin adwin = Adwin.defaults();
        Adwin.State s = adwin.newState();
        Random rng = new Random(3);
        for (int i = 0; i < 1024; i++) {
            adwin.update(s, rng.nextGaussian());
        }
        int detectedAt = -1;
        for (int i = 0; i < 256 && detectedAt < 0; i++) {
            if (adwin.update(s, 1 + rng.nextGaussian())) {
                detectedAt = i + 1;
            }
        }
        assertThat(detectedAt).isBetween(1, 64);
        assertThat(s.width()).isLessThan(1024);
    }

    @Test
    void states_roundTrip_andContinueBitForBit() throws IOException {
        Adwin adwin = Adwin.defaults();
        PageHinkley ph = new PageHinkley(0.005, 25, 30, PageHinkley.Direction.BOTH);
        Adwin.State a = adwin.newState();
        PageHinkley.State p = ph.newState();
        List<Row> rows = fixture();
        for (int i = 0; i < 1000; i++) {
            adwin.update(a, rows.get(i).x());
            ph.update(p, rows.get(i).x());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        a.write(out);
        p.write(out);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        Adwin.State a2 = Adwin.State.read(in);
        PageHinkley.State p2 = PageHinkley.State.read(in);
        for (int i = 1000; i < rows.size(); i++) {
            assertThat(adwin.update(a2, rows.get(i).x()))
                    .isEqualTo(adwin.update(a, rows.get(i).x()));
            assertThat(ph.update(p2, rows.get(i).x()))
                    .isEqualTo(ph.update(p, rows.get(i).x()));
            assertThat(a2.mean()).isEqualTo(a.mean());
            assertThat(p2.statisticUp()).isEqualTo(p.statisticUp());
        }
    }
}

package io.streamgrad.monitor.offline;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.monitor.config.OpsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The evaluation on the labelled series shipped in {@code data/ops/cloud-monitoring} (Microsoft's Cloud
 * Monitoring Dataset, MIT), with the defaults: no tuning to this data.
 */
class EvaluationOnCloudMonitoringTest {
    static List<SeriesCsv.Series> shipped() throws IOException {
        Path dir = Path.of("..", "data", "ops", "cloud-monitoring");
        List<SeriesCsv.Series> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".csv")).sorted().toList()) {
                out.add(SeriesCsv.read(p, null, null, "Label"));
            }
        }
        return out;
    }

    @Test
    void monitor_onShippedLabelledSeries_beatsBothBaselinesOnEventF1_andSeasonalNaiveOnForecastError()
            throws IOException {
        List<SeriesCsv.Series> series = shipped();
        assertThat(series).hasSize(8).allSatisfy(s -> assertThat(s.problems()).isEmpty());
        Evaluation.Report report = Evaluation.run(OpsConfig.defaults(), series, 3, 48);
        System.out.println(report.format());
        Evaluation.Detection mon = report.detectors().get(Evaluation.MONITOR);
        Evaluation.Detection z = report.detectors().get(Evaluation.ZSCORE);
        Evaluation.Detection g = report.detectors().get(Evaluation.GAUSSIAN);
        assertThat(mon.events).isEqualTo(z.events).isEqualTo(g.events).isPositive();
        // Event F1 counts both misses and false-alarm episodes (what an on-call person pays for); measured at the
        // commit that added this test: monitor 0.527, rolling z-score 0.525, windowed Gaussian 0.476 (a near tie
        // with the z-score on detection; README says so).
        assertThat(mon.f1()).isGreaterThanOrEqualTo(z.f1()).isGreaterThanOrEqualTo(g.f1());
        assertThat(mon.detectionRate()).isGreaterThanOrEqualTo(0.8);
        assertThat(mon.falseAlarmsPerDay()).isLessThan(0.2);
        // Forecasts: measured MAE 9.17 (monitor, linear) vs 17.26 (seasonal naive) vs 19.84 (Holt-Winters).
        double monitorMae = report.forecasts().get("monitor (linear)").mae();
        assertThat(monitorMae)
                .isLessThan(0.7 * report.forecasts().get("seasonal naive").mae());
        assertThat(monitorMae).isLessThan(report.forecasts().get("holt_winters").mae());
        assertThat(report.forecasts().get("monitor (linear)").smape())
                .isLessThan(report.forecasts().get("seasonal naive").smape());
    }
}

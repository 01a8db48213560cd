package io.streamgrad.bench.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamgrad bench-series} on a small input runs the whole path (broker, ops job, exactly-once scores, the
 * offline check) and prints its figures; a smoke test that keeps the command working, not a measurement.
 */
class SeriesBenchCommandIT {
    @TempDir
    Path dir;

    @Test
    void smallRun_scoresEveryPointOnceAsOffline_andPrintsThroughputLatencyAndStateBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = SeriesBenchCommand.execute(
                List.of("--series", "200", "--points-per-series", "3", "--dir", dir.toString()),
                new PrintStream(out, true),
                new PrintStream(err, true));

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status)
                .as("exit status; stderr:%n%s", err.toString(StandardCharsets.UTF_8))
                .isZero();
        assertThat(text)
                .contains(
                        "every series scored: 200 series x 5 points = 1,000 scores committed, each once; 1,000 equal"
                                + " SeriesMonitor offline bit for bit, 0 differ",
                        "throughput (600 points, 200 series): end to end ",
                        "point-to-score latency at ",
                        "state bytes per series (SeriesMonitor.encode after 5 points): mean ",
                        "load average: ");
    }

    @Test
    void tooManyPoints_isABadCommandLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = SeriesBenchCommand.execute(
                List.of("--series", "2000000", "--points-per-series", "100"),
                new PrintStream(new ByteArrayOutputStream(), true),
                new PrintStream(err, true));

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("is over 20,000,000 points");
    }
}

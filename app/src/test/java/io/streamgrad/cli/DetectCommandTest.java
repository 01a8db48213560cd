package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code streamgrad detect} and {@code detect-eval} end to end through {@link Main}. */
class DetectCommandTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {}

    static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(args, o, e);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** 600 five-minute points with a spike at row 500; timestamps in the given style. */
    Path series(String name, String style, List<String> badRows) throws IOException {
        Random rng = new Random(4);
        List<String> lines = new ArrayList<>();
        lines.add(style.equals("epoch") ? "ts,latency_ms" : "time,value");
        long t0 = 1_700_000_000L;
        for (int i = 0; i < 600; i++) {
            long ts = t0 + 300L * i;
            String t = switch (style) {
                case "epoch" -> Long.toString(ts);
                case "space" ->
                    java.time.LocalDateTime.ofEpochSecond(ts, 0, java.time.ZoneOffset.UTC)
                            .toString()
                            .replace('T', ' ');
                default -> "\"" + java.time.Instant.ofEpochSecond(ts) + "\"";
            };
            double v = 100 + 10 * Math.sin(2 * Math.PI * i / 288.0) + rng.nextGaussian() + (i == 500 ? 40 : 0);
            lines.add(t + "," + v);
            if (i == 200) {
                lines.addAll(badRows);
            }
        }
        Path p = dir.resolve(name);
        Files.write(p, lines);
        return p;
    }

    @Test
    void detect_writesOneLinePerValidRowInOrder_andFlagsTheSpike() throws IOException {
        Path data = series("s.csv", "iso", List.of());
        Path out = dir.resolve("scores.csv");
        Run run = main("detect", "--data", data.toString(), "--out", out.toString());
        assertThat(run.status()).as(run.err()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines.get(0)).isEqualTo("timestamp,value,forecast,lower,upper,anomaly_score,alert");
        assertThat(lines).hasSize(601);
        List<String> input = Files.readAllLines(data);
        for (int i = 1; i <= 600; i++) {
            String[] f = lines.get(i).split(",");
            assertThat(f).hasSize(7);
            assertThat("\"" + f[0] + "\"").isEqualTo(input.get(i).split(",")[0]);
            assertThat(Double.parseDouble(f[3])).isLessThanOrEqualTo(Double.parseDouble(f[2]));
            assertThat(Double.parseDouble(f[4])).isGreaterThanOrEqualTo(Double.parseDouble(f[2]));
            assertThat(Double.parseDouble(f[5])).isBetween(0.0, 1.0);
        }
        String[] spike = lines.get(501).split(",");
        assertThat(Double.parseDouble(spike[5])).isGreaterThan(0.999);
        assertThat(spike[6]).isEqualTo("firing");
        assertThat(run.out()).contains("600 rows scored", "0 skipped");
    }

    @Test
    void detect_sameScoresWhateverTheTimestampStyle() throws IOException {
        Path iso = series("iso.csv", "iso", List.of());
        Path space = series("space.csv", "space", List.of());
        Path epoch = series("epoch.csv", "epoch", List.of());
        List<List<String>> scores = new ArrayList<>();
        for (Path p : List.of(iso, space, epoch)) {
            Path out = dir.resolve(p.getFileName() + ".out");
            assertThat(main("detect", "--data", p.toString(), "--out", out.toString())
                            .status())
                    .isZero();
            scores.add(Files.readAllLines(out).stream()
                    .skip(1)
                    .map(l -> l.substring(l.indexOf(',') + 1))
                    .toList());
        }
        assertThat(scores.get(1)).isEqualTo(scores.get(0));
        assertThat(scores.get(2)).isEqualTo(scores.get(0));
    }

    @Test
    void detect_badRows_areNamedByFileAndLine_andEveryValidRowIsScored() throws IOException {
        Path data = series("bad.csv", "iso", List.of("\"2023-11-15T00:00:00Z\",abc", "yesterday,5", "1,2,3"));
        Path out = dir.resolve("scores.csv");
        Run run = main("detect", "--data", data.toString(), "--out", out.toString());
        assertThat(run.status()).isZero();
        assertThat(run.err())
                .contains(data + ":203: value 'abc' is not a number")
                .contains(data + ":204: timestamp 'yesterday' is not ISO-8601")
                .contains(data + ":205: 3 fields, the header has 2");
        assertThat(Files.readAllLines(out)).hasSize(601);
        assertThat(run.out()).contains("3 skipped");

        Run strict = main("detect", "--data", data.toString(), "--out", out.toString(), "--strict");
        assertThat(strict.status()).isEqualTo(1);
        assertThat(strict.err()).contains(data + ":203:");
    }

    @Test
    void detect_missingColumnOrBadConfig_failsNamingTheFix() throws IOException {
        Path data = series("s.csv", "epoch", List.of());
        Path out = dir.resolve("o.csv");
        Run noColumn = main("detect", "--data", data.toString(), "--out", out.toString(), "--value-column", "cpu");
        assertThat(noColumn.status()).isEqualTo(1);
        assertThat(noColumn.err()).contains(data + ":1: no column 'cpu'", "columns: ts, latency_ms", "--value-column");
        Path config = dir.resolve("ops.yaml");
        Files.writeString(config, "alert:\n  score_treshold: 0.9\nscore:\n  coverage: 1.5\n");
        Run bad = main("detect", "--data", data.toString(), "--out", out.toString(), "--config", config.toString());
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err())
                .contains("alert.score_treshold: unknown key; did you mean 'alert.score_threshold'?")
                .contains("score.coverage: 1.5 is out of range");
    }

    @Test
    void detect_withAConfig_usesIt() throws IOException {
        Path data = series("s.csv", "iso", List.of());
        Path config = dir.resolve("ops.yaml");
        Files.writeString(config, "alert:\n  min_abs_deviation: 1000\n");
        Path out = dir.resolve("o.csv");
        assertThat(main("detect", "--data", data.toString(), "--out", out.toString(), "--config", config.toString())
                        .status())
                .isZero();
        assertThat(Files.readAllLines(out)).noneMatch(l -> l.endsWith(",firing"));

        Files.writeString(config, "# nothing set yet: the defaults\n");
        assertThat(main("detect", "--data", data.toString(), "--out", out.toString(), "--config", config.toString())
                        .status())
                .isZero();
        assertThat(Files.readAllLines(out)).anyMatch(l -> l.endsWith(",firing"));
    }

    @Test
    void detectEval_printsTheMonitorBesideTheBaselines() throws IOException {
        Run run = main(
                "detect-eval",
                "--data",
                Path.of("..", "data", "ops", "cloud-monitoring", "outbound-01.csv")
                        .toString(),
                "--label-column",
                "Label");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("monitor", "rolling z-score", "windowed Gaussian", "seasonal naive", "false alarms/day");
    }
}

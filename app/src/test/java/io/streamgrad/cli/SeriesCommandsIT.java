package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.EmbeddedKafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Monitoring operational series in the job" as a user runs it, against a real broker: a job with an
 * ops model, its topics created by {@code run --create-topics}, a shipped series produced with {@code
 * produce-series} (one as JSON, one as Avro), the job run (bounded) over them, and {@code scores} writing each
 * series' committed scores as {@code detect}'s CSV: every column but the timestamp's text equals {@code detect}'s
 * output on the same file, line for line.
 */
class SeriesCommandsIT {
    @TempDir
    static Path dir;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    private static final Path DATA = Path.of("..", "data", "ops", "cloud-monitoring");

    @Test
    void produceSeries_run_scores_equalDetectOnTheSameFiles() throws Exception {
        String bs = kafka.bootstrapServers();
        Path job = Files.writeString(dir.resolve("ops-job.yaml"), """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: o.examples, models: o.models, metrics: o.metrics, dead_letters: o.dead,
                         series: o.series, scores: o.scores, alerts: o.alerts}
                group_id: ops-cli
                start: earliest
                bounded: true
                checkpoint_interval_ms: 500
                restart: {attempts: 0}
                output_format: json
                models:
                  latency: {model: {type: forecast}}
                """.formatted(bs));

        MainTest.Result ran = MainTest.run("run", "--config", job.toString(), "--create-topics");
        assertThat(ran.status()).as(ran.err()).isZero();
        for (String[] s : List.of(new String[] {"outbound-01", "json"}, new String[] {"outbound-03", "avro"})) {
            MainTest.Result produced = MainTest.run(
                    "produce-series",
                    "--bootstrap-servers",
                    bs,
                    "--topic",
                    "o.series",
                    "--model",
                    "latency",
                    "--data",
                    DATA.resolve(s[0] + ".csv").toString(),
                    "--format",
                    s[1]);
            assertThat(produced.status()).as(produced.err()).isZero();
            assertThat(produced.out()).contains("720 points of latency/" + s[0]);
        }
        ran = MainTest.run("run", "--config", job.toString());
        assertThat(ran.status()).as(ran.err()).isZero();

        for (String s : List.of("outbound-01", "outbound-03")) {
            Path streamed = dir.resolve(s + "-job.csv");
            MainTest.Result read = MainTest.run(
                    "scores",
                    "--bootstrap-servers",
                    bs,
                    "--topic",
                    "o.scores",
                    "--model",
                    "latency",
                    "--series",
                    s,
                    "--out",
                    streamed.toString());
            assertThat(read.status()).as(read.err()).isZero();
            assertThat(read.out()).contains("720 scores of latency/" + s);
            Path offline = dir.resolve(s + "-detect.csv");
            MainTest.Result detected =
                    MainTest.run("detect", "--data", DATA.resolve(s + ".csv").toString(), "--out", offline.toString());
            assertThat(detected.status()).as(detected.err()).isZero();
            assertThat(withoutTimestamps(streamed))
                    .as("%s: the job's scores vs detect's", s)
                    .containsExactlyElementsOf(withoutTimestamps(offline));
        }
    }

    private static List<String> withoutTimestamps(Path csv) throws java.io.IOException {
        return Files.readAllLines(csv).stream()
                .map(l -> l.substring(l.indexOf(',') + 1))
                .toList();
    }
}

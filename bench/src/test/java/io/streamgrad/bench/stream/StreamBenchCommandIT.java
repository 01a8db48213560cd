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
 * {@code streamgrad bench-stream --quick} runs the whole benchmark path (broker, start-up probe, offline pass,
 * bounded streaming run, paced latency run) on a tiny input and prints its tables; a smoke test that keeps the
 * command working, not a measurement.
 */
class StreamBenchCommandIT {
    @TempDir
    Path dir;

    @Test
    void quickRun_overTwoPasses_printsThroughputCpuAndLatencyTables_andTheStreamedModelEqualsTheOfflineOne() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = StreamBenchCommand.execute(
                List.of(
                        "--model",
                        "sparse-logistic",
                        "--form",
                        "minibatch",
                        "--quick",
                        "--examples",
                        "2560",
                        "--passes",
                        "2",
                        "--dir",
                        dir.toString()),
                new PrintStream(out, true),
                new PrintStream(err, true));

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status)
                .as("exit status; stderr:%n%s", err.toString(StandardCharsets.UTF_8))
                .isZero();
        assertThat(text)
                .contains(
                        "JVM start -> first trained record",
                        "throughput (examples/s",
                        "CPU per example",
                        "event-to-snapshot latency");
        assertThat(text.lines().filter(l -> l.startsWith("sparse-logistic / MiniBatch")))
                .hasSize(3) // one row in each table
                .first()
                .satisfies(row -> {
                    assertThat(row).contains("5,120", "256"); // 2 passes over 2,560 examples
                    assertThat(row).endsWith("yes"); // the streamed model equals the offline one bit for bit
                });
    }
}

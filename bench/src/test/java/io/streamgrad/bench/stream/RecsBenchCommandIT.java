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
 * {@code streamgrad bench-recs} on a small input runs the whole path (broker, the job with one mf model, FULL and
 * DELTA versions through the exactly-once sink, a follower serving them, the offline trainer on the same batches)
 * and prints its figures; the served model must equal the offline one. A smoke test that keeps the command working,
 * not a measurement.
 */
class RecsBenchCommandIT {
    @TempDir
    Path dir;

    @Test
    void smallRun_servesTheOfflineModelBitForBit_andPrintsThroughputBytesAndLatency() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = RecsBenchCommand.execute(
                List.of(
                        "--users", "300",
                        "--items", "60",
                        "--interactions", "2048",
                        "--latency-interactions", "512",
                        "--batch", "32",
                        "--version-every-steps", "4",
                        "--checkpoint-ms", "200",
                        "--evaluate-every-batches", "4",
                        "--dir", dir.toString()),
                new PrintStream(out, true),
                new PrintStream(err, true));

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status)
                .as("exit status; stdout:%n%s%nstderr:%n%s", text, err.toString(StandardCharsets.UTF_8))
                .isZero();
        // 128 warm-up + 2,048 measured + 512 paced = 2,688 interactions = 21 versions of 128: FULL 1, DELTAs 2-20,
        // FULL 21
        assertThat(text)
                .contains(
                        "served model == offline MfModel.train on the same 2,688 interactions: yes (version 20, the"
                                + " last DELTA: FULL 1 + 19 DELTAs; version 21, the final FULL: ",
                        " differ\n",
                        "throughput (2,048 interactions, recs.evaluate_every_batches: 4 in the job and offline): end"
                                + " to end ",
                        "version bytes (RecsVersion records read back, single-object Avro): 19 DELTA versions, mean ",
                        "FULL version 21: ",
                        "event-to-servable latency at ",
                        "checkpoint_interval_ms 200, a version every 128 interactions",
                        "load average: ")
                .containsPattern("bit for bit, [0-9,]+ checks, 0 differ");
    }

    @Test
    void tooManyInteractions_isABadCommandLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = RecsBenchCommand.execute(
                List.of("--interactions", "50000000"),
                new PrintStream(new ByteArrayOutputStream(), true),
                new PrintStream(err, true));

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("over 50,000,000: the bench keeps every interaction in memory");
    }
}

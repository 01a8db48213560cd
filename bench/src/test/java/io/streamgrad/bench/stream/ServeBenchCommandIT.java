package io.streamgrad.bench.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamgrad bench-serve}, scaled down: {@code streamgrad serve} in a JVM of its own follows the models topic
 * of the real job (in-process broker, Flink MiniCluster) while the job trains on live examples and publishes a
 * version every second, under an open-loop load of 200 requests/s. Every request must be answered, every answer
 * must equal the offline Predictor of the snapshot of the version it names (bit for bit), and the served versions
 * must advance while the job publishes. The load is a process of its own; serve runs on a CPU of its own where the
 * machine has two or more (the default).
 */
class ServeBenchCommandIT {
    @TempDir
    Path dir;

    @Test
    void serveFollowingTheRealJob_answersEveryRequest_withTheOfflinePredictionOfTheVersionItNames_andVersionsAdvance()
            throws Exception {
        Run run = run();
        List<ServeBenchCommand.Outcome> outcomes = run.outcomes();
        int status = run.status();
        String report = run.report();
        assertThat(status).as(report).isZero();
        assertThat(outcomes).hasSize(1);
        ServeBenchCommand.Outcome o = outcomes.get(0);
        assertThat(o.failures()).as(report).isZero();
        assertThat(o.a().requests()).isEqualTo(800);
        assertThat(o.b().requests()).isEqualTo(800);
        // Every answer of every phase (warm-up 200 + B 800 + A 800) checked against the offline Predictor.
        assertThat(o.checked()).as(report).isEqualTo(1800);
        assertThat(o.mismatched()).as(report).isZero();
        assertThat(o.unverifiable()).as(report).isZero();
        assertThat(o.lastVersionB())
                .as("versions served while the job publishes; %s", report)
                .isGreaterThan(o.firstVersionB());
        assertThat(o.b().versions()).as(report).isGreaterThanOrEqualTo(2);
        assertThat(o.a().versions())
                .as("no new versions once the job is stopped; %s", report)
                .isEqualTo(1);
        assertThat(o.e2sExamples()).as(report).isPositive();
        assertThat(o.e2sP50()).as(report).isPositive();
        assertThat(o.a().mixed() + o.b().mixed()).as(report).isZero();
        // Serve's own CPU per request, read from its process; the load came from a process of its own.
        assertThat(o.a().serveCpuUsPerRequest()).as(report).isPositive();
        assertThat(o.b().clientCpuUsPerRequest()).as(report).isPositive();
        if (ServeBenchCommand.cpuSplit(null, null)[0] != null) {
            assertThat(run.out()).contains("serve on CPU", "(taskset)");
        }
        assertThat(run.out())
                .contains(
                        "p99(B)/p99(A)",
                        "0 differ, 0 name a version not on the topic, 0 requests failed",
                        "event-to-servable");
    }

    @Test
    void withDeltas_serveAppliesTheJobsDeltas_andEveryAnswerEqualsTheVersionRebuiltFromTheLastFullVersionPlusDeltas()
            throws Exception {
        // Not pinned (the first case checks the pinning): on a busy 2-core machine the job and broker then get both.
        Run run = run("--deltas", "--serve-cpus", "none");
        List<ServeBenchCommand.Outcome> outcomes = run.outcomes();
        int status = run.status();
        String report = run.report();
        assertThat(status).as(report).isZero();
        ServeBenchCommand.Outcome o = outcomes.get(0);
        assertThat(o.failures()).as(report).isZero();
        assertThat(o.checked()).as(report).isEqualTo(1800);
        assertThat(o.mismatched()).as(report).isZero();
        assertThat(o.unverifiable()).as(report).isZero();
        assertThat(o.lastVersionB())
                .as("versions served while the job publishes; %s", report)
                .isGreaterThan(o.firstVersionB());
        // The reference of the delta versions was rebuilt from the updates topic, not read from a snapshot.
        assertThat(o.rebuiltFromDeltas()).as(report).isGreaterThanOrEqualTo(2);
        assertThat(o.servedDeltaVersions())
                .as("most versions serve applied came from deltas; %s", report)
                .isGreaterThan(o.servedFullVersions())
                .isGreaterThanOrEqualTo(2);
        assertThat(o.servedFullVersions()).as(report).isPositive();
        assertThat(run.out())
                .contains(
                        "0 differ, 0 name a version not on the topic, 0 requests failed", "rebuilt from the last full");
    }
    /** What one scaled-down run printed and measured. */
    private record Run(int status, String out, String report, List<ServeBenchCommand.Outcome> outcomes) {}

    /** bench-serve on sparse-logistic at 200 requests/s, 1 s warm-up and 4 s phases, plus {@code extra} options. */
    private Run run(String... extra) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<ServeBenchCommand.Outcome> outcomes = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of("--model", "sparse-logistic"));
        args.addAll(List.of(extra));
        args.addAll(List.of(
                "--rate",
                "200",
                "--warmup",
                "1",
                "--seconds",
                "4",
                "--train-rate",
                "2000",
                "--serve-java-opts=-Xmx512m -XX:+UseSerialGC",
                "--serve-args=--threads 4",
                "--dir",
                dir.toString()));
        int status = ServeBenchCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                outcomes);
        String printed = out.toString(StandardCharsets.UTF_8);
        return new Run(status, printed, printed + err.toString(StandardCharsets.UTF_8), outcomes);
    }
}

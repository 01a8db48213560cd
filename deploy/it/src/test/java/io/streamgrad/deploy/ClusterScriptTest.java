package io.streamgrad.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The error paths of {@code deploy/local/cluster.sh} and {@code submit.sh}: each fails fast, says what to do, and
 * starts nothing. (The happy path, with real processes, is {@link LocalClusterIT}.)
 */
class ClusterScriptTest {

    private static final Path REPO = LocalCluster.repoDir();
    private static final Duration TIMEOUT = Duration.ofMinutes(3); // a first run fetches the classpaths

    @TempDir
    Path dir;

    @Test
    void up_withAFixedPortThatIsTaken_failsNamingTheSetting_andStartsNothing() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            LocalCluster cluster = LocalCluster.notStarted(
                    REPO, dir.resolve("c"), Map.of("STREAMGRAD_REST_PORT", Integer.toString(taken.getLocalPort())));
            LocalCluster.Result up = cluster.script(TIMEOUT, "cluster.sh", "up");
            assertThat(up.exitCode()).as(up.output()).isEqualTo(1);
            assertThat(up.output())
                    .contains("port " + taken.getLocalPort() + " (STREAMGRAD_REST_PORT) is already in use");
            assertThat(cluster.processesOfThisCluster()).isEmpty();
        }
    }

    @Test
    void up_withAMalformedTopicSpec_failsBeforeStartingAnything() {
        LocalCluster cluster = LocalCluster.notStarted(
                REPO, dir.resolve("c"), Map.of("STREAMGRAD_TOPICS", "examples:2 models:two:compact"));
        LocalCluster.Result up = cluster.script(TIMEOUT, "cluster.sh", "up");
        assertThat(up.exitCode()).isEqualTo(1);
        assertThat(up.output()).contains("STREAMGRAD_TOPICS: 'models:two:compact' is not NAME:PARTITIONS[:compact]");
        assertThat(Files.exists(dir.resolve("c/pids"))).isFalse();
    }

    @Test
    void statusAndDown_withoutACluster_sayThereIsNone() {
        LocalCluster cluster = LocalCluster.notStarted(REPO, dir.resolve("none"), Map.of());
        LocalCluster.Result status = cluster.status();
        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status.output()).contains("no cluster in " + dir.resolve("none"));
        LocalCluster.Result down = cluster.script(Duration.ofSeconds(30), "cluster.sh", "down");
        assertThat(down.exitCode()).isZero();
        assertThat(down.output()).contains("no cluster in");
    }

    @Test
    void submit_withoutACluster_failsWithTheCommandToStartOne() throws IOException {
        Path config = Files.writeString(dir.resolve("job.yaml"), "kafka: {bootstrap.servers: \"127.0.0.1:9\"}\n");
        Path jar = Files.write(dir.resolve("job.jar"), new byte[] {0});
        LocalCluster cluster = LocalCluster.notStarted(REPO, dir.resolve("none"), Map.of());
        LocalCluster.Result submit = cluster.script(
                Duration.ofSeconds(30), "submit.sh", "--config", config.toString(), "--jar", jar.toString());
        assertThat(submit.exitCode()).isEqualTo(1);
        assertThat(submit.output()).contains("start one with 'streamgrad cluster up'");
    }

    @Test
    void unknownCommand_printsTheUsage() {
        LocalCluster.Result result = LocalCluster.notStarted(REPO, dir.resolve("none"), Map.of())
                .script(Duration.ofSeconds(30), "cluster.sh", "restart");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("cluster.sh up [--taskmanagers N]").contains("STREAMGRAD_CLUSTER_DIR");
    }
}

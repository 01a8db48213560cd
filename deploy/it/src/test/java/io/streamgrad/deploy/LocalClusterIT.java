package io.streamgrad.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.deploy.probe.ProbeJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The local cluster of {@code deploy/local} for real: a Kafka broker and a Flink standalone session cluster (one
 * JobManager, two TaskManagers), each its own JVM, started and stopped by the scripts a person uses. One cluster for
 * the class (starting one costs ~30 s on 2 cores); the methods run in order and build on each other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {

    private static final Path REPO = LocalCluster.repoDir();
    private static final Path IT_DIR =
            Path.of(System.getProperty("streamgrad.it.dir", "target/it")).toAbsolutePath().normalize();

    private static LocalCluster cluster;
    private static Duration upTime;

    @BeforeAll
    static void startCluster() throws IOException {
        Files.createDirectories(IT_DIR);
        Instant start = Instant.now();
        cluster = LocalCluster.up(REPO, IT_DIR.resolve("cluster"), Map.of("STREAMGRAD_TASKMANAGERS", "2"));
        upTime = Duration.between(start, Instant.now());
        System.out.printf("[LocalClusterIT] cluster up in %.1f s%n", upTime.toMillis() / 1000.0);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            assertThat(cluster.processesOfThisCluster()).as("processes left after cluster.sh down").isEmpty();
        }
    }

    @Test
    @Order(1)
    void up_startsBrokerJobManagerAndTwoTaskManagers_asSeparateProcesses() {
        assertThat(cluster.roles()).containsExactly("kafka", "jobmanager", "taskmanager-1", "taskmanager-2");
        List<Long> pids = cluster.roles().stream().map(cluster::pid).toList();
        assertThat(pids).doesNotHaveDuplicates().allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());

        JsonNode overview = cluster.rest("/overview");
        assertThat(overview.get("taskmanagers").asInt()).isEqualTo(2);
        assertThat(overview.get("slots-total").asInt()).isEqualTo(2);
        assertThat(overview.get("flink-version").asText()).isEqualTo("2.2.1");
        List<String> ids = new ArrayList<>();
        cluster.rest("/taskmanagers").get("taskmanagers").forEach(tm -> ids.add(tm.get("id").asText()));
        assertThat(ids).containsExactlyInAnyOrder("tm-1", "tm-2");
    }

    @Test
    @Order(2)
    void everyProcess_listensOnLoopbackOnly() {
        List<ListeningSockets.Socket> sockets = new ArrayList<>();
        for (String role : cluster.roles()) {
            sockets.addAll(ListeningSockets.of(cluster.pid(role)));
        }
        // REST, RPC, blob server, data ports, Prometheus endpoints, the broker's two listeners: all of them.
        assertThat(sockets).hasSizeGreaterThanOrEqualTo(10);
        assertThat(sockets).allSatisfy(s -> assertThat(s.loopback()).as("%s bound to loopback", s).isTrue());
    }

    @Test
    @Order(3)
    void status_listsEveryProcessAsRunning_withItsAddresses() {
        LocalCluster.Result status = cluster.status();
        assertThat(status.exitCode()).as(status.output()).isZero();
        for (String role : cluster.roles()) {
            assertThat(status.output()).containsPattern(
                    "(?m)^" + role + "\\s+" + cluster.pid(role) + "\\s+running\\b");
        }
        assertThat(status.output()).contains("http://127.0.0.1:" + cluster.restPort())
                .contains("taskmanagers=2")
                .containsPattern("models\\s+partitions=2 cleanup.policy=compact")
                .containsPattern("examples\\s+partitions=2 cleanup.policy=delete");
    }

    @Test
    @Order(4)
    void prometheus_everyFlinkProcessServesItsMetrics() {
        assertThat(cluster.scrape("jobmanager"))
                .containsPattern("(?m)^flink_jobmanager_numRegisteredTaskManagers\\{[^}]*\\} 2\\.0$");
        for (String tm : List.of("taskmanager-1", "taskmanager-2")) {
            assertThat(cluster.scrape(tm))
                    .containsPattern("(?m)^flink_taskmanager_Status_JVM_Memory_Heap_Used\\{[^}]*tm_id=\"" + tm.replace("taskmanager-", "tm_") + "\"");
        }
    }

    @Test
    @Order(5)
    void probeJob_survivesKill9OfATaskManager_onAReplacement() throws IOException {
        Path jar = TestJars.jarOf(ProbeJob.class, IT_DIR.resolve("probe-job.jar"));
        Path config = Files.writeString(IT_DIR.resolve("probe.yaml"), "# the probe job takes its settings as arguments\n");
        String job = cluster.submit(jar, ProbeJob.class.getName(), config, 2,
                "--models", "4", "--rate", "400", "--checkpoint-ms", "500");

        LocalCluster.await("two completed checkpoints", Duration.ofSeconds(60), () -> completedCheckpoints(job) >= 2);
        LocalCluster.await("per-model metrics on a TaskManager's Prometheus endpoint", Duration.ofSeconds(30),
                () -> perModelExamples(cluster.scrape("taskmanager-1") + cluster.scrape("taskmanager-2")).size() == 4);

        long before = completedCheckpoints(job);
        Instant killed = Instant.now();
        cluster.killTaskManager(1);
        cluster.addTaskManager();
        Duration recovery = LocalCluster.await("the job running again from a checkpoint", Duration.ofSeconds(120),
                () -> restoredCheckpoint(job) > 0 && allTasksRunning(job) && completedCheckpoints(job) > before);
        Duration total = Duration.between(killed, Instant.now());
        System.out.printf("[LocalClusterIT] probe job recovered %.1f s after kill -9 of taskmanager-1 "
                + "(replacement started at once; %.1f s after its registration)%n",
                total.toMillis() / 1000.0, recovery.toMillis() / 1000.0);

        assertThat(cluster.rest("/overview").get("taskmanagers").asInt()).isEqualTo(2);
        assertThat(perModelExamples(cluster.scrape("taskmanager-2") + cluster.scrape("taskmanager-3"))).hasSize(4);
    }

    private static long completedCheckpoints(String job) {
        return cluster.rest("/jobs/" + job + "/checkpoints").path("counts").path("completed").asLong();
    }

    private static long restoredCheckpoint(String job) {
        JsonNode restored = cluster.rest("/jobs/" + job + "/checkpoints").path("latest").path("restored");
        return restored.isMissingNode() || restored.isNull() ? -1 : restored.path("id").asLong(-1);
    }

    private static boolean allTasksRunning(String job) {
        JsonNode detail = cluster.rest("/jobs/" + job);
        if (!detail.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode vertex : detail.path("vertices")) {
            if (!vertex.path("status").asText().equals("RUNNING")) {
                return false;
            }
        }
        return true;
    }

    private static final Pattern MODEL_EXAMPLES =
            Pattern.compile("(?m)^flink_taskmanager_job_task_operator_model_examples\\{[^}]*model=\"(m\\d+)\"[^}]*\\} ([0-9.E]+)$");

    /** The per-model example counters a Prometheus server would see, by model id. */
    private static Map<String, Double> perModelExamples(String scrape) {
        Map<String, Double> byModel = new java.util.TreeMap<>();
        Matcher m = MODEL_EXAMPLES.matcher(scrape);
        while (m.find()) {
            byModel.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
        }
        return byModel;
    }
}

package io.streamgrad.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The local cluster of {@code deploy/local} for real: a Kafka broker and a Flink standalone session cluster (one
 * JobManager, two TaskManagers), each its own JVM, started and stopped by the scripts a person uses, running the
 * streamgrad job from its shaded jar.
 *
 * <p>The job runs three models (logistic, linear, a small ND4J MLP) at parallelism 2 over the two TaskManagers with
 * 500 ms checkpoints. A TaskManager is killed with SIGKILL while examples flow and a replacement is started; then:
 * every model saw every example exactly once, its snapshot versions on the (read_committed) models topic are
 * strictly increasing without duplicates, every per-model metric is on the Prometheus endpoints, and every snapshot
 * equals, byte for byte, the one of an uninterrupted run of the same job over the same one-partition input.
 *
 * <p>One cluster for the class (starting one costs 20–35 s on 2 cores); the methods run in order and build on each
 * other. {@link LocalCluster#close()} stops every process, also when a test fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {

    private static final Path REPO = LocalCluster.repoDir();
    private static final Path IT_DIR = Path.of(System.getProperty("streamgrad.it.dir", "target/it"))
            .toAbsolutePath()
            .normalize();

    private static LocalCluster cluster;
    private static Duration upTime;

    @BeforeAll
    static void startCluster() throws IOException {
        Files.createDirectories(IT_DIR);
        Instant start = Instant.now();
        // One partition for the examples: a fixed order, so the models after a failure can equal an uninterrupted
        // run's.
        cluster = LocalCluster.up(
                REPO,
                IT_DIR.resolve("cluster"),
                Map.of(
                        "STREAMGRAD_TASKMANAGERS",
                        "2",
                        "STREAMGRAD_TOPICS",
                        "examples:1 models:1:compact metrics:1 dead_letters:1 "
                                + "ref_models:1:compact ref_metrics:1 ref_dead_letters:1"));
        upTime = Duration.between(start, Instant.now());
        System.out.printf("[LocalClusterIT] cluster up in %.1f s%n", upTime.toMillis() / 1000.0);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            assertThat(cluster.processesOfThisCluster())
                    .as("processes left after cluster.sh down")
                    .isEmpty();
        }
    }

    @Test
    @Order(1)
    void up_startsBrokerJobManagerAndTwoTaskManagers_asSeparateProcesses() {
        assertThat(cluster.roles()).containsExactly("kafka", "jobmanager", "taskmanager-1", "taskmanager-2");
        List<Long> pids = cluster.roles().stream().map(cluster::pid).toList();
        assertThat(pids)
                .doesNotHaveDuplicates()
                .allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());

        JsonNode overview = cluster.rest("/overview");
        assertThat(overview.get("taskmanagers").asInt()).isEqualTo(2);
        assertThat(overview.get("slots-total").asInt()).isEqualTo(2);
        assertThat(overview.get("flink-version").asText()).isEqualTo("2.2.1");
        List<String> ids = new ArrayList<>();
        cluster.rest("/taskmanagers")
                .get("taskmanagers")
                .forEach(tm -> ids.add(tm.get("id").asText()));
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
        assertThat(sockets)
                .allSatisfy(s ->
                        assertThat(s.loopback()).as("%s bound to loopback", s).isTrue());
    }

    @Test
    @Order(3)
    void status_listsEveryProcessAsRunning_withItsAddresses() {
        LocalCluster.Result status = cluster.status();
        assertThat(status.exitCode()).as(status.output()).isZero();
        for (String role : cluster.roles()) {
            assertThat(status.output()).containsPattern("(?m)^" + role + "\\s+" + cluster.pid(role) + "\\s+running\\b");
        }
        assertThat(status.output())
                .contains("http://127.0.0.1:" + cluster.restPort())
                .contains("taskmanagers=2")
                .containsPattern("models\\s+partitions=1 cleanup.policy=compact")
                .containsPattern("examples\\s+partitions=1 cleanup.policy=delete");
    }

    @Test
    @Order(4)
    void prometheus_everyFlinkProcessServesItsMetrics() {
        assertThat(cluster.scrape("jobmanager"))
                .containsPattern("(?m)^flink_jobmanager_numRegisteredTaskManagers\\{[^}]*\\} 2\\.0$");
        for (String tm : List.of("taskmanager-1", "taskmanager-2")) {
            assertThat(cluster.scrape(tm))
                    .containsPattern("(?m)^flink_taskmanager_Status_JVM_Memory_Heap_Used\\{[^}]*tm_id=\""
                            + tm.replace("taskmanager-", "tm_") + "\"");
        }
    }

    // --- the streamgrad job ----------------------------------------------------------------------------------------

    private static final List<String> MODELS = List.of("clicks", "prices", "shapes");
    private static final int PER_MODEL = 1024; // 64 full batches of 16 per model
    private static final Path JOB_JAR = REPO.resolve("flink-job/target/streamgrad-job.jar");
    private static final String JOB_CLASS = "io.streamgrad.job.StreamgradJob";

    private static String jobConfig(String prefix, String groupId) {
        return """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: examples, models: %smodels, metrics: %smetrics, dead_letters: %sdead_letters}
                group_id: %s
                start: earliest
                bounded: false
                checkpoint_interval_ms: 500
                batch_timeout_ms: 0
                snapshot: {every_steps: 8, every_seconds: 0}
                metrics_every_batches: 4
                restart: {attempts: 10, delay_ms: 500}
                parallelism: 2
                models:
                  clicks:
                    model: {type: logistic, features: 4}
                    loss: binary_cross_entropy
                    optimizer: {type: adam, learning_rate: 0.02}
                    batch_size: 16
                    seed: 1
                  prices:
                    model: {type: linear, features: 4}
                    loss: mse
                    optimizer: {type: sgd, learning_rate: 0.02}
                    batch_size: 16
                    seed: 2
                  shapes:
                    model: {type: mlp, features: 4, hidden: [8], activation: tanh}
                    loss: binary_cross_entropy
                    optimizer: {type: adam, learning_rate: 0.01}
                    batch_size: 16
                    seed: 3
                """.formatted(cluster.kafkaBootstrap(), prefix, prefix, prefix, groupId);
    }

    private static String liveJob;
    private static Map<String, List<ModelSnapshot>> liveSnapshots;

    @Test
    @Order(5)
    void streamgradJob_killedTaskManager_recoversWithEveryExampleTrainedOnce() throws IOException {
        assertThat(JOB_JAR).as("the job jar (./mvnw -pl flink-job -am package)").exists();
        Path config = Files.writeString(IT_DIR.resolve("live.yaml"), jobConfig("", "live"));
        liveJob = cluster.submit(JOB_JAR, JOB_CLASS, config, 2);

        List<Example> input = TrainingTopics.examples(MODELS, List.of("prices"), PER_MODEL, 42);
        int firstPart = input.size() / 3;
        Duration recovery;
        // First a third of the input, until every model has a committed snapshot (the first batches wait for ND4J
        // to load in the TaskManagers); then the rest at 300 examples/s, and the kill while it flows.
        try (TrainingTopics.RateProducer first = new TrainingTopics.RateProducer(
                cluster.kafkaBootstrap(), "examples", input.subList(0, firstPart), 5_000)) {
            first.await(Duration.ofSeconds(60));
        }
        LocalCluster.await(
                "a committed snapshot of every model",
                Duration.ofSeconds(120),
                () -> latest(TrainingTopics.snapshots(cluster.kafkaBootstrap(), "models"))
                                .size()
                        == MODELS.size());
        try (TrainingTopics.RateProducer rest = new TrainingTopics.RateProducer(
                cluster.kafkaBootstrap(), "examples", input.subList(firstPart, input.size()), 300)) {
            LocalCluster.await("examples flowing again", Duration.ofSeconds(30), () -> rest.sent() >= 150);
            long checkpointsBefore = completedCheckpoints(liveJob);
            Instant killed = Instant.now();
            cluster.killTaskManager(1);
            assertThat(rest.sent()).as("examples produced before the kill").isLessThan(input.size() - firstPart);
            cluster.addTaskManager();
            LocalCluster.await(
                    "the job running again from a checkpoint",
                    Duration.ofSeconds(120),
                    () -> restoredCheckpoint(liveJob) > 0
                            && allTasksRunning(liveJob)
                            && completedCheckpoints(liveJob) > checkpointsBefore);
            recovery = Duration.between(killed, Instant.now());
            rest.await(Duration.ofSeconds(60));
        }
        System.out.printf(
                "[LocalClusterIT] streamgrad job recovered %.1f s after kill -9 of taskmanager-1 "
                        + "(JobManager noticed it, replacement TaskManager started and registered, tasks redeployed, state "
                        + "restored, a new checkpoint completed)%n",
                recovery.toMillis() / 1000.0);

        LocalCluster.await(
                "every model's snapshot of all " + PER_MODEL + " examples",
                Duration.ofSeconds(120),
                () -> latest(TrainingTopics.snapshots(cluster.kafkaBootstrap(), "models")).values().stream()
                                .filter(s -> s.getExamplesSeen() == PER_MODEL)
                                .count()
                        == MODELS.size());
        liveSnapshots = byModel(TrainingTopics.snapshots(cluster.kafkaBootstrap(), "models"));
        assertThat(liveSnapshots.keySet()).containsExactlyInAnyOrderElementsOf(MODELS);
        for (String model : MODELS) {
            List<ModelSnapshot> snaps = liveSnapshots.get(model);
            List<Long> versions = snaps.stream().map(ModelSnapshot::getVersion).toList();
            // Exactly once: the failed attempt's snapshots were never committed, the replay's are, each version once.
            assertThat(versions)
                    .as("versions of %s in topic order", model)
                    .doesNotHaveDuplicates()
                    .isSorted()
                    .startsWith(1L);
            assertThat(snaps)
                    .extracting(ModelSnapshot::getStep)
                    .as("steps of %s", model)
                    .containsExactly(8L, 16L, 24L, 32L, 40L, 48L, 56L, 64L);
            assertThat(snaps.get(snaps.size() - 1).getExamplesSeen())
                    .as("examples seen by %s", model)
                    .isEqualTo(PER_MODEL);
        }
        assertThat(cluster.rest("/jobs/" + liveJob).path("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    @Order(6)
    void prometheus_showsPerModelMetrics_andEveryMetricTheDashboardReads() {
        String tms = cluster.scrape("taskmanager-2") + cluster.scrape("taskmanager-3");
        String all = tms + cluster.scrape("jobmanager");
        for (String metric : GrafanaDashboardTest.PER_MODEL_METRICS) {
            for (String model : MODELS) {
                assertThat(tms)
                        .as("%s of %s", metric, model)
                        .containsPattern("(?m)^" + GrafanaDashboardTest.PER_MODEL_PREFIX + metric + "\\{[^}]*model=\""
                                + model + "\"[^}]*\\} \\S+$");
            }
        }
        assertThat(Dashboard.metricNames(Dashboard.load()))
                .allSatisfy(name -> assertThat(all)
                        .as("series %s on a Prometheus endpoint", name)
                        .containsPattern("(?m)^" + name + "[{ ]"));
    }

    @Test
    @Order(7)
    void streamgradJob_modelsAfterTheFailure_equalAnUninterruptedRunsBitForBit() throws IOException {
        cancel(liveJob);
        // The same job over the same (now complete) one-partition input, with its own group and output topics.
        Path config = Files.writeString(IT_DIR.resolve("reference.yaml"), jobConfig("ref_", "reference"));
        String reference = cluster.submit(JOB_JAR, JOB_CLASS, config, 2);
        LocalCluster.await(
                "the uninterrupted run's snapshot of all examples",
                Duration.ofSeconds(120),
                () -> latest(TrainingTopics.snapshots(cluster.kafkaBootstrap(), "ref_models")).values().stream()
                                .filter(s -> s.getExamplesSeen() == PER_MODEL)
                                .count()
                        == MODELS.size());
        cancel(reference);
        Map<String, List<ModelSnapshot>> ref =
                byModel(TrainingTopics.snapshots(cluster.kafkaBootstrap(), "ref_models"));
        for (String model : MODELS) {
            List<ModelSnapshot> live = liveSnapshots.get(model);
            List<ModelSnapshot> expected = ref.get(model);
            assertThat(live)
                    .extracting(ModelSnapshot::getVersion, ModelSnapshot::getStep, ModelSnapshot::getExamplesSeen)
                    .as("snapshots of %s", model)
                    .containsExactlyElementsOf(expected.stream()
                            .map(s -> Tuple.tuple(s.getVersion(), s.getStep(), s.getExamplesSeen()))
                            .toList());
            for (int i = 0; i < live.size(); i++) {
                assertThat(TrainingTopics.bytes(live.get(i).getState()))
                        .as(
                                "state of %s v%d (parameters, optimizer state, step, RNG)",
                                model, live.get(i).getVersion())
                        .isEqualTo(TrainingTopics.bytes(expected.get(i).getState()));
            }
        }
    }

    private static void cancel(String job) {
        cluster.patch("/jobs/" + job + "?mode=cancel");
        LocalCluster.await(
                "job " + job + " canceled",
                Duration.ofSeconds(60),
                () -> cluster.rest("/jobs/" + job).path("state").asText().equals("CANCELED"));
    }

    private static Map<String, ModelSnapshot> latest(List<ModelSnapshot> snapshots) {
        Map<String, ModelSnapshot> latest = new TreeMap<>();
        snapshots.forEach(s -> latest.merge(s.getModelId(), s, (a, b) -> b.getVersion() > a.getVersion() ? b : a));
        return latest;
    }

    private static Map<String, List<ModelSnapshot>> byModel(List<ModelSnapshot> snapshots) {
        Map<String, List<ModelSnapshot>> by = new TreeMap<>();
        snapshots.forEach(
                s -> by.computeIfAbsent(s.getModelId(), k -> new ArrayList<>()).add(s));
        return by;
    }

    private static long completedCheckpoints(String job) {
        return cluster.rest("/jobs/" + job + "/checkpoints")
                .path("counts")
                .path("completed")
                .asLong();
    }

    private static long restoredCheckpoint(String job) {
        JsonNode restored =
                cluster.rest("/jobs/" + job + "/checkpoints").path("latest").path("restored");
        return restored.isMissingNode() || restored.isNull()
                ? -1
                : restored.path("id").asLong(-1);
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
}

package io.streamgrad.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives {@code deploy/local/cluster.sh} and {@code submit.sh} for a test, exactly as a person would, in a cluster
 * directory of the test's own, and reads the cluster through its REST API and Prometheus endpoints.
 *
 * <p>{@link #close()} runs {@code cluster.sh down} and then makes sure that no process of this cluster directory is
 * left (the scripts mark each JVM with {@code -Dstreamgrad.cluster.dir=<dir>}); a JVM shutdown hook does the same if
 * the test JVM is stopped before {@code close()}.
 */
final class LocalCluster implements AutoCloseable {

    static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(5);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("\\bjob ([0-9a-f]{32})\\b");

    private final Path repo;
    private final Path dir;
    private final Map<String, String> extraEnv;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread shutdownHook;
    private Map<String, String> env = Map.of();
    private boolean closed;

    private LocalCluster(Path repo, Path dir, Map<String, String> extraEnv) {
        this.repo = repo;
        this.dir = dir;
        this.extraEnv = Map.copyOf(extraEnv);
        this.shutdownHook = new Thread(this::stopQuietly, "local-cluster-down");
    }

    /** Starts a fresh cluster in {@code dir}; {@code extraEnv} holds STREAMGRAD_* settings of cluster.sh. */
    static LocalCluster up(Path repo, Path dir, Map<String, String> extraEnv) {
        LocalCluster cluster = new LocalCluster(repo, dir, extraEnv);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        Result result = cluster.script(SCRIPT_TIMEOUT, "cluster.sh", "up");
        if (result.exitCode() != 0) {
            cluster.close();
            throw new AssertionError("cluster.sh up failed (exit " + result.exitCode() + "):\n" + result.output());
        }
        cluster.refreshEnv();
        return cluster;
    }

    /** A handle on a cluster directory without starting anything: for driving the scripts' error paths. */
    static LocalCluster notStarted(Path repo, Path dir, Map<String, String> extraEnv) {
        return new LocalCluster(repo, dir, extraEnv);
    }

    static Path repoDir() {
        return Path.of(System.getProperty("streamgrad.repo.dir", "../.."))
                .toAbsolutePath()
                .normalize();
    }

    Path dir() {
        return dir;
    }

    /** The KEY=VALUE lines of {@code cluster.sh env}: ports, PIDs, addresses. */
    Map<String, String> env() {
        return env;
    }

    void refreshEnv() {
        Result result = script(Duration.ofSeconds(30), "cluster.sh", "env");
        if (result.exitCode() != 0) {
            throw new AssertionError("cluster.sh env failed:\n" + result.output());
        }
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String line : result.output().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                parsed.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", ""));
            }
        }
        env = parsed;
    }

    int restPort() {
        return Integer.parseInt(env.get("REST_PORT"));
    }

    String kafkaBootstrap() {
        return env.get("KAFKA_BOOTSTRAP");
    }

    long pid(String role) {
        return Long.parseLong(env.get("PID_" + role.toUpperCase().replace('-', '_')));
    }

    int prometheusPort(String role) {
        return Integer.parseInt(env.get("PROM_" + role.toUpperCase().replace('-', '_')));
    }

    /** Roles with a PID, in the order cluster.sh lists them (kafka, jobmanager, taskmanager-1, ...). */
    List<String> roles() {
        List<String> roles = new ArrayList<>();
        for (String key : env.keySet()) {
            if (key.startsWith("PID_")) {
                roles.add(key.substring(4).toLowerCase().replace('_', '-'));
            }
        }
        return roles;
    }

    Result status() {
        return script(Duration.ofSeconds(60), "cluster.sh", "status");
    }

    /** Submits a jar with {@code submit.sh} and returns the job id once all its tasks run. */
    String submit(Path jar, String entryClass, Path config, int parallelism, String... jobArgs) {
        List<String> command = new ArrayList<>(List.of(
                "submit.sh",
                "--jar",
                jar.toString(),
                "--class",
                entryClass,
                "--config",
                config.toString(),
                "--parallelism",
                Integer.toString(parallelism)));
        if (jobArgs.length > 0) {
            command.add("--");
            command.addAll(List.of(jobArgs));
        }
        Result result = script(SCRIPT_TIMEOUT, command.toArray(String[]::new));
        Matcher m = JOB_ID.matcher(result.output());
        if (result.exitCode() != 0 || !m.find()) {
            throw new AssertionError("submit.sh failed (exit " + result.exitCode() + "):\n" + result.output());
        }
        return m.group(1);
    }

    Result addTaskManager() {
        Result result = script(SCRIPT_TIMEOUT, "cluster.sh", "add-taskmanager");
        if (result.exitCode() != 0) {
            throw new AssertionError("cluster.sh add-taskmanager failed:\n" + result.output());
        }
        refreshEnv();
        return result;
    }

    Result killTaskManager(int index) {
        Result result = script(Duration.ofSeconds(30), "cluster.sh", "kill-taskmanager", Integer.toString(index));
        if (result.exitCode() != 0) {
            throw new AssertionError("cluster.sh kill-taskmanager failed:\n" + result.output());
        }
        return result;
    }

    /** GET on the JobManager's REST API, parsed. */
    JsonNode rest(String path) {
        String body = get(URI.create("http://127.0.0.1:" + restPort() + path));
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " returned no JSON: " + body, e);
        }
    }

    /** PATCH on the JobManager's REST API (e.g. {@code /jobs/<id>?mode=cancel}). */
    void patch(String path) {
        URI uri = URI.create("http://127.0.0.1:" + restPort() + path);
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(10))
                            .method("PATCH", HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new AssertionError("PATCH " + uri + " -> HTTP " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PATCH " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during PATCH " + uri, e);
        }
    }

    /** The text a Prometheus server would scrape from a process of the cluster. */
    String scrape(String role) {
        return get(URI.create("http://127.0.0.1:" + prometheusPort(role) + "/metrics"));
    }

    String get(URI uri) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("GET " + uri + " -> HTTP " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during GET " + uri, e);
        }
    }

    /** Polls until the condition holds; fails with {@code what} after the timeout. Returns the time it took. */
    static Duration await(String what, Duration timeout, BooleanSupplier condition) {
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (condition.getAsBoolean()) {
                    return Duration.between(start, Instant.now());
                }
            } catch (RuntimeException e) {
                last = e; // e.g. a REST endpoint that is not up yet: keep polling until the deadline
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what, last);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is what called us
        }
        Result down = script(Duration.ofMinutes(2), "cluster.sh", "down");
        List<ProcessHandle> left = processesOfThisCluster();
        left.forEach(ProcessHandle::destroyForcibly);
        if (down.exitCode() != 0 || !left.isEmpty()) {
            throw new AssertionError("cluster.sh down left processes "
                    + left.stream().map(ProcessHandle::pid).toList() + " (killed now), exit " + down.exitCode() + ":\n"
                    + down.output());
        }
    }

    private void stopQuietly() {
        try {
            close();
        } catch (RuntimeException | Error e) {
            System.err.println("stopping the local cluster in " + dir + ": " + e);
        }
    }

    /** Every live process whose command line carries this cluster directory's marker. */
    List<ProcessHandle> processesOfThisCluster() {
        String marker = "-Dstreamgrad.cluster.dir=" + dir;
        return ProcessHandle.allProcesses()
                .filter(p -> {
                    try {
                        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
                        for (String arg : new String(raw, StandardCharsets.UTF_8).split("\0")) {
                            if (arg.equals(marker)) {
                                return true;
                            }
                        }
                        return false;
                    } catch (IOException e) {
                        return false; // exited meanwhile, or not ours to read
                    }
                })
                .toList();
    }

    record Result(int exitCode, String output) {}

    Result script(Duration timeout, String... command) {
        List<String> cmd = new ArrayList<>();
        cmd.add(repo.resolve("deploy/local").resolve(command[0]).toString());
        cmd.addAll(List.of(command).subList(1, command.length));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true);
        pb.environment().putAll(extraEnv);
        pb.environment().put("STREAMGRAD_CLUSTER_DIR", dir.toString());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> copy(p.getInputStream(), out), "script-output");
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(5_000);
                return new Result(124, out.toString(StandardCharsets.UTF_8) + "\n[timed out after " + timeout + "]");
            }
            reader.join(5_000);
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("running " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + cmd, e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process went away; what was read is kept
        }
    }
}

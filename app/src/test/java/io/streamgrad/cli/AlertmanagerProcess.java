package io.streamgrad.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real Prometheus Alertmanager (Debian's {@code prometheus-alertmanager}) as a child process on a free port, with
 * its config and storage in a temporary directory, clustering off. When the binary is missing the helper installs
 * the Debian package with apt (the CI machine is a fresh Debian); when that fails it fails with the command to run.
 */
final class AlertmanagerProcess implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    final String url;
    private final HttpClient http = HttpClient.newHttpClient();

    private AlertmanagerProcess(Process process, Path log, String url) {
        this.process = process;
        this.log = log;
        this.url = url;
    }

    /** Starts one with {@code resolve_timeout} and waits until {@code /-/ready} answers 200. */
    static AlertmanagerProcess start(Path dir, Duration resolveTimeout) throws Exception {
        ensureInstalled(dir);
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                global:
                  resolve_timeout: %ds
                route:
                  receiver: blackhole
                  group_wait: 1s
                receivers:
                  - name: blackhole
                """.formatted(resolveTimeout.toSeconds()));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("alertmanager.log");
        Process p = new ProcessBuilder(
                        BINARY.toString(),
                        "--config.file=" + config,
                        "--storage.path=" + Files.createDirectories(dir.resolve("data")),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--cluster.listen-address=")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        AlertmanagerProcess am = new AlertmanagerProcess(p, log, "http://127.0.0.1:" + port);
        try {
            am.awaitReady(Duration.ofSeconds(30));
        } catch (RuntimeException | Error e) {
            am.close();
            throw e;
        }
        return am;
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "prometheus-alertmanager exited with " + process.exitValue() + ":\n" + logText());
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "prometheus-alertmanager at " + url + " not ready after " + timeout + ":\n" + logText());
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    /** {@code GET /api/v2/alerts}: the alerts Alertmanager holds that have not ended. */
    JsonNode alerts() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url + "/api/v2/alerts")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + url + "/api/v2/alerts: HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Installs Debian's package when the binary is absent: {@code apt-get install}, after {@code apt-get update}. */
    static synchronized void ensureInstalled(Path dir) throws Exception {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> sudo = root ? List.of() : List.of("sudo", "-n");
        StringBuilder out = new StringBuilder();
        int rc = apt(dir, sudo, out, "install", "-y", "prometheus-alertmanager");
        if (rc != 0) {
            apt(dir, sudo, out, "update");
            rc = apt(dir, sudo, out, "install", "-y", "prometheus-alertmanager");
        }
        if (rc != 0 || !Files.isExecutable(BINARY)) {
            throw new AssertionError("the Alertmanager integration test needs Debian's prometheus-alertmanager ("
                    + BINARY + ") and could not install it (exit " + rc + "); install it with `sudo apt-get install -y"
                    + " prometheus-alertmanager` and rerun. apt said:\n" + out);
        }
    }

    private static int apt(Path dir, List<String> sudo, StringBuilder out, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(sudo);
        cmd.add("apt-get");
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "apt", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            out.append(String.join(" ", cmd)).append(": timed out after 5 minutes\n");
            return -1;
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        out.append("$ ")
                .append(String.join(" ", cmd))
                .append('\n')
                .append(text, Math.max(0, text.length() - 2000), text.length());
        return p.exitValue();
    }
}

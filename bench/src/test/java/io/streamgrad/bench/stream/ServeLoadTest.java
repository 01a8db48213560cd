package io.streamgrad.bench.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.streamgrad.cli.UsageException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load process of {@code bench-serve} against a real HTTP server (the JDK's): every request is recorded with its
 * answer, and latency runs from the intended send time, so requests held up behind a slow answer count the wait
 * (no coordinated omission); the CPU split options.
 */
class ServeLoadTest {
    @TempDir
    Path dir;

    @Test
    void loadProcess_recordsEveryAnswer_andCountsTheWaitBehindAStalledRequestFromEachIntendedSendTime()
            throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String text = new String(body, StandardCharsets.UTF_8);
            if (text.equals("stall")) {
                try {
                    Thread.sleep(400); // the server's behaviour under test: one slow answer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] answer = ("{\"echo\": \"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, answer.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(answer);
            }
        });
        server.start();
        byte[][] bodies = new byte[100][];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = (i == 0 ? "stall" : "x" + i).getBytes(StandardCharsets.UTF_8);
        }
        try (ServeLoad.Remote load = ServeLoad.Remote.start(
                List.of(),
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/p"),
                bodies,
                Duration.ofSeconds(10),
                1,
                1000,
                dir)) {
            long before = System.currentTimeMillis();
            // 100 requests/s for 1 s over one connection: request 0 stalls 400 ms, the next ones wait behind it.
            ServeLoad.Phase p = load.run("t", 100, 1, 0);

            assertThat(p.requests).isEqualTo(100);
            assertThat(p.failures()).as(String.valueOf(p.firstFailure())).isZero();
            for (int i = 0; i < p.requests; i++) {
                assertThat(p.example[i]).isEqualTo(i);
                assertThat(new String(p.body[i], StandardCharsets.UTF_8))
                        .isEqualTo("{\"echo\": \"" + (i == 0 ? "stall" : "x" + i) + "\"}");
                assertThat(p.doneWallMs[i]).isBetween(before, System.currentTimeMillis());
            }
            assertThat(p.latencyNanos[0]).isGreaterThanOrEqualTo(400_000_000L);
            // Request 1 was due 10 ms after request 0 and could only be sent once its answer came: it waited
            // about 390 ms, which a client timing from its own send would not see.
            assertThat(p.latencyNanos[1]).isGreaterThanOrEqualTo(350_000_000L);
            assertThat(p.latencyNanos[20]).isGreaterThanOrEqualTo(150_000_000L);
            assertThat(p.clientCpuSeconds).isPositive();
            assertThat(p.wallSeconds).isGreaterThanOrEqualTo(0.99);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void cpuSplit_pinsServeApartFromTheOthers_orNothing() throws Exception {
        assertThat(ServeBenchCommand.cpuSplit("none", null)).containsExactly(null, null);
        assertThat(ServeBenchCommand.cpuSplit("3", "0-2")).containsExactly("3", "0-2");
        assertThatThrownBy(() -> ServeBenchCommand.cpuSplit("one", "0"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--serve-cpus 'one' is not a CPU list");
        assertThatThrownBy(() -> ServeBenchCommand.cpuSplit("none", "0"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("pin both, or neither");
        String[] byDefault = ServeBenchCommand.cpuSplit(null, null);
        int n = Runtime.getRuntime().availableProcessors();
        if (byDefault[0] != null) {
            assertThat(byDefault).containsExactly(String.valueOf(n - 1), n == 2 ? "0" : "0-" + (n - 2));
        } else {
            assertThat(byDefault[1]).isNull();
        }
    }
}

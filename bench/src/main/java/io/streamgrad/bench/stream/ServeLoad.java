package io.streamgrad.bench.stream;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: {@code POST}s single-example predict requests at a fixed rate with the JDK's
 * {@link HttpClient} (HTTP/1.1, keep-alive connections), whatever the answers' latency, and records each request's
 * latency from its <em>intended</em> send time (the schedule's tick, not the moment the client got round to it), so
 * a stall of the server or of the sender counts against every request it delayed (no coordinated omission).
 *
 * <p>Each request carries the body of example {@code example[i]}; answers are kept as bytes and read after the run
 * (parsing JSON while measuring would take the client's CPU from the server on a small machine).
 */
final class ServeLoad {
    /** What one phase sent and got back; arrays indexed by request. */
    static final class Phase {
        final String name;
        final int requests;
        final long[] dueNanos;
        final int[] example;
        /** Latency from the intended send time, ns; -1 while unanswered. */
        final long[] latencyNanos;
        /** When the answer arrived (System.nanoTime()); 0 while unanswered. */
        final long[] doneNanos;

        final int[] status;
        final byte[][] body;
        final String[] error;

        Phase(String name, int requests) {
            this.name = name;
            this.requests = requests;
            this.dueNanos = new long[requests];
            this.example = new int[requests];
            this.latencyNanos = new long[requests];
            Arrays.fill(latencyNanos, -1);
            this.doneNanos = new long[requests];
            this.status = new int[requests];
            this.body = new byte[requests][];
            this.error = new String[requests];
        }

        /** Requests without a 200 answer (refused, failed, timed out). */
        int failures() {
            int n = 0;
            for (int i = 0; i < requests; i++) {
                n += status[i] == 200 ? 0 : 1;
            }
            return n;
        }

        /** Sorted latencies of the requests answered 200, ns (the others count as failures). */
        long[] sortedLatencies() {
            long[] out = new long[requests];
            int n = 0;
            for (int i = 0; i < requests; i++) {
                if (status[i] == 200) {
                    out[n++] = latencyNanos[i];
                }
            }
            Arrays.sort(out, 0, n);
            return Arrays.copyOf(out, n);
        }

        /** The first failure's description, or null. */
        String firstFailure() {
            for (int i = 0; i < requests; i++) {
                if (status[i] != 200) {
                    return "request " + i + ": "
                            + (error[i] != null
                                    ? error[i]
                                    : "HTTP " + status[i] + " "
                                            + (body[i] == null
                                                    ? ""
                                                    : new String(body[i], java.nio.charset.StandardCharsets.UTF_8)));
                }
            }
            return null;
        }
    }

    private final HttpClient client;
    /**
     * Requests in flight at most: at its tick, a request beyond them is not sent and counts as failed, so an
     * overloaded server costs failures rather than a client that opens connections without end and falls behind
     * its own schedule.
     */
    private final int maxInFlight;

    private final java.util.concurrent.Semaphore inFlight;
    private final Duration timeout;
    private final ExecutorService callbacks;
    private final URI predict;
    private final byte[][] bodies;

    /**
     * @param predict the predict URL of the model
     * @param bodies the request body of each example
     * @param timeout a request unanswered for this long has failed
     * @param maxInFlight requests in flight at most (see {@link #maxInFlight})
     */
    ServeLoad(URI predict, byte[][] bodies, Duration timeout, int maxInFlight) {
        this.timeout = timeout;
        this.maxInFlight = maxInFlight;
        this.inFlight = new java.util.concurrent.Semaphore(maxInFlight);
        AtomicInteger n = new AtomicInteger();
        this.callbacks = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-serve-client-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(callbacks)
                .build();
        this.predict = predict;
        this.bodies = bodies;
    }

    /**
     * Sends {@code rate * seconds} requests, one every {@code 1/rate} s from now, example {@code (first + i) mod
     * bodies}; waits for every answer (or its timeout) before returning.
     */
    Phase run(String name, double rate, double seconds, int first) throws InterruptedException {
        int n = (int) Math.max(1, Math.round(rate * seconds));
        Phase p = new Phase(name, n);
        CompletableFuture<?>[] pending = new CompletableFuture<?>[n];
        long period = (long) (1e9 / rate);
        long start = System.nanoTime() + 1_000_000;
        for (int i = 0; i < n; i++) {
            long due = start + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int ex = Math.floorMod(first + i, bodies.length);
            p.dueNanos[i] = due;
            p.example[i] = ex;
            if (!inFlight.tryAcquire()) {
                p.error[i] = "not sent: " + maxInFlight + " requests already in flight (the server is behind)";
                pending[i] = CompletableFuture.completedFuture(null);
                continue;
            }
            HttpRequest req = HttpRequest.newBuilder(predict)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[ex]))
                    .build();
            int k = i;
            pending[i] = client.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                    .whenComplete((r, e) -> {
                        inFlight.release();
                        long done = System.nanoTime();
                        p.doneNanos[k] = done;
                        p.latencyNanos[k] = done - due;
                        if (e != null) {
                            p.error[k] = causes(e);
                        } else {
                            p.status[k] = r.statusCode();
                            p.body[k] = r.body();
                        }
                    });
        }
        try {
            CompletableFuture.allOf(pending).get(timeout.toMillis() + 60_000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Failed requests are recorded one by one; a request still unanswered counts as failed.
        }
        return p;
    }

    /**
     * The exception with its causes, e.g. {@code IOException: fixed content-length: 69, bytes received: 0 <-
     * IOException: connection closed locally}: the JDK client reports a connection it closed itself (after a timeout,
     * or an fd limit) and one the server closed with the same top-level message.
     */
    static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        for (int depth = 0; t != null && depth < 6; t = t.getCause(), depth++) {
            sb.append(depth > 0 ? " <- " : "").append(t);
        }
        return sb.toString();
    }

    /** Nearest-rank percentile of sorted values, in ms; NaN when empty. */
    static double percentileMs(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
    }

    void close() {
        callbacks.shutdownNow();
    }
}

package io.streamgrad.bench.stream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The open-loop load of {@code bench-serve}, in an OS process of its own: {@code POST}s single-example predict
 * requests at a fixed rate with Jetty's {@link HttpClient} (HTTP/1.1, a few keep-alive connections, asynchronous),
 * whatever the answers' latency, and records each request's latency from its <em>intended</em> send time (the
 * schedule's tick, not the moment the client got round to it), so a stall of the server or of the sender counts
 * against every request it delayed (no coordinated omission).
 *
 * <p>Why a process of its own: the JDK's {@code HttpClient} inside the benchmark's JVM took 105-147% of a CPU at
 * 2,000 requests/s on a 2-core machine, beside the broker, the job and serve. Here it can be pinned to cores other
 * than serve's ({@code taskset}), and its CPU time is reported per phase.
 *
 * <p>Protocol (the benchmark is the parent, {@link Remote}): the child reads the bodies file (int count, then per
 * example int length + bytes), then one command a line on stdin: {@code run NAME RATE SECONDS FIRST OUTFILE} sends
 * {@code rate * seconds} requests, example {@code (first + i) mod count}, waits for every answer (or its timeout),
 * writes every request's outcome to OUTFILE ({@link #write}) and prints {@code done NAME}; {@code quit} (or end of
 * input) stops it. Answers are kept as bytes and parsed by the parent after the run.
 */
final class ServeLoad {
    /** What one phase sent and got back; arrays indexed by request. */
    static final class Phase {
        final String name;
        final int requests;
        final int[] example;
        /** Latency from the intended send time, ns; -1 while unanswered. */
        final long[] latencyNanos;
        /** When the answer arrived, ms since the epoch (the load process's clock); 0 while unanswered. */
        final long[] doneWallMs;

        final int[] status;
        final byte[][] body;
        final String[] error;
        /** CPU seconds the load process used over the phase (all its threads, JIT and GC included). */
        double clientCpuSeconds;
        /** The phase's length on the wall clock, s. */
        double wallSeconds;

        Phase(String name, int requests) {
            this.name = name;
            this.requests = requests;
            this.example = new int[requests];
            this.latencyNanos = new long[requests];
            Arrays.fill(latencyNanos, -1);
            this.doneWallMs = new long[requests];
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
                                            + (body[i] == null ? "" : new String(body[i], StandardCharsets.UTF_8)));
                }
            }
            return null;
        }
    }

    /** The largest answer body kept (a single-example answer is under 200 bytes; an error under 1 KiB). */
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final HttpClient client;
    private final URI predict;
    private final byte[][] bodies;
    private final Duration timeout;
    /**
     * Requests in flight at most: at its tick, a request beyond them is not sent and counts as failed, so an
     * overloaded server costs failures rather than a client that queues without end and falls behind its schedule.
     */
    private final int maxInFlight;

    private final Semaphore inFlight;

    /**
     * @param predict the predict URL of the model
     * @param bodies the request body of each example
     * @param timeout a request unanswered for this long has failed
     * @param connections keep-alive connections at most (requests beyond them wait in the client's queue, their
     *     latency still counted from their intended send time)
     * @param maxInFlight requests in flight at most (see {@link #maxInFlight})
     */
    ServeLoad(URI predict, byte[][] bodies, Duration timeout, int connections, int maxInFlight) throws Exception {
        this.predict = predict;
        this.bodies = bodies;
        this.timeout = timeout;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        QueuedThreadPool pool = new QueuedThreadPool(8, 2);
        pool.setName("bench-serve-load");
        pool.setDaemon(true);
        this.client = new HttpClient();
        client.setExecutor(pool);
        client.setMaxConnectionsPerDestination(connections);
        client.setMaxRequestsQueuedPerDestination(maxInFlight + 1);
        client.setConnectTimeout(5_000);
        client.setIdleTimeout(120_000);
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.start();
    }

    /**
     * Sends {@code rate * seconds} requests, one every {@code 1/rate} s from now, example {@code (first + i) mod
     * bodies}; waits for every answer (or its timeout) before returning.
     */
    Phase run(String name, double rate, double seconds, int first) throws InterruptedException {
        int n = (int) Math.max(1, Math.round(rate * seconds));
        Phase p = new Phase(name, n);
        CountDownLatch answered = new CountDownLatch(n);
        long cpu0 = processCpuNanos();
        long period = (long) (1e9 / rate);
        long start = System.nanoTime() + 1_000_000;
        // The wall clock of an answer: the epoch ms of the phase's start plus the nanoTime elapsed since.
        long wall0 = System.currentTimeMillis();
        long nano0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = start + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int ex = Math.floorMod(first + i, bodies.length);
            p.example[i] = ex;
            if (!inFlight.tryAcquire()) {
                p.error[i] = "not sent: " + maxInFlight + " requests already in flight (the server is behind)";
                answered.countDown();
                continue;
            }
            int k = i;
            client.newRequest(predict)
                    .method(HttpMethod.POST)
                    .body(new BytesRequestContent("application/json", bodies[ex]))
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send(new BufferingResponseListener(MAX_ANSWER_BYTES) {
                        @Override
                        public void onComplete(Result result) {
                            long done = System.nanoTime();
                            p.latencyNanos[k] = done - due;
                            p.doneWallMs[k] = wall0 + (done - nano0) / 1_000_000;
                            if (result.isFailed()) {
                                p.error[k] = causes(result.getFailure());
                            } else {
                                p.status[k] = result.getResponse().getStatus();
                                p.body[k] = getContent();
                            }
                            inFlight.release();
                            answered.countDown();
                        }
                    });
        }
        if (!answered.await(timeout.toMillis() + 60_000, TimeUnit.MILLISECONDS)) {
            // A request still unanswered has no status: it counts as failed.
            for (int i = 0; i < n; i++) {
                if (p.status[i] == 0 && p.error[i] == null) {
                    p.error[i] = "no answer and no timeout within " + (timeout.toMillis() + 60_000) + " ms";
                }
            }
        }
        p.clientCpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        p.wallSeconds = (System.nanoTime() - nano0) / 1e9;
        return p;
    }

    /** The exception with its causes, e.g. {@code EOFException <- ...}. */
    static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Throwable t = e;
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

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : 0;
    }

    void close() throws Exception {
        client.stop();
    }

    // ---------------------------------------------------------------- files between the two processes

    static void writeBodies(byte[][] bodies, Path file) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            o.writeInt(bodies.length);
            for (byte[] b : bodies) {
                o.writeInt(b.length);
                o.write(b);
            }
        }
    }

    static byte[][] readBodies(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            byte[][] out = new byte[in.readInt()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = in.readNBytes(in.readInt());
            }
            return out;
        }
    }

    /** A phase's outcome, every request: example, latency, answer time, status, body, error. */
    static void write(Phase p, Path file) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            o.writeUTF(p.name);
            o.writeInt(p.requests);
            o.writeDouble(p.clientCpuSeconds);
            o.writeDouble(p.wallSeconds);
            for (int i = 0; i < p.requests; i++) {
                o.writeInt(p.example[i]);
                o.writeLong(p.latencyNanos[i]);
                o.writeLong(p.doneWallMs[i]);
                o.writeInt(p.status[i]);
                byte[] b = p.body[i];
                o.writeInt(b == null ? -1 : b.length);
                if (b != null) {
                    o.write(b);
                }
                String e = p.error[i];
                o.writeBoolean(e != null);
                if (e != null) {
                    o.writeUTF(e.length() > 2000 ? e.substring(0, 2000) : e);
                }
            }
        }
    }

    static Phase read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            String name = in.readUTF();
            Phase p = new Phase(name, in.readInt());
            p.clientCpuSeconds = in.readDouble();
            p.wallSeconds = in.readDouble();
            for (int i = 0; i < p.requests; i++) {
                p.example[i] = in.readInt();
                p.latencyNanos[i] = in.readLong();
                p.doneWallMs[i] = in.readLong();
                p.status[i] = in.readInt();
                int len = in.readInt();
                p.body[i] = len < 0 ? null : in.readNBytes(len);
                p.error[i] = in.readBoolean() ? in.readUTF() : null;
            }
            return p;
        }
    }

    // ---------------------------------------------------------------- the load process

    /**
     * The load process: {@code ServeLoad URL BODIES_FILE TIMEOUT_MS CONNECTIONS MAX_IN_FLIGHT}, then commands on
     * stdin (see the class comment).
     */
    public static void main(String[] argv) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ServeLoad load = new ServeLoad(
                URI.create(argv[0]),
                readBodies(Path.of(argv[1])),
                Duration.ofMillis(Long.parseLong(argv[2])),
                Integer.parseInt(argv[3]),
                Integer.parseInt(argv[4]));
        out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
                String[] w = line.trim().split(" ");
                if (w.length != 6 || !w[0].equals("run")) {
                    out.println("error: unknown command '" + line + "'");
                    continue;
                }
                Phase p = load.run(w[1], Double.parseDouble(w[2]), Double.parseDouble(w[3]), Integer.parseInt(w[4]));
                write(p, Path.of(w[5]));
                out.println("done " + w[1]);
            }
        } finally {
            load.close();
        }
        System.exit(0);
    }

    /** The benchmark's handle on the load process. */
    static final class Remote implements AutoCloseable {
        private final Process process;
        private final Path dir;
        private final BufferedReader answers;
        private final Path log;

        private Remote(Process process, Path dir, Path log) {
            this.process = process;
            this.dir = dir;
            this.log = log;
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /**
         * Starts the load process: this JVM's java and classpath, a small heap, {@code cpuPrefix} (e.g. {@code
         * taskset -c 0}) before it; returns once its client is started.
         */
        static Remote start(
                List<String> cpuPrefix,
                URI predict,
                byte[][] bodies,
                Duration timeout,
                int connections,
                int maxInFlight,
                Path dir)
                throws IOException {
            Files.createDirectories(dir);
            Path bodiesFile = dir.resolve("bodies.bin");
            writeBodies(bodies, bodiesFile);
            List<String> cmd = new ArrayList<>(cpuPrefix);
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of(
                    "-Xms256m",
                    "-Xmx1g",
                    "-XX:+UseParallelGC",
                    "-Djava.io.tmpdir=" + dir,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ServeLoad.class.getName(),
                    predict.toString(),
                    bodiesFile.toString(),
                    String.valueOf(timeout.toMillis()),
                    String.valueOf(connections),
                    String.valueOf(maxInFlight)));
            Path log = dir.resolve("load.log");
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            Remote r = new Remote(p, dir, log);
            r.expect("ready");
            return r;
        }

        /** One phase, run by the load process; its outcome read back. */
        Phase run(String name, double rate, double seconds, int first) throws IOException {
            Path file = dir.resolve("phase-" + name + ".bin");
            String line = "run " + name + " " + rate + " " + seconds + " " + first + " " + file + "\n";
            process.getOutputStream().write(line.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
            expect("done " + name);
            Phase p = read(file);
            Files.deleteIfExists(file);
            return p;
        }

        long pid() {
            return process.pid();
        }

        private void expect(String what) throws IOException {
            String line = answers.readLine();
            if (!what.equals(line)) {
                throw new IllegalStateException("the load process answered '" + line + "' instead of '" + what
                        + "'" + (process.isAlive() ? "" : " and exited with status " + exitValue()) + "; its log ("
                        + log + "):\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        }

        private int exitValue() {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                try {
                    process.getOutputStream().write("quit\n".getBytes(StandardCharsets.UTF_8));
                    process.getOutputStream().flush();
                } catch (IOException e) {
                    // Already gone.
                }
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor();
                }
            }
        }
    }
}

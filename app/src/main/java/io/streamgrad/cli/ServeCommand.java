package io.streamgrad.cli;

import io.streamgrad.serving.ModelFollower;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/**
 * {@code streamgrad serve}: follows the models topic ({@link ModelFollower}) and answers predictions over HTTP/JSON
 * ({@link PredictionServer}) until stopped (Ctrl-C).
 */
final class ServeCommand {
    static final String USAGE = """
            usage: streamgrad serve --bootstrap-servers HOST:PORT --topic MODELS [--updates-topic UPDATES]
                                    [--model ID[,ID...]] [--port N] [--bind ADDRESS] [--threads N] [--retain N]
                                    [--max-queued N] [--kafka-config FILE]
              Serves the newest committed version of each model on the models topic over HTTP/JSON, swapping in
              each new version atomically as the job publishes it (read_committed).
              --updates-topic  also follow the job's updates topic: versions published as deltas are applied
                           to the version before them, copying only the parameter blocks they touch; every
                           version is served in order. Default: full versions only.
              --model      the models to serve (comma-separated); /healthz is 200 once each has a version.
                           Default: every model on the topic.
              --port       HTTP port (default 8080; 0 picks a free one)   --bind  address (default 127.0.0.1)
              --threads    request threads (default 8)   --retain  versions kept per model for pin/rollback (3),
                           mf models too
              --max-queued requests waiting for a thread beyond which a request is answered 503 with
                           Retry-After: 1 at once, so that an overload is refused quickly rather than queued
                           without bound (default 256)
              endpoints:
                POST /v1/models/ID:predict     {"dense": [...]} or {"indices": [...], "values": [...]} or
                                               {"named": {"name": 1.0}}, or {"examples": [{...}, ...]}
                                               -> {"model_id", "version", "predictions": [...]}
                GET  /v1/models, /v1/models/ID  versions, step, examples seen, staleness, retained versions
                POST /v1/models/ID:pin?version=V, :unpin, :rollback[?version=V]
                GET  /metrics (Prometheus text), /healthz
              recommendation (mf) models, read from --updates-topic:
                GET  /v1/models/ID/recommend?user=U[&k=10][&exclude=I1,I2]  exact top k for U (ties: smaller id)
                                               without the items the caller says U has seen; an unknown user gets
                                               the most popular items ("fallback": "popular_items")
                GET  /v1/models/ID/score?user=U&item=I   g + b_u + b_i + p_u.q_i (a missing row adds nothing)
                GET  /v1/models, /v1/models/ID  list and describe them too ("kind": "mf", rows per table);
                                               :pin, :unpin and :rollback work as for the other models, on the
                                               last --retain versions (they share unchanged row blocks)""";

    private ServeCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "streamgrad-serve-stop"));
        return run(argv, out, err, () -> {
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        });
    }

    /** As {@link #run(List, PrintStream, PrintStream)}, serving until {@code stopped} returns true. */
    static int run(List<String> argv, PrintStream out, PrintStream err, BooleanSupplier stopped) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of(
                        "bootstrap-servers",
                        "topic",
                        "updates-topic",
                        "model",
                        "port",
                        "bind",
                        "threads",
                        "retain",
                        "max-queued",
                        "kafka-config"),
                Set.of());
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        List<String> models = new ArrayList<>();
        if (args.has("model")) {
            for (String id : args.get("model", "").split(",", -1)) {
                if (id.isBlank()) {
                    throw new UsageException("--model: a blank model id in '" + args.get("model", "")
                            + "'; give model ids separated by commas, e.g. --model clicks,churn");
                }
                models.add(id.trim());
            }
        }
        int port = (int) args.longValue("port", 8080, 0, 65535);
        String bind = args.get("bind", "127.0.0.1");
        int threads = (int) args.longValue("threads", 8, 1, 1024);
        int retain = (int) args.longValue("retain", 3, 1, 1000);
        int maxQueued = (int) args.longValue("max-queued", PredictionServer.DEFAULT_MAX_QUEUED, 0, 1_000_000);

        ModelFollower.Builder builder = ModelFollower.builder()
                .clientProperties(client)
                .modelsTopic(topic)
                .retainVersions(retain);
        if (args.has("updates-topic")) {
            builder.updatesTopic(args.required("updates-topic"));
        }
        if (models.isEmpty()) {
            builder.followAll();
        } else {
            builder.follow(models);
        }
        try (ModelFollower follower = builder.build().start();
                PredictionServer server =
                        new PredictionServer(follower, new InetSocketAddress(bind, port), threads, maxQueued)) {
            out.println("serving " + (models.isEmpty() ? "every model" : "models " + models) + " of topic '" + topic
                    + "'"
                    + (args.has("updates-topic") ? " and updates topic '" + args.get("updates-topic", "") + "'" : "")
                    + " on http://" + hostPort(server.address()) + " (GET /healthz, /v1/models, /metrics;"
                    + " POST /v1/models/ID:predict); Ctrl-C stops");
            out.flush();
            while (!stopped.getAsBoolean()) {
                Thread.sleep(100);
            }
        }
        return 0;
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}

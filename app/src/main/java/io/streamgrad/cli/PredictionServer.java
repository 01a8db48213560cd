package io.streamgrad.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.streamgrad.cli.ServeMetrics.Route;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.serving.FollowerMetrics;
import io.streamgrad.serving.ModelFollower;
import io.streamgrad.serving.ServableModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/JSON face of a {@link ModelFollower} ({@code streamgrad serve}), on the JDK's
 * {@code com.sun.net.httpserver} (no hand-written HTTP parsing, no extra dependency):
 *
 * <pre>
 * POST /v1/models/{id}:predict            one example object, or {"examples": [...]} (the job's JSON form)
 * GET  /v1/models                         every followed model
 * GET  /v1/models/{id}                    version, step, examples seen, created_at, staleness, retained versions
 * POST /v1/models/{id}:pin?version=V      serve version V until :unpin
 * POST /v1/models/{id}:unpin              follow the newest again
 * POST /v1/models/{id}:rollback[?version=V]  the previous retained version (or V), pinned
 * GET  /metrics                           Prometheus text
 * GET  /healthz                           200 once every followed model has a version, else 503
 * </pre>
 *
 * A prediction reads the model's live version once, so its answer comes from one whole version, and names it. A
 * bad request is a 400 whose JSON {@code error} names the {@code field} and the fix, an unknown model or path a
 * 404, a wrong method a 405; every request is answered inside its own try, so no request can stop the server.
 */
final class PredictionServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PredictionServer.class);
    /** The largest request body read (the job's largest record); a larger one is refused with a 413. */
    static final int MAX_BODY_BYTES = io.streamgrad.job.config.JobDefaults.MAX_RECORD_BYTES;

    /** Idle keep-alive connections kept open (unless sun.net.httpserver.maxIdleConnections is set). */
    static final int MAX_IDLE_CONNECTIONS = 8192;

    /**
     * Connections waiting to be accepted (the JDK's own default is 50; the kernel caps it at
     * net.core.somaxconn): a burst of new connections beyond it waits for the client's SYN retry (1 s, then 3 s).
     */
    static final int BACKLOG = 4096;

    static {
        // The JDK server writes a response's headers and body separately; with Nagle's algorithm on, the body waits
        // for the client's delayed ACK (about 40 ms per keep-alive request, measured in ServeIT). Read once, by the
        // server's configuration class: set before the first server is created, unless the user set it.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // The JDK server keeps at most this many idle keep-alive connections (its default: 200) and closes any
        // connection that finishes a response beyond them: a client with more connections than that (an open-loop
        // load, a pool per client process) then reconnects on almost every request, through the accept backlog and
        // the server's one dispatcher thread. Idle connections cost a socket each and still close after
        // sun.net.httpserver.idleInterval (30 s) without a request.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", String.valueOf(MAX_IDLE_CONNECTIONS));
        }
    }

    private static final String PREFIX = "/v1/models/";
    private static final Set<String> ACTIONS = Set.of("predict", "pin", "unpin", "rollback");

    private final ModelFollower follower;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper mapper = new ObjectMapper();
    private final PredictRequests requests = new PredictRequests();
    private final ServeMetrics metrics = new ServeMetrics();

    /**
     * Starts answering on {@code address} (port 0: any free port, see {@link #port()}).
     *
     * @param threads request threads
     */
    PredictionServer(ModelFollower follower, InetSocketAddress address, int threads) throws IOException {
        this.follower = follower;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "streamgrad-serve-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(address, BACKLOG);
        server.createContext("/", RecsRoutes.wrap(follower, this::handle)); // recommend/score, then the rest
        server.setExecutor(executor);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------------------------------ requests

    /** One answer: status, JSON (or text) body, and the route it is counted under. */
    private record Answer(Route route, int status, String contentType, byte[] body, String allow) {}

    /** A request the server refuses: the status and the JSON error. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String field;
        final transient String allow;

        Refused(int status, String field, String message) {
            this(status, field, message, null);
        }

        Refused(int status, String field, String message, String allow) {
            super(message);
            this.status = status;
            this.field = field;
            this.allow = allow;
        }
    }

    private void handle(HttpExchange ex) {
        long start = System.nanoTime();
        Route route = Route.OTHER;
        Answer answer;
        try {
            route = route(ex);
            answer = answer(ex, route);
        } catch (Refused r) {
            answer = error(route, r.status, r.field, r.getMessage(), r.allow);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug, not the request's fault: say so, and keep serving.
            LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            answer = error(
                    route, 500, null, "internal error: " + e + " (a bug in streamgrad serve; please report)", null);
        }
        try {
            if (answer.allow() != null) {
                ex.getResponseHeaders().set("Allow", answer.allow());
            }
            ex.getResponseHeaders().set("Content-Type", answer.contentType());
            ex.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(answer.body());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not answer {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        } finally {
            ex.close();
            metrics.record(answer.route(), answer.status(), System.nanoTime() - start);
        }
    }

    /** The route of a request's path (for its metrics), before anything else is checked. */
    private static Route route(HttpExchange ex) {
        String path = path(ex.getRequestURI());
        switch (path) {
            case "/healthz":
                return Route.HEALTHZ;
            case "/metrics":
                return Route.METRICS;
            case "/v1/models":
                return Route.MODELS;
            default:
        }
        if (!path.startsWith(PREFIX)) {
            return Route.OTHER;
        }
        String rest = path.substring(PREFIX.length());
        int colon = rest.lastIndexOf(':');
        if (colon < 0) {
            return Route.MODEL;
        }
        return switch (rest.substring(colon + 1)) {
            case "predict" -> Route.PREDICT;
            case "pin" -> Route.PIN;
            case "unpin" -> Route.UNPIN;
            case "rollback" -> Route.ROLLBACK;
            default -> Route.OTHER;
        };
    }

    private Answer answer(HttpExchange ex, Route route) throws Refused {
        String method = ex.getRequestMethod();
        String path = path(ex.getRequestURI());
        Map<String, String> query = query(ex.getRequestURI());
        switch (route) {
            case HEALTHZ -> {
                method(method, "GET");
                noQuery(query, Set.of());
                return healthz();
            }
            case METRICS -> {
                method(method, "GET");
                noQuery(query, Set.of());
                return new Answer(
                        route,
                        200,
                        "text/plain; version=0.0.4; charset=utf-8",
                        metrics.render(follower.metrics()).getBytes(StandardCharsets.UTF_8),
                        null);
            }
            case MODELS -> {
                method(method, "GET");
                noQuery(query, Set.of());
                return json(route, 200, models());
            }
            case OTHER -> {
                String rest = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : null;
                if (rest != null && rest.lastIndexOf(':') >= 0) {
                    String action = rest.substring(rest.lastIndexOf(':') + 1);
                    throw new Refused(
                            404,
                            "path",
                            "unknown action ':" + action + "' in " + path + "; the actions are "
                                    + new TreeSet<>(ACTIONS) + ", e.g. POST /v1/models/ID:predict");
                }
                throw new Refused(
                        404,
                        "path",
                        "no such path " + path + "; the paths are /v1/models, /v1/models/ID, /v1/models/ID:predict,"
                                + " :pin, :unpin, :rollback, /metrics, /healthz");
            }
            default -> {}
        }
        String rest = path.substring(PREFIX.length());
        int colon = rest.lastIndexOf(':');
        String id = colon < 0 ? rest : rest.substring(0, colon);
        if (route == Route.MODEL) {
            method(method, "GET");
            noQuery(query, Set.of());
            return json(route, 200, modelInfo(id, known(id)));
        }
        method(method, "POST");
        ServableModel live = known(id);
        return switch (route) {
            case PREDICT -> {
                noQuery(query, Set.of());
                yield predict(ex, id, live);
            }
            case PIN -> {
                noQuery(query, Set.of("version"));
                long version = version(query, true);
                yield json(route, 200, modelInfo(id, control(() -> follower.pin(id, version))));
            }
            case UNPIN -> {
                noQuery(query, Set.of());
                yield json(route, 200, modelInfo(id, control(() -> follower.unpin(id))));
            }
            case ROLLBACK -> {
                noQuery(query, Set.of("version"));
                long version = version(query, false);
                yield json(
                        route,
                        200,
                        modelInfo(
                                id,
                                control(() -> version > 0 ? follower.rollback(id, version) : follower.rollback(id))));
            }
            default -> throw new IllegalStateException("route " + route);
        };
    }

    private Answer predict(HttpExchange ex, String id, ServableModel model) throws Refused {
        if (model == null) {
            throw new Refused(
                    503,
                    null,
                    "model '" + id + "' has no version yet: the job has not published one to "
                            + follower.config().modelsTopic() + "; see /healthz");
        }
        byte[] body = body(ex);
        Batch batch;
        try {
            batch = requests.batch(body, id, model.config());
        } catch (PredictRequests.BadRequest e) {
            throw new Refused(400, e.field, e.getMessage());
        }
        float[] p = model.predict(batch);
        int k = model.outputs();
        ObjectNode out = mapper.createObjectNode();
        out.put("model_id", id);
        out.put("version", model.version());
        ArrayNode predictions = out.putArray("predictions");
        for (int i = 0; i < batch.size(); i++) {
            if (k == 1) {
                predictions.add(p[i]);
            } else {
                ArrayNode row = predictions.addArray();
                for (int c = 0; c < k; c++) {
                    row.add(p[i * k + c]);
                }
            }
        }
        return json(Route.PREDICT, 200, out);
    }

    private Answer healthz() {
        FollowerMetrics m = follower.metrics();
        ObjectNode out = mapper.createObjectNode();
        out.put("ready", m.ready());
        ArrayNode waiting = out.putArray("waiting_for");
        for (String id : new TreeSet<>(follower.config().modelIds())) {
            if (follower.model(id).isEmpty() && follower.recsModel(id).isEmpty()) {
                waiting.add(id);
            }
        }
        if (!m.bootstrapped()) {
            out.put("reason", "still reading models topic '" + follower.config().modelsTopic() + "' to its end");
        }
        if (m.lastError() != null) {
            out.put("last_error", m.lastError());
        }
        return json(Route.HEALTHZ, m.ready() ? 200 : 503, out);
    }

    private ObjectNode models() {
        FollowerMetrics m = follower.metrics();
        ObjectNode out = mapper.createObjectNode();
        out.put("ready", m.ready());
        out.put("models_topic", follower.config().modelsTopic());
        if (follower.config().updatesTopic() != null) {
            out.put("updates_topic", follower.config().updatesTopic());
        }
        ArrayNode list = out.putArray("models");
        Set<String> ids = new TreeSet<>(follower.config().modelIds());
        ids.addAll(m.models().keySet());
        for (String id : ids) {
            list.add(modelInfo(id, follower.model(id).orElse(null)));
        }
        return out;
    }

    /** A model's state; {@code model} is the version to describe (null: none yet). */
    private ObjectNode modelInfo(String id, ServableModel model) {
        FollowerMetrics.ModelMetrics m = follower.metrics().models().get(id);
        ObjectNode o = mapper.createObjectNode();
        o.put("model_id", id);
        if (model == null) {
            o.putNull("version");
            o.put("ready", false);
            return o;
        }
        o.put("ready", true);
        o.put("version", model.version());
        o.put("step", model.step());
        o.put("examples_seen", model.examplesSeen());
        o.put("created_at", model.createdAt().toString());
        o.put("features", model.features());
        o.put("outputs", model.outputs());
        ObjectNode metricsAt = o.putObject("metrics");
        new java.util.TreeMap<>(model.metrics()).forEach(metricsAt::put);
        if (m != null) {
            o.put("staleness_seconds", m.stalenessSeconds());
            o.put("newest_version", m.newestVersion());
            o.put("versions_behind", m.versionsBehindNewest());
            if (m.pinnedVersion().isPresent()) {
                o.put("pinned_version", m.pinnedVersion().getAsLong());
            } else {
                o.putNull("pinned_version");
            }
            ArrayNode retained = o.putArray("retained_versions");
            m.retainedVersions().forEach(retained::add);
            o.put("versions_applied", m.versionsApplied());
            o.put("full_versions", m.fullVersions());
            o.put("delta_versions", m.deltaVersions());
            if (m.missingVersion() != 0) {
                o.put("waiting_for_version", m.missingVersion());
                o.put("buffered_deltas", m.bufferedDeltas());
            }
        }
        return o;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The live version of a model the server follows, null when it has none yet; 404 for any other id. */
    private ServableModel known(String id) throws Refused {
        Optional<ServableModel> live = follower.model(id);
        if (live.isPresent()) {
            return live.get();
        }
        if (!id.isEmpty() && follower.config().modelIds().contains(id)) {
            return null;
        }
        Set<String> ids = new TreeSet<>(follower.config().modelIds());
        ids.addAll(follower.models().keySet());
        throw new Refused(
                404,
                "model_id",
                "unknown model '" + abbreviate(id) + "'; this server serves " + ids
                        + (follower.config().modelIds().isEmpty() ? " (every model on the topic)" : "")
                        + ": GET /v1/models lists them");
    }

    /** Runs a pin, unpin or rollback; the follower's refusal (a version not retained) becomes a 400. */
    private ServableModel control(java.util.function.Supplier<ServableModel> action) throws Refused {
        try {
            return action.get();
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "version", e.getMessage());
        } catch (IllegalStateException e) {
            throw new Refused(503, null, e.getMessage());
        }
    }

    private static void method(String method, String allowed) throws Refused {
        if (!allowed.equals(method)) {
            throw new Refused(
                    405, "method", "method " + abbreviate(method) + " is not allowed here; use " + allowed, allowed);
        }
    }

    private static void noQuery(Map<String, String> query, Set<String> known) throws Refused {
        for (String name : query.keySet()) {
            if (!known.contains(name)) {
                throw new Refused(
                        400,
                        name,
                        "unknown query parameter '" + abbreviate(name) + "'"
                                + (known.isEmpty() ? "; this path takes none" : "; known: " + new TreeSet<>(known)));
            }
        }
    }

    /** {@code ?version=V}: required for pin, optional (0 when absent) for rollback. */
    private static long version(Map<String, String> query, boolean required) throws Refused {
        String v = query.get("version");
        if (v == null) {
            if (required) {
                throw new Refused(
                        400, "version", "query parameter 'version' is missing: say which version, e.g. :pin?version=3");
            }
            return 0;
        }
        try {
            long x = Long.parseLong(v);
            if (x < 1) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw new Refused(
                    400,
                    "version",
                    "query parameter 'version' is '" + abbreviate(v) + "': versions are integers from 1;"
                            + " GET /v1/models/ID lists the retained ones");
        }
    }

    private static byte[] body(HttpExchange ex) throws Refused {
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new Refused(
                        413,
                        "body",
                        "the request body is larger than " + MAX_BODY_BYTES
                                + " bytes; send fewer examples per request");
            }
            return body;
        } catch (IOException e) {
            throw new Refused(400, "body", "could not read the request body: " + e.getMessage());
        }
    }

    private static String path(URI uri) {
        String p = uri.getPath();
        return p == null ? "" : p;
    }

    private static Map<String, String> query(URI uri) throws Refused {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Refused(
                        400,
                        "query",
                        "malformed query '" + abbreviate(raw) + "': " + e.getMessage() + "; URL-encode it");
            }
            if (out.put(name, value) != null) {
                throw new Refused(400, name, "query parameter '" + abbreviate(name) + "' given twice; give it once");
            }
        }
        return out;
    }

    private Answer json(Route route, int status, ObjectNode body) {
        try {
            return new Answer(route, status, "application/json", mapper.writeValueAsBytes(body), null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private Answer error(Route route, int status, String field, String message, String allow) {
        ObjectNode o = mapper.createObjectNode();
        o.put("error", message);
        if (field != null) {
            o.put("field", field);
        }
        o.put("status", status);
        try {
            return new Answer(route, status, "application/json", mapper.writeValueAsBytes(o), allow);
        } catch (JsonProcessingException e) {
            return new Answer(route, status, "text/plain", message.getBytes(StandardCharsets.UTF_8), allow);
        }
    }

    /** User input in a message: at most 64 characters. */
    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}

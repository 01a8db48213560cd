package io.streamgrad.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamgrad.cli.ServeMetrics.Route;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.serving.FollowerMetrics;
import io.streamgrad.serving.ModelFollower;
import io.streamgrad.serving.ServableModel;
import io.streamgrad.serving.recs.RecsModel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/JSON face of a {@link ModelFollower} ({@code streamgrad serve}), on Jetty 12's core server (no
 * hand-written HTTP parsing; no servlet layer):
 *
 * <pre>
 * POST /v1/models/{id}:predict            one example object, or {"examples": [...]} (the job's JSON form)
 * GET  /v1/models                         every followed model
 * GET  /v1/models/{id}                    version, step, examples seen, created_at, staleness, retained versions
 *                                         (an mf model: "kind": "mf" and its rows per table)
 * GET  /v1/models/{id}/recommend, /score  recommendation (mf) models ({@link RecsRoutes})
 * POST /v1/models/{id}:pin?version=V      serve version V until :unpin (any kind of model)
 * POST /v1/models/{id}:unpin              follow the newest again
 * POST /v1/models/{id}:rollback[?version=V]  the previous retained version (or V), pinned
 * GET  /metrics                           Prometheus text
 * GET  /healthz                           200 once every followed model has a version, else 503
 * </pre>
 *
 * A prediction reads the model's live version once, so its answer comes from one whole version, and names it. A
 * bad request is a 400 whose JSON {@code error} names the {@code field} and the fix, an unknown model or path a
 * 404, a wrong method a 405; every request is answered inside its own try, so no request can stop the server.
 * Requests Jetty itself refuses before they reach the handler (a malformed request line, an ambiguous URI) get the
 * same JSON error form ({@link JsonErrors}).
 *
 * <p><b>Overload.</b> {@code threads} request threads take readable connections from one queue. A request that
 * finds more than {@code maxQueued} others waiting behind it when its turn comes is answered {@code 503} with
 * {@code Retry-After: 1} and a JSON error at once (no parsing, no prediction), so under a load the server cannot
 * keep up with the queue stays short and every answer comes quickly — a refusal the client can retry — instead of
 * every request waiting longer and longer.
 */
final class PredictionServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PredictionServer.class);
    /** The largest request body read (the job's largest record); a larger one is refused with a 413. */
    static final int MAX_BODY_BYTES = io.streamgrad.job.config.JobDefaults.MAX_RECORD_BYTES;

    /**
     * Connections waiting to be accepted (the kernel caps it at net.core.somaxconn): a burst of new connections
     * beyond it waits for the client's SYN retry (1 s, then 3 s).
     */
    static final int BACKLOG = 4096;

    /** Requests waiting for a thread beyond which a request is refused with a 503 (see the class comment). */
    static final int DEFAULT_MAX_QUEUED = 256;

    private static final String PREFIX = "/v1/models/";
    private static final Set<String> ACTIONS = Set.of("predict", "pin", "unpin", "rollback");

    private final ModelFollower follower;
    private final RecsRoutes recs;
    private final Server server;
    private final ServerConnector connector;
    private final QueuedThreadPool pool;
    private final int maxQueued;
    private final ObjectMapper mapper = new ObjectMapper();
    private final PredictRequests requests = new PredictRequests();
    private final ServeMetrics metrics = new ServeMetrics();

    /**
     * Starts answering on {@code address} (port 0: any free port, see {@link #port()}).
     *
     * @param threads request threads
     */
    PredictionServer(ModelFollower follower, InetSocketAddress address, int threads) throws IOException {
        this(follower, address, threads, DEFAULT_MAX_QUEUED);
    }

    /**
     * @param threads request threads
     * @param maxQueued requests waiting beyond which a request is answered 503 (see the class comment)
     */
    PredictionServer(ModelFollower follower, InetSocketAddress address, int threads, int maxQueued) throws IOException {
        this.follower = follower;
        this.recs = new RecsRoutes(follower);
        this.maxQueued = maxQueued;
        // One acceptor and one selector thread, leased from the pool for good, plus the request threads; no
        // reserved threads (on a small machine they only add hand-offs).
        this.pool = new QueuedThreadPool(threads + 2, Math.min(threads + 2, 4));
        pool.setReservedThreads(0);
        pool.setName("streamgrad-serve");
        pool.setDaemon(true);
        this.server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setAcceptQueueSize(BACKLOG);
        connector.setIdleTimeout(30_000);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                PredictionServer.this.handle(request, response, callback);
                return true;
            }
        });
        server.setErrorHandler(new JsonErrors());
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("could not start the HTTP server on " + address + ": " + e.getMessage(), e);
        }
    }

    int port() {
        return connector.getLocalPort();
    }

    /** Requests (readable connections) waiting for a request thread now. */
    int queued() {
        return pool.getQueueSize();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTP server: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ requests

    /** One answer: status, JSON (or text) body, and the route it is counted under. */
    private record Answer(
            Route route, int status, String contentType, byte[] body, String allow, String retryAfter, String model) {
        Answer(Route route, int status, String contentType, byte[] body, String allow) {
            this(route, status, contentType, body, allow, null, null);
        }
    }

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

    /** One request as the routes see it: method, decoded path, raw query, and the request to read the body from. */
    private record Call(String method, String path, String rawQuery, Request request) {}

    private void handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        Route route = Route.OTHER;
        Answer answer;
        HttpURI uri = request.getHttpURI();
        Call ex = new Call(request.getMethod(), path(uri), uri.getQuery(), request);
        try {
            route = route(ex);
            int queued = pool.getQueueSize();
            if (queued > maxQueued) {
                answer = error(
                        route,
                        503,
                        null,
                        "overloaded: " + queued + " requests are waiting for one of this server's threads (at most "
                                + maxQueued + " may); retry after a second, or spread the load over more servers",
                        null);
                answer = new Answer(route, 503, answer.contentType(), answer.body(), null, "1", null);
            } else {
                answer = answer(ex, route);
            }
        } catch (Refused r) {
            answer = error(route, r.status, r.field, r.getMessage(), r.allow);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug, not the request's fault: say so, and keep serving.
            LOG.error("{} {} failed", ex.method(), uri, e);
            answer = error(
                    route, 500, null, "internal error: " + e + " (a bug in streamgrad serve; please report)", null);
        }
        // A request body the route did not read is read to its end here, so the connection can carry the next
        // request (Jetty closes a connection whose request content was left unread, after the response, and a
        // keep-alive client would send its next request into that closed connection). A body refused as too large
        // is not read on: that connection closes, and the answer says so.
        boolean close = answer.status() == 413;
        if (!close) {
            try {
                Content.Source.consumeAll(request);
            } catch (IOException | RuntimeException e) {
                close = true;
            }
        }
        try {
            response.setStatus(answer.status());
            if (close) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            if (answer.allow() != null) {
                response.getHeaders().put(HttpHeader.ALLOW, answer.allow());
            }
            if (answer.retryAfter() != null) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, answer.retryAfter());
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.body().length);
            response.write(true, ByteBuffer.wrap(answer.body()), callback);
        } catch (RuntimeException e) {
            LOG.debug("could not answer {} {}: {}", ex.method(), uri, e.toString());
            callback.failed(e);
        } finally {
            long nanos = System.nanoTime() - start;
            metrics.record(answer.route(), answer.status(), nanos);
            if (answer.model() != null) {
                metrics.recordModel(answer.route(), answer.model(), answer.status(), nanos);
            }
        }
    }

    /** The route of a request's path (for its metrics), before anything else is checked. */
    private static Route route(Call ex) {
        String path = ex.path();
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
        String recs = RecsRoutes.action(path);
        if (recs != null) {
            return "recommend".equals(recs) ? Route.RECOMMEND : Route.SCORE;
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

    private Answer answer(Call ex, Route route) throws Refused {
        String method = ex.method();
        String path = ex.path();
        if (route == Route.RECOMMEND || route == Route.SCORE) {
            // RecsRoutes reads the query itself, once it knows the model (its refusals are counted per model)
            RecsRoutes.Reply r =
                    recs.answer(method, path, ex.rawQuery(), route == Route.RECOMMEND ? "recommend" : "score");
            return new Answer(route, r.status(), "application/json", r.body(), r.allow(), null, r.modelId());
        }
        Map<String, String> query = query(ex.rawQuery());
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
                        metrics.render(follower.metrics(), follower.recs().models())
                                .getBytes(StandardCharsets.UTF_8),
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
        if (follower.model(id).isEmpty() && follower.recs().knows(id)) {
            return recsModelRoute(ex, route, id, query);
        }
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

    /**
     * GET /v1/models/ID, :pin, :unpin and :rollback for a recommendation ({@code mf}) model: the same routes, answers
     * and refusals as for the other models; :predict is refused (recommend and score answer for it).
     */
    private Answer recsModelRoute(Call ex, Route route, String id, Map<String, String> query) throws Refused {
        String method = ex.method();
        if (route == Route.MODEL) {
            method(method, "GET");
            noQuery(query, Set.of());
            return json(route, 200, recsInfo(id, follower.recsModel(id).orElse(null)));
        }
        method(method, "POST");
        return switch (route) {
            case PREDICT ->
                throw new Refused(
                        404,
                        "path",
                        "model '" + abbreviate(id) + "' is a recommendation (mf) model: it has no :predict; ask"
                                + " GET /v1/models/" + abbreviate(id) + "/recommend?user=U or /score?user=U&item=I");
            case PIN -> {
                noQuery(query, Set.of("version"));
                long version = version(query, true);
                yield json(route, 200, recsInfo(id, recsControl(() -> follower.pinRecs(id, version))));
            }
            case UNPIN -> {
                noQuery(query, Set.of());
                yield json(route, 200, recsInfo(id, recsControl(() -> follower.unpinRecs(id))));
            }
            case ROLLBACK -> {
                noQuery(query, Set.of("version"));
                long version = version(query, false);
                yield json(
                        route,
                        200,
                        recsInfo(
                                id,
                                recsControl(() ->
                                        version > 0 ? follower.rollbackRecs(id, version) : follower.rollbackRecs(id))));
            }
            default -> throw new IllegalStateException("route " + route);
        };
    }

    /** A recommendation model's state, with the same fields as {@link #modelInfo} where they apply. */
    private ObjectNode recsInfo(String id, RecsModel model) {
        FollowerMetrics.ModelMetrics m = follower.metrics().recsModels().get(id);
        ObjectNode o = mapper.createObjectNode();
        o.put("model_id", id);
        o.put("kind", "mf");
        if (model == null) {
            o.putNull("version");
            o.put("ready", false);
        } else {
            o.put("ready", true);
            o.put("version", model.version());
            o.put("full_version", model.fullVersion());
            o.put("step", model.step());
            o.put("examples_seen", model.examplesSeen());
            o.put("created_at", model.createdAt().toString());
            o.put("dim", model.dim());
            ObjectNode rows = o.putObject("rows");
            rows.put("users", model.userRows());
            rows.put("items", model.itemRows());
            ObjectNode metricsAt = o.putObject("metrics");
            new java.util.TreeMap<>(model.metrics()).forEach(metricsAt::put);
        }
        if (m != null) {
            if (model != null) {
                o.put("staleness_seconds", m.stalenessSeconds());
            }
            followerFields(o, m);
        }
        return o;
    }

    /** Runs a pin, unpin or rollback of a recommendation model; a refusal (a version not retained) is a 400. */
    private RecsModel recsControl(java.util.function.Supplier<RecsModel> action) throws Refused {
        try {
            return action.get();
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "version", e.getMessage());
        } catch (IllegalStateException e) {
            throw new Refused(503, null, e.getMessage());
        }
    }

    private Answer predict(Call ex, String id, ServableModel model) throws Refused {
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
        ids.addAll(m.recsModels().keySet());
        for (String id : ids) {
            Optional<ServableModel> dense = follower.model(id);
            if (dense.isEmpty() && follower.recs().knows(id)) {
                list.add(recsInfo(id, follower.recsModel(id).orElse(null)));
            } else {
                list.add(modelInfo(id, dense.orElse(null)));
            }
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
        o.put("kind", model.config().model().type().yamlName());
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
            followerFields(o, m);
        }
        return o;
    }

    /** The follower's view of a model: newest version, pin, retained versions, versions made. */
    private static void followerFields(ObjectNode o, FollowerMetrics.ModelMetrics m) {
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
        ids.addAll(follower.recs().status().keySet());
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

    private static byte[] body(Call ex) throws Refused {
        try (InputStream in = Content.Source.asInputStream(ex.request())) {
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

    /** The decoded path; the raw one where it does not decode (Jetty refuses most such paths before the handler). */
    private static String path(HttpURI uri) {
        String p;
        try {
            p = uri.getDecodedPath();
        } catch (RuntimeException e) {
            p = uri.getPath();
        }
        return p == null ? "" : p;
    }

    private static Map<String, String> query(String raw) throws Refused {
        Map<String, String> out = new LinkedHashMap<>();
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

    /**
     * Jetty's own refusals (a request it cannot parse or will not route: bad request line, ambiguous URI, header too
     * large) in the server's JSON error form instead of Jetty's HTML page.
     */
    private final class JsonErrors extends ErrorHandler {
        /** An error body for every method (Jetty's default: GET, POST and HEAD only, an empty body otherwise). */
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(
                Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            Answer a = error(
                    Route.OTHER,
                    code,
                    code == 400 ? "request" : null,
                    "the HTTP server refused the request: " + (message == null ? "status " + code : message)
                            + (code == 400 ? "; send a well-formed HTTP/1.1 request with a plain path" : ""),
                    null);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, a.contentType());
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, a.body().length);
            // The request's body, if any, is left unread: the connection closes after this answer, and says so.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            response.write(true, ByteBuffer.wrap(a.body()), callback);
            metrics.record(Route.OTHER, code, 0);
        }
    }
}

package io.streamgrad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamgrad.serving.ModelFollower;
import io.streamgrad.serving.recs.RecsModel;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recommendation endpoints of {@code streamgrad serve}, for models the follower reads as {@code RecsVersion}s:
 *
 * <ul>
 *   <li>{@code GET /v1/models/ID/recommend?user=U[&k=10][&exclude=I1,I2]}: the exact top k items of the live
 *       version for user U, best first (ties: smaller item id), without the excluded items (the caller's list of
 *       items the user has already seen: the server keeps no history). A user without a row gets the k most
 *       popular items (highest interaction count, ties: smaller id), marked {@code "fallback": "popular_items"};</li>
 *   <li>{@code GET /v1/models/ID/score?user=U&item=I}: {@code g + b_u + b_i + p_u · q_i}; a user or item without a
 *       row contributes nothing (an unknown item scores {@code g + b_u}), marked {@code "fallback"}.</li>
 * </ul>
 *
 * Both take the context ids of a model with context fields as {@code context.FIELD=ID} (e.g.
 * {@code &context.device=ios&context.country=DE}; any subset of the fields its config declares): the score becomes
 * the factorization machine over user, item and context rows, and top-k ranks under that context. A context id
 * without a row (unknown, not admitted yet, expired) contributes nothing and is listed in {@code "unknown_context"};
 * a field the model does not declare is a 400.
 *
 * Every answer names the version it came from (the whole request is answered from that one version). Bad
 * parameters are a 400 whose JSON names the parameter and the fix. The prediction server routes these two paths
 * here ({@link #action}) and writes the {@link Reply}; everything else it answers itself.
 */
final class RecsRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(RecsRoutes.class);
    private static final String PREFIX = "/v1/models/";
    static final int DEFAULT_K = 10;
    static final int MAX_K = 1000;
    static final int MAX_EXCLUDE = 10_000;

    private final ModelFollower follower;
    private final ObjectMapper mapper = new ObjectMapper();

    RecsRoutes(ModelFollower follower) {
        this.follower = follower;
    }

    /**
     * One answer: the status, the JSON body, for a 405 the methods allowed, and the model it was answered for (null
     * when the path named no recommendation model the server follows: per-model metrics count only followed ones).
     */
    record Reply(int status, byte[] body, String allow, String modelId) {}

    /** "recommend" or "score" for this server's recommendation paths, else null. */
    static String action(String path) {
        if (path == null || !path.startsWith(PREFIX)) {
            return null;
        }
        if (path.endsWith("/recommend") && path.length() > PREFIX.length() + "/recommend".length()) {
            return "recommend";
        }
        if (path.endsWith("/score") && path.length() > PREFIX.length() + "/score".length()) {
            return "score";
        }
        return null;
    }

    /** A refused request: status, the parameter at fault (or null) and what to do. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String field;

        Refusal(int status, String field, String message) {
            super(message);
            this.status = status;
            this.field = field;
        }
    }

    /** The answer to {@code method path?rawQuery}, a path {@link #action} names {@code action} for. */
    Reply answer(String method, String path, String rawQuery, String action) {
        int status = 200;
        String allow = null;
        String modelId = null;
        ObjectNode body;
        try {
            if (!"GET".equals(method)) {
                allow = "GET";
                throw new Refusal(
                        405, "method", "method " + cut(method) + " is not allowed on /" + action + "; use GET");
            }
            String id = path.substring(PREFIX.length(), path.length() - action.length() - 1);
            RecsModel model = model(id);
            modelId = model.modelId();
            Map<String, String> q = params(rawQuery);
            body = "recommend".equals(action) ? recommend(model, q) : score(model, q);
        } catch (Refusal r) {
            status = r.status;
            body = mapper.createObjectNode();
            body.put("error", r.getMessage());
            if (r.field != null) {
                body.put("field", r.field);
            }
            body.put("status", r.status);
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", method, path, e);
            status = 500;
            body = mapper.createObjectNode();
            body.put("error", "internal error: " + e + " (a bug in streamgrad serve; please report)");
            body.put("status", 500);
        }
        try {
            return new Reply(status, mapper.writeValueAsBytes(body), allow, modelId);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree failed", e);
        }
    }

    private RecsModel model(String id) throws Refusal {
        Optional<RecsModel> live = follower.recsModel(id);
        if (live.isPresent()) {
            return live.get();
        }
        if (follower.model(id).isPresent()) {
            throw new Refusal(
                    404,
                    "path",
                    "model '" + cut(id) + "' is not a recommendation model (it is served" + " by POST /v1/models/"
                            + cut(id) + ":predict)");
        }
        if (follower.recs().status().containsKey(id)) {
            throw new Refusal(
                    503,
                    null,
                    "recommendation model '" + cut(id) + "' has no complete FULL version yet" + " on updates topic '"
                            + follower.config().updatesTopic() + "'; retry shortly (see /healthz)");
        }
        throw new Refusal(
                404,
                "path",
                "no recommendation model '" + cut(id) + "'"
                        + (follower.config().updatesTopic() == null
                                ? ": serve reads recommendation models from the job's updates topic; start it with"
                                        + " --updates-topic"
                                : " on updates topic '" + follower.config().updatesTopic() + "'; known: "
                                        + follower.recs().models().keySet()));
    }

    private ObjectNode recommend(RecsModel model, Map<String, String> q) throws Refusal {
        Map<String, String> context = context(model, q);
        known(q, Set.of("user", "k", "exclude"), "user, k, exclude, context.FIELD (e.g. ?user=u1&k=10&exclude=i3,i9)");
        String user = required(q, "user", "?user=U: the user to recommend items for");
        int k = DEFAULT_K;
        String kText = q.get("k");
        if (kText != null) {
            try {
                k = Integer.parseInt(kText);
            } catch (NumberFormatException e) {
                k = -1;
            }
            if (k < 1 || k > MAX_K) {
                throw new Refusal(
                        400,
                        "k",
                        "k is '" + cut(kText) + "': give an integer from 1 to " + MAX_K + " (default " + DEFAULT_K
                                + ")");
            }
        }
        Set<String> exclude = new LinkedHashSet<>();
        String ex = q.get("exclude");
        if (ex != null && !ex.isEmpty()) {
            for (String item : ex.split(",", -1)) {
                if (item.isEmpty()) {
                    throw new Refusal(
                            400,
                            "exclude",
                            "exclude has an empty item id: give item ids separated by" + " commas, e.g. exclude=i3,i9");
                }
                exclude.add(item);
            }
            if (exclude.size() > MAX_EXCLUDE) {
                throw new Refusal(
                        400,
                        "exclude",
                        "exclude lists " + exclude.size() + " items; at most " + MAX_EXCLUDE
                                + " (send the most recent ones)");
            }
        }
        RecsModel.Recommendation r = model.recommend(user, k, exclude, context);
        ObjectNode out = head(model);
        out.put("user", user);
        out.put("k", k);
        putContext(out, model, context);
        if (r.fallback()) {
            out.put("fallback", "popular_items");
            out.put(
                    "reason",
                    "user '" + cut(user) + "' has no row in version " + model.version()
                            + " (not seen, not admitted yet, or expired): the most popular items");
        } else {
            out.putNull("fallback");
        }
        ArrayNode items = out.putArray("items");
        for (RecsModel.Scored s : r.items()) {
            ObjectNode o = items.addObject();
            o.put("item", s.item());
            o.put("score", s.score());
            o.put("count", s.count());
        }
        return out;
    }

    private ObjectNode score(RecsModel model, Map<String, String> q) throws Refusal {
        Map<String, String> context = context(model, q);
        known(q, Set.of("user", "item"), "user, item, context.FIELD (e.g. ?user=u1&item=i7)");
        String user = required(q, "user", "?user=U&item=I: the user and the item to score");
        String item = required(q, "item", "?user=U&item=I: the user and the item to score");
        RecsModel.Score s = model.score(user, item, context);
        ObjectNode out = head(model);
        out.put("user", user);
        out.put("item", item);
        putContext(out, model, context);
        out.put("score", s.score());
        if (s.userKnown() && s.itemKnown()) {
            out.putNull("fallback");
        } else {
            out.put(
                    "fallback",
                    !s.userKnown() && !s.itemKnown()
                            ? "unknown_user_and_item"
                            : !s.userKnown() ? "unknown_user" : "unknown_item");
            out.put(
                    "reason",
                    "a user or item without a row in version " + model.version()
                            + " contributes nothing: the score is the global bias plus the known row's bias");
        }
        return out;
    }

    /**
     * The {@code context.FIELD} parameters, removed from {@code q}, checked against the model's context fields.
     */
    private static Map<String, String> context(RecsModel model, Map<String, String> q) throws Refusal {
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = q.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            if (!e.getKey().startsWith("context.")) {
                continue;
            }
            String field = e.getKey().substring("context.".length());
            if (!model.contextFields().contains(field)) {
                throw new Refusal(
                        400,
                        e.getKey(),
                        "model '" + cut(model.modelId()) + "' has no context field '" + cut(field) + "'; "
                                + (model.contextFields().isEmpty()
                                        ? "it declares none (context: in its config)"
                                        : "its context fields are " + model.contextFields()));
            }
            if (e.getValue().isEmpty()) {
                throw new Refusal(
                        400,
                        e.getKey(),
                        "query parameter '" + cut(e.getKey()) + "' is empty: give an id or leave it out");
            }
            out.put(field, e.getValue());
            it.remove();
        }
        return out;
    }

    /** Echoes the context and lists the fields whose id has no row in this version. */
    private void putContext(ObjectNode out, RecsModel model, Map<String, String> context) {
        if (context.isEmpty()) {
            return;
        }
        ObjectNode c = out.putObject("context");
        ArrayNode unknown = mapper.createArrayNode();
        context.forEach((f, id) -> {
            c.put(f, id);
            if (model.row(f, id) == null) {
                unknown.add(f);
            }
        });
        out.set("unknown_context", unknown);
    }

    private ObjectNode head(RecsModel model) {
        ObjectNode out = mapper.createObjectNode();
        out.put("model_id", model.modelId());
        out.put("version", model.version());
        return out;
    }

    private static void known(Map<String, String> q, Set<String> names, String hint) throws Refusal {
        for (String name : q.keySet()) {
            if (!names.contains(name)) {
                throw new Refusal(400, name, "unknown query parameter '" + cut(name) + "'; this path takes " + hint);
            }
        }
    }

    private static String required(Map<String, String> q, String name, String hint) throws Refusal {
        String v = q.get(name);
        if (v == null || v.isEmpty()) {
            throw new Refusal(
                    400,
                    name,
                    "query parameter '" + name + "' is " + (v == null ? "missing" : "empty") + ": give " + hint);
        }
        return v;
    }

    private static Map<String, String> params(String raw) throws Refusal {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] kv = pair.split("=", 2);
            String name;
            String value;
            try {
                name = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
                value = kv.length < 2 ? "" : URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Refusal(400, "query", "malformed query: " + e.getMessage() + "; URL-encode the values");
            }
            if (out.containsKey(name)) {
                throw new Refusal(400, name, "query parameter '" + cut(name) + "' is given twice; give it once");
            }
            out.put(name, value);
        }
        return out;
    }

    /** User input in messages: at most 64 characters. */
    private static String cut(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}

package io.streamgrad.cli;

import io.streamgrad.serving.FollowerMetrics;
import io.streamgrad.serving.recs.RecsModel;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The prediction server's metrics in the Prometheus text exposition format (version 0.0.4): requests by route and
 * status code, a request latency histogram by route, and the follower's per-model gauges (live version, versions
 * applied, staleness, versions behind, apply time, pinned version) for every model, recommendation ({@code mf})
 * models included (with their rows per table). Recommend and score requests are also counted, with a latency
 * histogram, per model ({@code streamgrad_serve_model_requests_total{model,route,code}},
 * {@code streamgrad_serve_model_request_seconds{model,route}}). Routes are a fixed set, so no request can add a time
 * series; model labels come from the topics only (a request naming a model the server does not follow is counted
 * under its route alone).
 *
 * <p>Thread-safe; recording a request is a few {@link LongAdder} increments.
 */
final class ServeMetrics {
    /** Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied. */
    static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

    /** The routes a request is counted under. */
    enum Route {
        PREDICT,
        RECOMMEND,
        SCORE,
        MODELS,
        MODEL,
        PIN,
        UNPIN,
        ROLLBACK,
        METRICS,
        HEALTHZ,
        OTHER;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Histogram[] latency = new Histogram[Route.values().length];
    /** Per model (followed recommendation models only) and route: requests by code, and latency. */
    private final Map<String, LongAdder> modelRequests = new ConcurrentHashMap<>();

    private final Map<String, Histogram> modelLatency = new ConcurrentHashMap<>();

    ServeMetrics() {
        for (Route r : Route.values()) {
            latency[r.ordinal()] = new Histogram();
        }
    }

    void record(Route route, int status, long nanos) {
        requests.computeIfAbsent("route=\"" + route.label() + "\",code=\"" + status + "\"", k -> new LongAdder())
                .increment();
        latency[route.ordinal()].observe(nanos / 1e9);
    }

    /** A request answered for a followed model ({@code model} comes from the topics, never from the request). */
    void recordModel(Route route, String model, int status, long nanos) {
        String labels = "model=\"" + escape(model) + "\",route=\"" + route.label() + "\"";
        modelRequests
                .computeIfAbsent(labels + ",code=\"" + status + "\"", k -> new LongAdder())
                .increment();
        modelLatency.computeIfAbsent(labels, k -> new Histogram()).observe(nanos / 1e9);
    }

    /** {@link #render(FollowerMetrics, Map)} without recommendation models' rows. */
    String render(FollowerMetrics follower) {
        return render(follower, Map.of());
    }

    /**
     * @param recsLive the live version of each recommendation model (for its rows per table)
     */
    String render(FollowerMetrics follower, Map<String, RecsModel> recsLive) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("# HELP streamgrad_serve_requests_total HTTP requests answered, by route and status code.\n");
        sb.append("# TYPE streamgrad_serve_requests_total counter\n");
        new java.util.TreeMap<>(requests)
                .forEach((labels, n) -> sb.append("streamgrad_serve_requests_total{")
                        .append(labels)
                        .append("} ")
                        .append(n.sum())
                        .append('\n'));

        sb.append("# HELP streamgrad_serve_request_seconds Time from reading a request to its answer, by route.\n");
        sb.append("# TYPE streamgrad_serve_request_seconds histogram\n");
        for (Route r : Route.values()) {
            latency[r.ordinal()].render(sb, "streamgrad_serve_request_seconds", "route=\"" + r.label() + "\"");
        }

        gauge(sb, "streamgrad_serve_ready", "1 when every followed model has a version, else 0.");
        sb.append("streamgrad_serve_ready ").append(follower.ready() ? 1 : 0).append('\n');
        gauge(
                sb,
                "streamgrad_serve_offsets_behind",
                "Topic end minus the follower's position, summed over the partitions of the models and updates topics"
                        + " (-1 before the first fetch).");
        sb.append("streamgrad_serve_offsets_behind ")
                .append(follower.offsetsBehind())
                .append('\n');
        sb.append(
                "# HELP streamgrad_serve_skipped_records_total Records on the models topic that could not be used.\n");
        sb.append("# TYPE streamgrad_serve_skipped_records_total counter\n");
        sb.append("streamgrad_serve_skipped_records_total ")
                .append(follower.skippedRecords())
                .append('\n');

        Map<String, FollowerMetrics.ModelMetrics> models = new java.util.TreeMap<>(follower.models());
        models.putAll(follower.recsModels());
        gauge(sb, "streamgrad_serve_model_version", "The version being served (0 when none).");
        models.forEach((id, m) -> line(sb, "streamgrad_serve_model_version", id, m.version()));
        gauge(sb, "streamgrad_serve_model_newest_version", "The newest version read (models or updates topic).");
        models.forEach((id, m) -> line(sb, "streamgrad_serve_model_newest_version", id, m.newestVersion()));
        sb.append("# HELP streamgrad_serve_model_versions_applied_total Versions made live (new, pin, rollback).\n");
        sb.append("# TYPE streamgrad_serve_model_versions_applied_total counter\n");
        models.forEach((id, m) -> line(sb, "streamgrad_serve_model_versions_applied_total", id, m.versionsApplied()));
        gauge(sb, "streamgrad_serve_model_staleness_seconds", "Seconds since the served version was published.");
        models.forEach((id, m) -> line(sb, "streamgrad_serve_model_staleness_seconds", id, m.stalenessSeconds()));
        gauge(sb, "streamgrad_serve_model_versions_behind", "Versions between the served one and the newest read.");
        models.forEach((id, m) -> line(sb, "streamgrad_serve_model_versions_behind", id, m.versionsBehindNewest()));
        sb.append("# HELP streamgrad_serve_model_versions_built_total Versions made, by source: a full snapshot"
                + " (models topic) or a delta on the version before (updates topic).\n");
        sb.append("# TYPE streamgrad_serve_model_versions_built_total counter\n");
        models.forEach((id, m) -> {
            sb.append("streamgrad_serve_model_versions_built_total{model=\"")
                    .append(escape(id))
                    .append("\",source=\"full\"} ")
                    .append(m.fullVersions())
                    .append('\n');
            sb.append("streamgrad_serve_model_versions_built_total{model=\"")
                    .append(escape(id))
                    .append("\",source=\"delta\"} ")
                    .append(m.deltaVersions())
                    .append('\n');
        });
        gauge(sb, "streamgrad_serve_model_last_delta_apply_seconds", "Time to apply the last delta (copy-on-write).");
        models.forEach((id, m) ->
                line(sb, "streamgrad_serve_model_last_delta_apply_seconds", id, m.lastDeltaApplyNanos() / 1e9));
        gauge(sb, "streamgrad_serve_model_buffered_deltas", "Deltas waiting for a missing version before them.");
        models.forEach((id, m) -> line(sb, "streamgrad_serve_model_buffered_deltas", id, m.bufferedDeltas()));
        gauge(sb, "streamgrad_serve_model_last_apply_seconds", "Time to make the last version live.");
        models.forEach((id, m) -> line(sb, "streamgrad_serve_model_last_apply_seconds", id, m.lastApplyNanos() / 1e9));
        gauge(
                sb,
                "streamgrad_serve_model_pinned_version",
                "The version pinned (pin or rollback), 0 when following" + " the latest.");
        models.forEach((id, m) -> line(
                sb,
                "streamgrad_serve_model_pinned_version",
                id,
                m.pinnedVersion().orElse(0)));
        gauge(sb, "streamgrad_serve_model_retained_versions", "Versions kept for pin and rollback (--retain).");
        models.forEach((id, m) -> line(
                sb,
                "streamgrad_serve_model_retained_versions",
                id,
                m.retainedVersions().size()));

        gauge(sb, "streamgrad_serve_model_rows", "Rows per table of the served version of a recommendation model.");
        new java.util.TreeMap<>(recsLive).forEach((id, m) -> {
            sb.append("streamgrad_serve_model_rows{model=\"")
                    .append(escape(id))
                    .append("\",table=\"users\"} ")
                    .append(m.userRows())
                    .append('\n');
            sb.append("streamgrad_serve_model_rows{model=\"")
                    .append(escape(id))
                    .append("\",table=\"items\"} ")
                    .append(m.itemRows())
                    .append('\n');
        });
        sb.append("# HELP streamgrad_serve_model_requests_total Recommend and score requests answered for a followed"
                + " recommendation model, by model, route and status code.\n");
        sb.append("# TYPE streamgrad_serve_model_requests_total counter\n");
        new java.util.TreeMap<>(modelRequests)
                .forEach((labels, n) -> sb.append("streamgrad_serve_model_requests_total{")
                        .append(labels)
                        .append("} ")
                        .append(n.sum())
                        .append('\n'));
        sb.append("# HELP streamgrad_serve_model_request_seconds Time from reading a recommend or score request to its"
                + " answer, by model and route.\n");
        sb.append("# TYPE streamgrad_serve_model_request_seconds histogram\n");
        new java.util.TreeMap<>(modelLatency)
                .forEach((labels, h) -> h.render(sb, "streamgrad_serve_model_request_seconds", labels));
        return sb.toString();
    }

    private static void gauge(StringBuilder sb, String name, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" gauge\n");
    }

    private static void line(StringBuilder sb, String name, String model, double value) {
        sb.append(name)
                .append("{model=\"")
                .append(escape(model))
                .append("\"} ")
                .append(number(value))
                .append('\n');
    }

    /** A label value as the exposition format escapes it (backslash, double quote, newline). */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** A cumulative histogram with the fixed {@link #BUCKETS}. */
    private static final class Histogram {
        private final LongAdder[] counts = new LongAdder[BUCKETS.length + 1];
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram() {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            int i = 0;
            while (i < BUCKETS.length && seconds > BUCKETS[i]) {
                i++;
            }
            counts[i].increment();
            sum.add(seconds);
        }

        void render(StringBuilder sb, String name, String labels) {
            long cumulative = 0;
            for (int i = 0; i <= BUCKETS.length; i++) {
                cumulative += counts[i].sum();
                sb.append(name)
                        .append("_bucket{")
                        .append(labels)
                        .append(",le=\"")
                        .append(i < BUCKETS.length ? Double.toString(BUCKETS[i]) : "+Inf")
                        .append("\"} ")
                        .append(cumulative)
                        .append('\n');
            }
            sb.append(name)
                    .append("_sum{")
                    .append(labels)
                    .append("} ")
                    .append(sum.sum())
                    .append('\n');
            sb.append(name)
                    .append("_count{")
                    .append(labels)
                    .append("} ")
                    .append(cumulative)
                    .append('\n');
        }
    }
}

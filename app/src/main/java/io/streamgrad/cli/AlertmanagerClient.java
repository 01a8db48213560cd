package io.streamgrad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Posts alerts to a Prometheus Alertmanager's API v2 ({@code POST /api/v2/alerts}, a JSON array of {labels,
 * annotations, startsAt, endsAt, generatorURL}), the way Prometheus does: a firing alert without {@code endsAt}
 * (Alertmanager resolves it {@code resolve_timeout} after it last heard of it, so the forwarder re-sends it), a
 * resolved one with {@code endsAt}. Alertmanager identifies an alert by its label set, so sending the same alert
 * twice is harmless: the forwarder is at-least-once.
 *
 * <p>Connection failures, HTTP 5xx and 429 are retried with exponential backoff (250 ms doubling to 10 s) up to
 * {@code maxAttempts}; any other answer but 200 fails at once, as retrying cannot help.
 */
final class AlertmanagerClient {
    /** Alertmanager 0.25's label names (model.LabelNameRE). */
    static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String base;
    private final int maxAttempts;
    private final PrintStream log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param base the Alertmanager's address, e.g. {@code http://127.0.0.1:9093} (a path prefix is kept) */
    AlertmanagerClient(String base, int maxAttempts, PrintStream log) throws UsageException {
        String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        try {
            URI u = URI.create(b + "/api/v2/alerts");
            if (u.getScheme() == null
                    || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL with a host");
            }
            this.endpoint = u;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--alertmanager " + base + ": " + e.getMessage()
                    + "; give Alertmanager's address, e.g. http://127.0.0.1:9093");
        }
        this.base = b;
        this.maxAttempts = maxAttempts;
        this.log = log;
    }

    URI endpoint() {
        return endpoint;
    }

    /** The labels Alertmanager identifies the alert by: the record's extra labels, then alertname, model, series. */
    static Map<String, String> labels(Alert a) {
        Map<String, String> l = new LinkedHashMap<>(a.getLabels());
        l.put("alertname", a.getRule());
        l.put("model", a.getModel());
        l.put("series", a.getSeries());
        return l;
    }

    /** Why Alertmanager would refuse the record (label names it does not accept), or null. */
    static String invalid(Alert a) {
        for (String name : a.getLabels().keySet()) {
            if (!LABEL_NAME.matcher(name).matches()) {
                return "label name '" + name + "' is not valid in Alertmanager (it must match " + LABEL_NAME
                        + "); rename it where the alert's labels are configured";
            }
        }
        if (a.getRule().isEmpty()) {
            return "the rule name (alertname) is empty";
        }
        return null;
    }

    /** The request body for these alerts. */
    static String body(Collection<Alert> alerts) {
        ArrayNode array = JSON.createArrayNode();
        for (Alert a : alerts) {
            ObjectNode o = array.addObject();
            ObjectNode labels = o.putObject("labels");
            labels(a).forEach(labels::put);
            ObjectNode ann = o.putObject("annotations");
            a.getAnnotations().forEach(ann::put);
            ann.put(
                    "summary",
                    String.format(
                            Locale.ROOT,
                            "%s/%s: %s, anomaly score %.3f (actual %s, forecast %s)",
                            a.getModel(),
                            a.getSeries(),
                            a.getRule(),
                            a.getValue(),
                            num(a.getActual()),
                            num(a.getForecast())));
            ann.put("score", num(a.getValue()));
            ann.put("actual", num(a.getActual()));
            ann.put("forecast", num(a.getForecast()));
            o.put("startsAt", a.getStartsAt().toString());
            if (a.getStatus() == AlertStatus.resolved) {
                o.put("endsAt", a.getEndsAt().toString());
            }
        }
        return array.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : String.valueOf(v);
    }

    /**
     * Posts the alerts, retrying what may pass later.
     *
     * @throws AlertmanagerException when Alertmanager refused them or could not be reached in {@code maxAttempts}
     */
    void post(Collection<Alert> alerts) throws AlertmanagerException, InterruptedException {
        if (alerts.isEmpty()) {
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(alerts), StandardCharsets.UTF_8))
                .build();
        long backoffMs = 250;
        String last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                int code = r.statusCode();
                if (code == 200) {
                    return;
                }
                String answer = "HTTP " + code + " " + r.body().strip();
                if (code == 404) {
                    throw new AlertmanagerException("POST " + endpoint + " answered " + answer
                            + ": no Alertmanager API v2 there; give --alertmanager the address of an Alertmanager"
                            + " 0.16 or newer (e.g. http://127.0.0.1:9093, without /api/...)");
                }
                if (code != 429 && code < 500) {
                    throw new AlertmanagerException("Alertmanager at " + base + " rejected " + alerts.size()
                            + " alert(s): " + answer + "; check the alerts' labels (names must match "
                            + LABEL_NAME + ") and that " + base + " is an Alertmanager");
                }
                last = answer;
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt < maxAttempts) {
                log.println("alerts-forward: POST " + endpoint + " failed (" + last + "), attempt " + attempt + "/"
                        + maxAttempts + "; retrying in " + backoffMs + " ms");
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 10_000);
            }
        }
        throw new AlertmanagerException("cannot deliver " + alerts.size() + " alert(s) to Alertmanager at " + base
                + " after " + maxAttempts + " attempts (last: " + last + "); start Alertmanager there (Debian:"
                + " `apt-get install prometheus-alertmanager`) or pass its address with --alertmanager; nothing was"
                + " committed, so the alerts are sent when the forwarder runs again");
    }

    /** Alertmanager refused the alerts or could not be reached: the message names the URL and the fix. */
    static final class AlertmanagerException extends Exception {
        private static final long serialVersionUID = 1L;

        AlertmanagerException(String message) {
            super(message);
        }
    }
}

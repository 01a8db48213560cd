package io.streamgrad.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Grafana dashboard in {@code deploy/grafana}: its panels' PromQL and the Flink metric names they read. */
final class Dashboard {

    static final Path FILE = Manifests.deployDir().resolve("grafana/streamgrad-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bflink_[A-Za-z0-9_]+");

    private Dashboard() {}

    static JsonNode load() {
        try {
            return Manifests.JSON.readTree(FILE.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("parsing " + FILE, e);
        }
    }

    /** Every PromQL expression: panel targets and templating queries. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                exprs.add(variable.path("query").path("query").asText());
            }
        }
        return exprs;
    }

    /** The Flink metric names (Prometheus series names) the dashboard reads. */
    static Set<String> metricNames(JsonNode dashboard) {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions(dashboard)) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }
}

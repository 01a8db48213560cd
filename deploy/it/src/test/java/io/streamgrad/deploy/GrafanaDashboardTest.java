package io.streamgrad.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard is well-formed and reads the metrics the job registers. That the names exist on a real
 * Prometheus endpoint is checked by {@link LocalClusterIT} against a running cluster.
 */
class GrafanaDashboardTest {

    private static final JsonNode DASHBOARD = Dashboard.load();
    /** The trainer's per-model metric group is {@code addGroup("model", id)}: Prometheus name prefix and label. */
    static final String PER_MODEL_PREFIX = "flink_taskmanager_job_task_operator_model_";
    /** What the trainer registers per model (ModelTrainer.ModelGauges in flink-job). */
    static final List<String> PER_MODEL_METRICS = List.of(
            "examples",
            "batches",
            "skippedBatches",
            "rollbacks",
            "lrScale",
            "loss",
            "snapshotVersion",
            "eventTimeLagMs");

    @Test
    void dashboard_hasIdentity_andPanelsWithUniqueIdsOnA24ColumnGrid() {
        assertThat(DASHBOARD.path("uid").asText()).isEqualTo("streamgrad-training");
        assertThat(DASHBOARD.path("title").asText()).isNotBlank();
        assertThat(DASHBOARD.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        Set<Integer> ids = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode panel : DASHBOARD.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt()))
                    .as("unique id %s", panel.path("id"))
                    .isTrue();
            JsonNode g = panel.path("gridPos");
            int[] box = {
                g.path("x").asInt(),
                g.path("y").asInt(),
                g.path("w").asInt(),
                g.path("h").asInt()
            };
            assertThat(box[0] + box[2])
                    .as("panel '%s' fits 24 columns", panel.path("title").asText())
                    .isLessThanOrEqualTo(24);
            assertThat(box[2]).isPositive();
            for (int[] other : boxes) {
                boolean overlap = box[0] < other[0] + other[2]
                        && other[0] < box[0] + box[2]
                        && box[1] < other[1] + other[3]
                        && other[1] < box[1] + box[3];
                assertThat(overlap)
                        .as("panel '%s' overlaps another", panel.path("title").asText())
                        .isFalse();
            }
            boxes.add(box);
        }
    }

    @Test
    void everyPanel_queriesThePrometheusDatasourceVariable_andUsesOnlyDefinedVariables() {
        Set<String> variables = new HashSet<>();
        for (JsonNode v : DASHBOARD.path("templating").path("list")) {
            variables.add(v.path("name").asText());
        }
        assertThat(variables).contains("datasource", "model");
        for (JsonNode panel : DASHBOARD.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("targets"))
                    .as("panel '%s' targets", panel.path("title").asText())
                    .isNotEmpty();
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            }
        }
        Matcher used = Pattern.compile("\\$(\\w+)").matcher(String.join("\n", Dashboard.expressions(DASHBOARD)));
        while (used.find()) {
            assertThat(variables).as("variable $%s is defined", used.group(1)).contains(used.group(1));
        }
    }

    @Test
    void everyExpression_isBalanced_andTakesRatesOnlyOverRanges() {
        for (String expr : Dashboard.expressions(DASHBOARD)) {
            assertThat(balanced(expr))
                    .as("brackets and quotes balanced in %s", expr)
                    .isTrue();
            if (expr.contains("rate(") || expr.contains("increase(")) {
                assertThat(expr).as(expr).containsPattern("\\[\\d+[smh]\\]\\)");
            }
        }
    }

    @Test
    void dashboard_showsEveryPerModelMetric_groupedByModel() {
        Set<String> names = Dashboard.metricNames(DASHBOARD);
        for (String metric : PER_MODEL_METRICS) {
            assertThat(names).contains(PER_MODEL_PREFIX + metric);
        }
        for (String expr : Dashboard.expressions(DASHBOARD)) {
            if (expr.contains(PER_MODEL_PREFIX) && !expr.startsWith("label_values")) {
                assertThat(expr).as(expr).contains("by (model)").contains("model=~\"$model\"");
            }
        }
    }

    private static boolean balanced(String expr) {
        int paren = 0;
        int brace = 0;
        int bracket = 0;
        boolean quoted = false;
        for (char c : expr.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted) {
                switch (c) {
                    case '(' -> paren++;
                    case ')' -> paren--;
                    case '{' -> brace++;
                    case '}' -> brace--;
                    case '[' -> bracket++;
                    case ']' -> bracket--;
                    default -> {}
                }
                if (paren < 0 || brace < 0 || bracket < 0) {
                    return false;
                }
            }
        }
        return paren == 0 && brace == 0 && bracket == 0 && !quoted;
    }
}

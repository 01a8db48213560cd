package io.streamgrad.cli;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched) with each model's prequential loss
 * and accuracy (or RMSE) against the examples it has seen, the summary table, the dead letters and the job
 * configuration.
 */
final class HtmlReport {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    /**
     * One model in the report.
     *
     * @param marker an x position (examples seen) to mark with a vertical line, or null
     */
    record ModelSection(
            String id,
            String description,
            List<TrainingMetrics> windows,
            ModelSnapshot latest,
            Double marker,
            String markerLabel) {}

    private HtmlReport() {}

    static String render(
            String title,
            List<ModelSection> models,
            Map<String, String> facts,
            List<DeadLetter> deadLetters,
            String jobYaml) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title>\n<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;"
                        + "color:#222}h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}"
                        + "table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;"
                        + "text-align:right}th{background:#f6f6f6}td.l,th.l{text-align:left}"
                        + ".charts{display:flex;flex-wrap:wrap;gap:12px}pre{background:#f6f6f6;padding:10px;"
                        + "overflow:auto;font-size:12px}.note{color:#666}</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p class=\"note\">Prequential evaluation: every mini-batch is scored by the model before the model"
                + " trains on it, so each point is an honest out-of-sample estimate over one metrics window.</p>\n");

        h.append("<h2>Summary</h2>\n<table><tr><th class=\"l\">model</th><th class=\"l\">data</th><th>examples</th>"
                + "<th>updates</th><th>snapshot</th><th>first loss</th><th>last loss</th><th>last accuracy / RMSE</th>"
                + "<th>skipped batches</th></tr>\n");
        for (ModelSection m : models) {
            TrainingMetrics first = m.windows().isEmpty() ? null : m.windows().get(0);
            TrainingMetrics last =
                    m.windows().isEmpty() ? null : m.windows().get(m.windows().size() - 1);
            h.append("<tr><td class=\"l\">")
                    .append(esc(m.id()))
                    .append("</td><td class=\"l\">")
                    .append(esc(m.description()))
                    .append("</td><td>")
                    .append(m.latest() == null ? "-" : fmt(m.latest().getExamplesSeen()))
                    .append("</td><td>")
                    .append(m.latest() == null ? "-" : fmt(m.latest().getStep()))
                    .append("</td><td>")
                    .append(m.latest() == null ? "-" : "v" + m.latest().getVersion())
                    .append("</td><td>")
                    .append(first == null ? "-" : num(first.getLoss()))
                    .append("</td><td>")
                    .append(last == null ? "-" : num(last.getLoss()))
                    .append("</td><td>")
                    .append(
                            last == null
                                    ? "-"
                                    : last.getAccuracy() != null
                                            ? num(last.getAccuracy())
                                            : last.getRmse() != null ? "RMSE " + num(last.getRmse()) : "-")
                    .append("</td><td>")
                    .append(last == null ? "-" : fmt(last.getSkippedBatches()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<table style=\"margin-top:1em\">");
        facts.forEach((k, v) -> h.append("<tr><td class=\"l\">")
                .append(esc(k))
                .append("</td><td class=\"l\">")
                .append(esc(v))
                .append("</td></tr>\n"));
        h.append("</table>\n");

        int c = 0;
        for (ModelSection m : models) {
            String color = COLORS[c++ % COLORS.length];
            h.append("<h2>")
                    .append(esc(m.id()))
                    .append("</h2>\n<p>")
                    .append(esc(m.description()))
                    .append("</p>\n");
            h.append("<div class=\"charts\">");
            h.append(chart("loss (prequential, per window)", m.windows(), TrainingMetrics::getLoss, color, m, false));
            boolean regression = !m.windows().isEmpty() && m.windows().get(0).getAccuracy() == null;
            h.append(
                    regression
                            ? chart(
                                    "RMSE (prequential, per window)",
                                    m.windows(),
                                    t -> t.getRmse() == null ? Double.NaN : t.getRmse(),
                                    color,
                                    m,
                                    false)
                            : chart(
                                    "accuracy (prequential, per window)",
                                    m.windows(),
                                    t -> t.getAccuracy() == null ? Double.NaN : t.getAccuracy(),
                                    color,
                                    m,
                                    true));
            h.append("</div>\n");
        }

        h.append("<h2>Dead letters (").append(deadLetters.size()).append(")</h2>\n");
        if (deadLetters.isEmpty()) {
            h.append("<p>none</p>\n");
        } else {
            h.append(
                    "<table><tr><th class=\"l\">where</th><th class=\"l\">model</th><th class=\"l\">reason</th></tr>\n");
            for (DeadLetter d : deadLetters) {
                h.append("<tr><td class=\"l\">")
                        .append(esc(d.getTopic() + "-" + d.getPartition() + "@" + d.getOffset()))
                        .append("</td><td class=\"l\">")
                        .append(esc(d.getModelId() == null ? "?" : d.getModelId()))
                        .append("</td><td class=\"l\">")
                        .append(esc(d.getReason()))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Job configuration</h2>\n<pre>").append(esc(jobYaml)).append("</pre>\n</body></html>\n");
        return h.toString();
    }

    /** A line chart of one metric against examples seen, with axes, ticks and an optional vertical marker. */
    static String chart(
            String title,
            List<TrainingMetrics> windows,
            ToDoubleFunction<TrainingMetrics> y,
            String color,
            ModelSection m,
            boolean unitRange) {
        int w = 520;
        int hgt = 260;
        int left = 56;
        int right = 14;
        int top = 28;
        int bottom = 40;
        double xMax = 1;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (TrainingMetrics t : windows) {
            xMax = Math.max(xMax, t.getExamplesSeen());
            double v = y.applyAsDouble(t);
            if (Double.isFinite(v)) {
                yMin = Math.min(yMin, v);
                yMax = Math.max(yMax, v);
            }
        }
        if (unitRange) {
            yMin = Math.min(0.5, Math.floor(yMin * 10) / 10);
            yMax = 1;
        } else if (!Double.isFinite(yMin)) {
            yMin = 0;
            yMax = 1;
        } else {
            yMin = Math.min(0, yMin);
            yMax = yMax <= yMin ? yMin + 1 : yMax * 1.05;
        }
        double x0 = left;
        double x1 = w - right;
        double y0 = hgt - bottom;
        double y1 = top;
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                        + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
                w,
                hgt,
                w,
                hgt,
                esc(m.id() + " " + title)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\">%s</text>", left, esc(title)));
        for (int i = 0; i <= 4; i++) {
            double v = yMin + (yMax - yMin) * i / 4;
            double py = y0 - (y0 - y1) * i / 4;
            s.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>",
                    x0,
                    py,
                    x1,
                    py,
                    x0 - 4,
                    py + 3,
                    num(v)));
            double xv = xMax * i / 4;
            double px = x0 + (x1 - x0) * i / 4;
            s.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%s" + "</text>",
                    px,
                    y0 + 14,
                    fmt((long) xv)));
        }
        s.append(String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>"
                        + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>",
                x0,
                y0,
                x1,
                y0,
                x0,
                y0,
                x0,
                y1));
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">" + "examples seen</text>",
                (x0 + x1) / 2,
                hgt - 6));
        if (m.marker() != null && m.marker() <= xMax) {
            double px = x0 + (x1 - x0) * m.marker() / xMax;
            s.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
                            + "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">%s</text>",
                    px,
                    y0,
                    px,
                    y1,
                    px + 3,
                    y1 + 10,
                    esc(m.markerLabel())));
        }
        StringBuilder pts = new StringBuilder();
        for (TrainingMetrics t : windows) {
            double v = y.applyAsDouble(t);
            if (!Double.isFinite(v)) {
                continue;
            }
            double px = x0 + (x1 - x0) * t.getExamplesSeen() / xMax;
            double py = y0 - (y0 - y1) * (v - yMin) / (yMax - yMin);
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        }
        s.append("<polyline fill=\"none\" stroke=\"")
                .append(color)
                .append("\" stroke-width=\"1.6\" points=\"")
                .append(pts.toString().trim())
                .append("\"/></svg>");
        return s.toString();
    }

    static String esc(String s) {
        return s == null
                ? ""
                : s.replace("&", "&amp;")
                        .replace("<", "&lt;")
                        .replace(">", "&gt;")
                        .replace("\"", "&quot;");
    }

    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "-";
    }

    static String fmt(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}

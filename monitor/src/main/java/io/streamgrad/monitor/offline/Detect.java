package io.streamgrad.monitor.offline;

import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertKey;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code detect}'s work: one {@link SeriesMonitor} over a file's rows in file order, one output line per valid
 * row, {@code timestamp,value,forecast,lower,upper,anomaly_score,alert} (the timestamp as the file wrote it; alert
 * is the rule's state at that point: inactive, pending or firing). The same {@code step} the streaming job calls.
 */
public final class Detect {
    private Detect() {}

    public static final String HEADER = "timestamp,value,forecast,lower,upper,anomaly_score,alert";

    /** Per row: the monitor's result (for evaluation and tests). */
    public static List<SeriesMonitor.Result> run(
            SeriesMonitor monitor, AlertKey key, List<SeriesCsv.Row> rows, Writer out) throws IOException {
        SeriesMonitor.State state = monitor.newState();
        List<SeriesMonitor.Result> results = new ArrayList<>(rows.size());
        if (out != null) {
            out.write(HEADER);
            out.write('\n');
        }
        StringBuilder sb = new StringBuilder(128);
        for (SeriesCsv.Row row : rows) {
            SeriesMonitor.Result r = monitor.step(state, key, row.epochSeconds(), row.value());
            results.add(r);
            if (out != null) {
                sb.setLength(0);
                String ts = row.timestampText();
                sb.append(ts.indexOf(',') >= 0 ? '"' + ts + '"' : ts).append(',');
                sb.append(num(row.value())).append(',');
                sb.append(num(r.forecast())).append(',');
                sb.append(num(r.lower())).append(',');
                sb.append(num(r.upper())).append(',');
                sb.append(num(r.score())).append(',');
                sb.append(r.alert().text()).append('\n');
                out.write(sb.toString());
            }
        }
        return results;
    }

    /** Shortest text that reads back as the same double. */
    public static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}

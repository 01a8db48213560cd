package io.streamgrad.monitor.offline;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a series from a CSV file with a header: a timestamp column (ISO-8601 such as {@code 2018-06-17T00:00:00Z}
 * or {@code 2018-06-17T02:00:00+02:00}, {@code YYYY-MM-DD HH:MM:SS} (UTC), or epoch seconds), a value column and,
 * for evaluation, an optional 0/1 label column; fields may be double-quoted. Rows come back in file order.
 *
 * <p>Columns are named ({@code --timestamp-column}, {@code --value-column}, {@code --label-column}) or found: the
 * timestamp is the first column named timestamp, time, ts, date or datetime (any case); the value the column named
 * value, else the first other column (not the label) whose first row is a number.
 *
 * <p>A bad row (wrong field count, a timestamp or value that does not parse, a value that is not finite) is not
 * read: it is listed in {@link Series#problems()} as {@code file:line: what; fix}, and every valid row is kept.
 */
public final class SeriesCsv {
    private SeriesCsv() {}

    /** One valid row. */
    public record Row(int line, String timestampText, long epochSeconds, double value, int label) {}

    /** The rows read, the rows refused (one message each) and the columns used. */
    public record Series(
            Path file,
            List<Row> rows,
            List<String> problems,
            String timestampColumn,
            String valueColumn,
            String labelColumn) {}

    private static final DateTimeFormatter SPACE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    /**
     * @param timestampColumn the timestamp column's name, or null to find it
     * @param valueColumn     the value column's name, or null to find it
     * @param labelColumn     the label column's name, or null for none
     * @throws IOException for a file that cannot be read, or a header without the columns (the message says which
     *                     columns there are and the flag that names them)
     */
    public static Series read(Path file, String timestampColumn, String valueColumn, String labelColumn)
            throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null || header.isBlank()) {
                throw new IOException(file + ":1: empty file; expected a header line such as 'timestamp,value'");
            }
            List<String> names = split(header.startsWith("\uFEFF") ? header.substring(1) : header);
            int ts = timestampColumn != null
                    ? column(file, names, timestampColumn, "--timestamp-column")
                    : findTimestamp(file, names);
            int label = labelColumn == null ? -1 : column(file, names, labelColumn, "--label-column");
            int lineNo = 1;
            int value = valueColumn != null ? column(file, names, valueColumn, "--value-column") : -2;
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> f = split(line);
                if (value == -2) {
                    value = findValue(file, names, ts, label, f);
                }
                Row row = parse(file, lineNo, f, names.size(), ts, value, label, problems);
                if (row != null) {
                    rows.add(row);
                }
            }
            if (value == -2) {
                throw new IOException(file + ": no data rows after the header");
            }
            return new Series(
                    file,
                    List.copyOf(rows),
                    List.copyOf(problems),
                    names.get(ts),
                    names.get(value),
                    label < 0 ? null : names.get(label));
        }
    }

    private static Row parse(
            Path file, int lineNo, List<String> f, int width, int ts, int value, int label, List<String> problems) {
        String where = file + ":" + lineNo + ": ";
        if (f.size() != width) {
            problems.add(where + f.size() + " fields, the header has " + width + "; fix the row (a value with a comma"
                    + " must be double-quoted)");
            return null;
        }
        String tsText = f.get(ts).trim();
        long epoch;
        try {
            epoch = parseTimestamp(tsText);
        } catch (IllegalArgumentException e) {
            problems.add(where + "timestamp '" + tsText + "' is not ISO-8601 (2018-06-17T00:00:00Z), 'YYYY-MM-DD"
                    + " HH:MM:SS' or epoch seconds; fix or remove the row");
            return null;
        }
        String vText = f.get(value).trim();
        double v;
        try {
            v = Double.parseDouble(vText);
        } catch (NumberFormatException e) {
            problems.add(where + "value '" + vText + "' is not a number; fix or remove the row (a missing sample"
                    + " may simply be left out: gaps are handled)");
            return null;
        }
        if (!Double.isFinite(v)) {
            problems.add(where + "value '" + vText + "' is not finite; remove the row (gaps are handled)");
            return null;
        }
        int lab = 0;
        if (label >= 0) {
            String l = f.get(label).trim();
            if (l.equals("1") || l.equalsIgnoreCase("true")) {
                lab = 1;
            } else if (!(l.equals("0") || l.equalsIgnoreCase("false") || l.isEmpty())) {
                problems.add(where + "label '" + l + "' is not 0 or 1; fix the row");
                return null;
            }
        }
        return new Row(lineNo, tsText, epoch, v, lab);
    }

    /** Epoch seconds of an ISO-8601 time, a {@code YYYY-MM-DD HH:MM:SS} time (UTC) or a number of epoch seconds. */
    public static long parseTimestamp(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty timestamp");
        }
        char c0 = t.charAt(0);
        if ((c0 >= '0' && c0 <= '9' || c0 == '-') && t.indexOf(':') < 0 && t.lastIndexOf('-') <= 0) {
            try {
                double d = Double.parseDouble(t);
                if (Double.isFinite(d)) {
                    return (long) Math.floor(d);
                }
            } catch (NumberFormatException e) {
                // not a number: try the date forms
            }
            throw new IllegalArgumentException(t);
        }
        try {
            return OffsetDateTime.parse(t).toEpochSecond();
        } catch (DateTimeParseException e) {
            // no zone
        }
        try {
            return LocalDateTime.parse(t).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // not ISO
        }
        try {
            return LocalDateTime.parse(t, SPACE).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(t, e);
        }
    }

    private static int column(Path file, List<String> names, String name, String flag) throws IOException {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        throw new IOException(file + ":1: no column '" + name + "' in the header (columns: " + String.join(", ", names)
                + "); name one of them with " + flag);
    }

    private static int findTimestamp(Path file, List<String> names) throws IOException {
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i).toLowerCase(Locale.ROOT);
            if (n.equals("timestamp")
                    || n.equals("time")
                    || n.equals("ts")
                    || n.equals("date")
                    || n.equals("datetime")) {
                return i;
            }
        }
        throw new IOException(file + ":1: no timestamp column found (columns: " + String.join(", ", names)
                + "); name it with --timestamp-column");
    }

    private static int findValue(Path file, List<String> names, int ts, int label, List<String> firstRow)
            throws IOException {
        for (int i = 0; i < names.size(); i++) {
            if (i != ts && i != label && names.get(i).equalsIgnoreCase("value")) {
                return i;
            }
        }
        for (int i = 0; i < names.size() && i < firstRow.size(); i++) {
            if (i == ts || i == label || names.get(i).equalsIgnoreCase("label")) {
                continue;
            }
            try {
                Double.parseDouble(firstRow.get(i).trim());
                return i;
            } catch (NumberFormatException e) {
                // not numeric
            }
        }
        throw new IOException(file + ":2: no numeric value column found (columns: " + String.join(", ", names)
                + "); name it with --value-column");
    }

    /** Splits one CSV line on commas outside double quotes, unquoting fields ({@code ""} is a quote). */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        sb.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    sb.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(sb.toString());
                sb.setLength(0);
            } else {
                sb.append(c);
            }
        }
        out.add(sb.toString().replace("\r", ""));
        return out;
    }
}

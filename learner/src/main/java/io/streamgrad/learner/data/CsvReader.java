package io.streamgrad.learner.data;

import io.streamgrad.learner.train.TrainerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads comma-separated values with a header row (RFC 4180 quoting: {@code "a,b"}, {@code ""} for a quote; one
 * record per line). The label column is named by {@link ReadOptions#labelColumn()} (default {@code label}), an
 * optional weight column by {@link ReadOptions#weightColumn()}. The other columns are the features, in one of
 * two modes decided from the header:
 * <ul>
 *   <li><b>dense</b>, when their number equals {@code model.features}: column j (header order, label and weight
 *   left out) is feature j; every cell must be a finite number;</li>
 *   <li><b>hashed</b> otherwise: each cell is a named feature hashed into {@code model.features} columns by
 *   {@link FeatureHasher} — a number {@code v} in column {@code name} adds {@code sign(name) * v} at
 *   {@code index(name)}; any other text adds {@code sign(name=text)} at {@code index(name=text)} (one-hot
 *   categorical); an empty cell adds nothing.</li>
 * </ul>
 * Not thread-safe.
 */
public final class CsvReader {
    private final ReadOptions options;
    private final int features;
    private final LabelParser labels;
    private final FeatureHasher hasher;
    private final List<String> fields = new ArrayList<>();
    private final StringBuilder field = new StringBuilder();

    public CsvReader(TrainerConfig config, ReadOptions options) {
        this.options = options;
        this.features = config.model().features();
        this.labels = new LabelParser(config, options.requireLabels());
        this.hasher = new FeatureHasher(features);
    }

    public Dataset read(BufferedReader in, String fileName) throws IOException {
        String headerLine = in.readLine();
        long lineNo = 1;
        while (headerLine != null && headerLine.isBlank()) {
            headerLine = in.readLine();
            lineNo++;
        }
        if (headerLine == null) {
            throw new DataFormatException(
                    fileName,
                    lineNo,
                    "empty file: a CSV file needs a header row naming its " + "columns (one of them '"
                            + options.labelColumn() + "')");
        }
        List<String> header;
        try {
            header = List.copyOf(split(stripBom(headerLine)));
        } catch (LabelParser.BadLine e) {
            throw new DataFormatException(fileName, lineNo, "header: " + e.getMessage());
        }
        int labelCol = header.indexOf(options.labelColumn());
        if (labelCol < 0 && options.requireLabels()) {
            throw new DataFormatException(
                    fileName,
                    lineNo,
                    "no label column '" + options.labelColumn() + "' in the header " + header
                            + " (name it with --label-column)");
        }
        int weightCol = -1;
        if (options.weightColumn() != null) {
            weightCol = header.indexOf(options.weightColumn());
            if (weightCol < 0) {
                throw new DataFormatException(
                        fileName, lineNo, "no weight column '" + options.weightColumn() + "' in the header " + header);
            }
        }
        for (int i = 0; i < header.size(); i++) {
            if (header.indexOf(header.get(i)) != i) {
                throw new DataFormatException(
                        fileName,
                        lineNo,
                        "column name '" + header.get(i) + "' appears twice in the header; column names must be unique");
            }
        }
        int[] featureCols = new int[header.size()];
        int nf = 0;
        for (int i = 0; i < header.size(); i++) {
            if (i != labelCol && i != weightCol) {
                featureCols[nf++] = i;
            }
        }
        featureCols = Arrays.copyOf(featureCols, nf);
        boolean dense = nf == features;

        Dataset.Builder builder = new Dataset.Builder(features);
        int[] idx = new int[Math.max(1, nf)];
        float[] val = new float[Math.max(1, nf)];
        List<String> problems = new ArrayList<>();
        long skipped = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                List<String> cells = split(line);
                if (cells.size() != header.size()) {
                    throw new LabelParser.BadLine("has " + cells.size() + " fields, the header has " + header.size()
                            + " (quote fields that contain commas)");
                }
                float label = labelCol < 0
                        ? Float.NaN
                        : labels.parse(cells.get(labelCol).trim());
                float weight = 1f;
                if (weightCol >= 0) {
                    String w = cells.get(weightCol).trim();
                    weight = parseNumber(w, header.get(weightCol));
                    if (weight < 0) {
                        throw new LabelParser.BadLine("weight " + w + " in column '" + header.get(weightCol)
                                + "' is negative (weights must be >= 0)");
                    }
                }
                int count = 0;
                for (int j = 0; j < nf; j++) {
                    String name = header.get(featureCols[j]);
                    String cell = cells.get(featureCols[j]).trim();
                    if (dense) {
                        if (cell.isEmpty()) {
                            throw new LabelParser.BadLine("column '" + name + "' is empty (dense mode: the " + nf
                                    + " feature columns equal model.features, so each needs a number; impute "
                                    + "missing values first)");
                        }
                        idx[count] = j;
                        val[count] = parseNumber(cell, name);
                        count++;
                    } else if (!cell.isEmpty()) {
                        int h;
                        float v;
                        if (looksNumeric(cell)) {
                            v = parseNumber(cell, name);
                            h = hasher.hash(name);
                        } else {
                            v = 1f;
                            h = hasher.hash(name, '=', cell);
                        }
                        idx[count] = FeatureHasher.index(h, features);
                        val[count] = FeatureHasher.sign(h) * v;
                        count++;
                    }
                }
                builder.add(label, weight, idx, val, count, dense);
            } catch (LabelParser.BadLine e) {
                DataFormatException bad = new DataFormatException(fileName, lineNo, e.getMessage());
                if (options.onError() == OnError.FAIL) {
                    throw bad;
                }
                skipped++;
                if (problems.size() < ReadOptions.MAX_REPORTED_PROBLEMS) {
                    problems.add(bad.getMessage());
                }
            }
        }
        ReadReport report = new ReadReport(fileName, lineNo, builder.size(), skipped, problems);
        return builder.build(options.density(), report);
    }

    private static String stripBom(String s) {
        return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }

    private static float parseNumber(String cell, String column) {
        float v;
        try {
            v = Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            throw new LabelParser.BadLine("column '" + column + "' value '" + cell + "' is not a number");
        }
        if (!Float.isFinite(v)) {
            throw new LabelParser.BadLine("column '" + column + "' value '" + cell + "' is not finite (impute or "
                    + "drop missing values first)");
        }
        return v;
    }

    /** Decimal or scientific notation (what a hashed cell counts as a number); "NaN"/"Infinity" are text. */
    static boolean looksNumeric(String s) {
        int i = 0;
        int n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        while (i < n && Character.isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int exp = 0;
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
                exp++;
            }
            if (exp == 0) {
                return false;
            }
        }
        return i == n;
    }

    /** Splits one record (RFC 4180 quoting); the returned list is reused by the next call. */
    List<String> split(String line) {
        fields.clear();
        field.setLength(0);
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (c == '"' && field.toString().isBlank() && !wasQuoted) {
                field.setLength(0);
                quoted = true;
                wasQuoted = true;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new LabelParser.BadLine("unterminated quoted field (a field that starts with \" must end with \")");
        }
        fields.add(field.toString());
        return fields;
    }
}

package io.streamgrad.learner.data;

import io.streamgrad.learner.train.TrainerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads LibSVM / SVMlight text (Joachims' SVMlight format, as LIBSVM and scikit-learn's
 * {@code load_svmlight_file} read it):
 * <pre>label index:value index:value ... [# comment]</pre>
 * Indices are 1-based in the file and stored 0-based; they may come in any order (duplicates are summed).
 * {@code qid:N} tokens are ignored. Blank lines and lines that hold only a comment are skipped silently. Labels
 * are checked against the task ({@link LabelParser}); indices must be below {@code model.features}, values
 * finite. Not thread-safe.
 */
public final class LibSvmReader {
    private final ReadOptions options;
    private final int features;
    private final LabelParser labels;
    private int[] idx = new int[64];
    private float[] val = new float[64];

    public LibSvmReader(TrainerConfig config, ReadOptions options) {
        this.options = options;
        this.features = config.model().features();
        this.labels = new LabelParser(config, options.requireLabels());
    }

    /** Reads every line of {@code in}; {@code fileName} is used in messages. */
    public Dataset read(BufferedReader in, String fileName) throws IOException {
        Dataset.Builder builder = new Dataset.Builder(features);
        List<String> problems = new ArrayList<>();
        long lineNo = 0;
        long skipped = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            try {
                parseLine(line, builder);
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

    /** Parses one line into {@code builder}; blank and comment-only lines add nothing. */
    void parseLine(String line, Dataset.Builder builder) {
        int end = line.indexOf('#');
        if (end < 0) {
            end = line.length();
        }
        int pos = skipSpace(line, 0, end);
        if (pos >= end) {
            return;
        }
        int tokEnd = tokenEnd(line, pos, end);
        float label;
        if (line.indexOf(':', pos) >= 0 && line.indexOf(':', pos) < tokEnd) {
            if (options.requireLabels()) {
                throw new LabelParser.BadLine("missing label: the line starts with '" + line.substring(pos, tokEnd)
                        + "' (each line is: label index:value ...)");
            }
            label = Float.NaN; // prediction input without labels
        } else {
            label = labels.parse(line.substring(pos, tokEnd));
            pos = skipSpace(line, tokEnd, end);
        }
        int count = 0;
        while (pos < end) {
            tokEnd = tokenEnd(line, pos, end);
            int colon = line.indexOf(':', pos);
            if (colon < 0 || colon >= tokEnd) {
                throw new LabelParser.BadLine("token '" + line.substring(pos, tokEnd) + "' is not index:value");
            }
            if (colon - pos == 3 && line.startsWith("qid", pos)) {
                pos = skipSpace(line, tokEnd, end);
                continue;
            }
            long index = parseIndex(line, pos, colon);
            if (index == 0) {
                throw new LabelParser.BadLine("feature index 0: LibSVM indices are 1-based (shift every index by 1)");
            }
            if (index > features) {
                throw new LabelParser.BadLine("feature index " + index + " exceeds model.features = " + features
                        + " (indices are 1-based, so at most " + features + "; raise model.features or re-index)");
            }
            float value;
            String valueText = line.substring(colon + 1, tokEnd);
            try {
                value = Float.parseFloat(valueText);
            } catch (NumberFormatException e) {
                throw new LabelParser.BadLine("value '" + valueText + "' of feature " + index + " is not a number");
            }
            if (!Float.isFinite(value)) {
                throw new LabelParser.BadLine("value '" + valueText + "' of feature " + index + " is not finite "
                        + "(impute or drop missing values before training)");
            }
            if (count == idx.length) {
                idx = Arrays.copyOf(idx, count * 2);
                val = Arrays.copyOf(val, count * 2);
            }
            idx[count] = (int) (index - 1);
            val[count] = value;
            count++;
            pos = skipSpace(line, tokEnd, end);
        }
        builder.add(label, 1f, idx, val, count);
    }

    private long parseIndex(String line, int from, int to) {
        if (from == to) {
            throw new LabelParser.BadLine("empty feature index in '" + line.substring(from, to) + ":'");
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new LabelParser.BadLine(
                        "feature index '" + line.substring(from, to) + "' is not a positive integer");
            }
            v = v * 10 + (c - '0');
            if (v > Integer.MAX_VALUE) {
                throw new LabelParser.BadLine("feature index " + line.substring(from, to) + " is too large "
                        + "(above model.features = " + features + ")");
            }
        }
        return v;
    }

    private static int skipSpace(String s, int i, int end) {
        while (i < end && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int tokenEnd(String s, int i, int end) {
        while (i < end && !Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}

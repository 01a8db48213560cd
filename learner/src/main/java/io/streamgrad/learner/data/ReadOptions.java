package io.streamgrad.learner.data;

import java.util.Objects;

/**
 * How to read an example file.
 *
 * @param format        the text format; null: from the file name ({@link DataFormat#fromFileName})
 * @param labelColumn   CSV: the label column's header name
 * @param weightColumn  CSV: the example-weight column's header name, or null for weight 1
 * @param onError       skip bad lines (counted) or fail on the first
 * @param requireLabels false for prediction: labels may be absent (LibSVM: a first token with ':' ; CSV: no label
 *                      column) or anything; they are not validated and read as NaN when not a number
 * @param density       whether batches are dense or CSR
 */
public record ReadOptions(
        DataFormat format,
        String labelColumn,
        String weightColumn,
        OnError onError,
        boolean requireLabels,
        Density density) {
    public static final String DEFAULT_LABEL_COLUMN = "label";
    /** Bad lines listed in a {@link ReadReport} when they are skipped. */
    public static final int MAX_REPORTED_PROBLEMS = 10;

    public ReadOptions {
        Objects.requireNonNull(labelColumn, "labelColumn");
        Objects.requireNonNull(onError, "onError");
        Objects.requireNonNull(density, "density");
    }

    /** Training/evaluation defaults: format from the file name, label column {@code label}, fail on errors. */
    public static ReadOptions defaults() {
        return new ReadOptions(null, DEFAULT_LABEL_COLUMN, null, OnError.FAIL, true, Density.AUTO);
    }

    public ReadOptions withFormat(DataFormat f) {
        return new ReadOptions(f, labelColumn, weightColumn, onError, requireLabels, density);
    }

    public ReadOptions withLabelColumn(String c) {
        return new ReadOptions(format, c, weightColumn, onError, requireLabels, density);
    }

    public ReadOptions withWeightColumn(String c) {
        return new ReadOptions(format, labelColumn, c, onError, requireLabels, density);
    }

    public ReadOptions withOnError(OnError e) {
        return new ReadOptions(format, labelColumn, weightColumn, e, requireLabels, density);
    }

    public ReadOptions withRequireLabels(boolean r) {
        return new ReadOptions(format, labelColumn, weightColumn, onError, r, density);
    }

    public ReadOptions withDensity(Density d) {
        return new ReadOptions(format, labelColumn, weightColumn, onError, requireLabels, d);
    }

    /** Dense or sparse batches. */
    public enum Density {
        /**
         * Dense when every row was given dense (a dense CSV file), CSR otherwise (LibSVM, hashed CSV): the job's
         * rule too ({@link BatchLayout}), so streaming and offline training sum in the same order.
         */
        AUTO,
        DENSE,
        SPARSE
    }
}

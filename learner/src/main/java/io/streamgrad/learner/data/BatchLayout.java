package io.streamgrad.learner.data;

/**
 * The one rule that decides whether examples are laid out dense (row-major) or CSR, used by the offline readers
 * ({@link Dataset.Builder}, under {@link ReadOptions.Density#AUTO}) and by the job's mini-batcher: <b>dense when
 * every row was given dense</b> (a CSV row of {@code model.features} numbers; a streamed example with only
 * {@code dense} features), CSR otherwise (a LibSVM line, a hashed CSV row, a streamed example with sparse or named
 * features). The layout follows how the data was written, not how many of its values are zero, so the same data in
 * the same encoding gets the same layout — and the same floating-point summation order, hence the same bits — on
 * both paths, whatever the batch boundaries (the job decides per batch, the offline reader per file; a file holds
 * one encoding).
 */
public final class BatchLayout {
    private BatchLayout() {}

    /**
     * @param rows           rows in the batch (or file)
     * @param rowsGivenDense how many of them were given as dense rows
     * @return true for a dense layout, false for CSR
     */
    public static boolean dense(long rows, long rowsGivenDense) {
        return rowsGivenDense == rows;
    }
}

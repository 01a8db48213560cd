package io.streamgrad.job.records;

/**
 * A mini-batch for one model, as the mini-batcher formed it: either dense (row-major {@code size x dim}) when
 * every example was dense-only, or CSR otherwise (dense parts become explicit entries), plus labels, weights and
 * provenance (the next offset after the last record in the batch, per source partition).
 *
 * <p>A Flink POJO; arrays never null.
 */
public class ExampleBatch {
    public String modelId;
    public int size;
    public int dim;
    /** Row-major {@code size x dim}; empty for a sparse batch. */
    public float[] dense = new float[0];
    /** CSR row pointers ({@code size + 1}); empty for a dense batch. */
    public int[] rowPtr = new int[0];

    public int[] indices = new int[0];
    public float[] values = new float[0];
    public float[] labels = new float[0];
    public float[] weights = new float[0];
    /** Largest event time in the batch (ms), 0 when unknown. */
    public long maxEventTime;
    /** Source partitions ("topic-partition") in this batch ... */
    public String[] sourcePartitions = new String[0];
    /** ... and, for each, the offset after the last record of the batch read from it. */
    public long[] nextOffsets = new long[0];
    /**
     * Why the batch was emitted: a {@link BatchTrigger#wireName()} (read it as {@link #triggerKind()}). A string, not
     * the enum, because savepoints written while {@code TrainingExample} had a {@code batch} field nest this class's
     * POJO serializer snapshot (with this field as a string) in the mini-batcher's buffer state snapshot, and
     * restoring them restores that nested serializer (the slot itself is always absent: see
     * {@code io.streamgrad.job.batch.BufferedExampleSerializer}).
     */
    public String trigger;

    public ExampleBatch() {}

    public BatchTrigger triggerKind() {
        return BatchTrigger.of(trigger);
    }

    public boolean isSparse() {
        return rowPtr.length > 0;
    }
}

package io.streamgrad.job.records;

/**
 * One validated example, ready to batch: features in the model's feature space (a dense part of exactly the
 * model's dimension, and/or a sparse part with named features already hashed in), a label valid for the model's
 * task, a finite non-negative weight, and where it came from. A producer-made mini-batch is a {@link ProducerBatch},
 * never one of these.
 *
 * <p>A Flink POJO; arrays are never null (empty when absent). In the mini-batcher's keyed state it is written by
 * {@code io.streamgrad.job.batch.BufferedExampleSerializer}, whose byte layout (that of savepoints since state
 * format v1) is documented there.
 */
public final class TrainingExample implements BatcherInput {
    public String modelId;
    /** Dense features, length = the model's {@code features}, or empty. */
    public float[] dense = new float[0];
    /** Sparse feature indices (0-based, in [0, features)); duplicates are summed. */
    public int[] indices = new int[0];
    /** One value per index. */
    public float[] values = new float[0];

    public float label;
    public float weight = 1f;
    /** ms since the epoch, 0 when unknown. */
    public long eventTime;

    public String topic;
    public int partition;
    public long offset;

    public TrainingExample() {}

    @Override
    public String modelId() {
        return modelId;
    }

    public boolean isDenseOnly() {
        return indices.length == 0 && dense.length > 0;
    }
}

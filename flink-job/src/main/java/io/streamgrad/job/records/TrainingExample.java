package io.streamgrad.job.records;

/**
 * One validated example, ready to batch: features in the model's feature space (a dense part of exactly the
 * model's dimension, and/or a sparse part with named features already hashed in), a label valid for the model's
 * task, a finite non-negative weight, and where it came from.
 *
 * <p>A Flink POJO; arrays are never null (empty when absent); {@link #batch} is null except for a producer-made
 * mini-batch.
 */
public class TrainingExample {
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
    /**
     * Non-null for a producer-made mini-batch that trains as it was sent: a MiniBatch record of exactly the model's
     * {@code batch_size} examples, validated and assembled by the decoder ({@link BatchTrigger#PRODUCER}). It then
     * travels as this one record instead of one per example, and the fields above other than {@link #modelId},
     * {@link #topic}, {@link #partition} and {@link #offset} are unused.
     */
    public ExampleBatch batch;

    public TrainingExample() {
    }

    public boolean isDenseOnly() {
        return indices.length == 0 && dense.length > 0;
    }

    /** One record carrying a whole producer-made mini-batch (see {@link #batch}). */
    public static TrainingExample ofBatch(ExampleBatch batch, String topic, int partition, long offset) {
        TrainingExample t = new TrainingExample();
        t.modelId = batch.modelId;
        t.batch = batch;
        t.topic = topic;
        t.partition = partition;
        t.offset = offset;
        return t;
    }
}

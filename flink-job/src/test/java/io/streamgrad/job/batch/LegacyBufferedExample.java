package io.streamgrad.job.batch;

import io.streamgrad.job.records.ExampleBatch;

/**
 * The reference for the mini-batcher's buffer state format v1: {@code TrainingExample} as it was when Flink's POJO
 * serializer wrote that state, with the {@code batch} field it had then (the field names, types and so their
 * order are what the bytes depend on; the class name is not in them).
 */
public class LegacyBufferedExample {
    public String modelId;
    public float[] dense = new float[0];
    public int[] indices = new int[0];
    public float[] values = new float[0];
    public float label;
    public float weight = 1f;
    public long eventTime;
    public String topic;
    public int partition;
    public long offset;
    public ExampleBatch batch;

    public LegacyBufferedExample() {}
}

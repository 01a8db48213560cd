package io.streamgrad.job.train;

/**
 * A batch's prequential record, kept in keyed state until its metrics window is published: the predictions the
 * model made before training on it, the labels, the weights and the mean loss. Keeping the inputs (not a
 * half-built accumulator) makes a restored window give exactly the metrics an uninterrupted run gives.
 */
public class ScoredBatch {
    public int size;
    public float[] predictions = new float[0];
    public float[] labels = new float[0];
    public float[] weights = new float[0];
    public double loss;
    public double gradientNorm;
    public double learningRate;

    public ScoredBatch() {}
}

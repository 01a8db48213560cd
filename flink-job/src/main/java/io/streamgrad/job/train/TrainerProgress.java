package io.streamgrad.job.train;

/**
 * One model's checkpointed bookkeeping next to its parameter and optimizer arrays: the {@code ModelState}
 * counters, the snapshot version (strictly increasing across restarts because it lives here), the current
 * metrics window and the source offsets trained so far. A Flink POJO (no Kryo).
 */
public class TrainerProgress {
    // ModelState counters
    public long step;
    public long rngState;
    public long examplesSeen;
    public long skippedBatches;

    // snapshots
    /** The version of the last published snapshot; 0 before the first. */
    public long snapshotVersion;
    /** {@link #step} when the last snapshot was published. */
    public long lastSnapshotStep;
    /** Processing time (ms) of the last snapshot, or of the model's first batch. */
    public long lastSnapshotAtMs;
    /** The pending time-based snapshot timer, 0 when none. */
    public long snapshotTimerAt;

    // the metrics window (the scored batches themselves are in list state)
    public int windowBatches;
    public long windowStartMs;
    public int windowRejected;
    /** The reason of the last rejected batch in this window, or null. */
    public String windowAlert;

    /** The last published window's metrics (names and values), copied into snapshots. */
    public String[] lastMetricNames = new String[0];

    public double[] lastMetricValues = new double[0];

    // provenance
    public String[] sourcePartitions = new String[0];
    public long[] nextOffsets = new long[0];
    public long lastEventTime;

    public TrainerProgress() {}

    /** Records the offsets after a batch: per partition, the larger next offset wins. */
    void mergeOffsets(String[] partitions, long[] next) {
        for (int i = 0; i < partitions.length; i++) {
            int at = -1;
            for (int j = 0; j < sourcePartitions.length; j++) {
                if (sourcePartitions[j].equals(partitions[i])) {
                    at = j;
                    break;
                }
            }
            if (at >= 0) {
                nextOffsets[at] = Math.max(nextOffsets[at], next[i]);
            } else {
                sourcePartitions = java.util.Arrays.copyOf(sourcePartitions, sourcePartitions.length + 1);
                nextOffsets = java.util.Arrays.copyOf(nextOffsets, nextOffsets.length + 1);
                sourcePartitions[sourcePartitions.length - 1] = partitions[i];
                nextOffsets[nextOffsets.length - 1] = next[i];
            }
        }
    }
}

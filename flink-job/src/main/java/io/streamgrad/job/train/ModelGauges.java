package io.streamgrad.job.train;

import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.learner.train.StepResult;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * One model's Flink metrics, under the group key {@code model=<id>}: counters of examples, batches, skipped batches
 * and rollbacks, and gauges of the last loss, the learning-rate scale, the snapshot version and the event-time lag.
 * Gauges are read from the metrics reporter's thread, hence volatile.
 */
final class ModelGauges {
    private final Counter examples;
    private final Counter batches;
    private final Counter skipped;
    private final Counter rollbacks;
    private volatile double lastLoss = Double.NaN;
    private volatile double lrScale = 1.0;
    private volatile long snapshotVersion;
    private volatile long lagMs = -1;
    private final MetricGroup group;

    ModelGauges(MetricGroup group) {
        this.group = group;
        examples = group.counter("examples");
        batches = group.counter("batches");
        skipped = group.counter("skippedBatches");
        rollbacks = group.counter("rollbacks");
        group.gauge("lrScale", (Gauge<Double>) () -> lrScale);
        group.gauge("loss", (Gauge<Double>) () -> lastLoss);
        group.gauge("snapshotVersion", (Gauge<Long>) () -> snapshotVersion);
        group.gauge("eventTimeLagMs", (Gauge<Long>) () -> lagMs);
    }

    /** A batch trained (or rejected) at {@code nowMs}; {@code lrScale} is the model's scale after it. */
    void batch(ExampleBatch in, StepResult r, double lrScale, long nowMs) {
        batches.inc();
        if (r.applied()) {
            examples.inc(in.size);
            lastLoss = r.loss();
        } else {
            skipped.inc();
            if (r.rolledBack()) {
                rollbacks.inc();
            }
        }
        lagMs = in.maxEventTime > 0 ? Math.max(0, nowMs - in.maxEventTime) : -1;
        this.lrScale = lrScale;
    }

    void snapshot(long version) {
        snapshotVersion = version;
    }

    /**
     * Unregisters the metrics (a model that expired): Flink's public API cannot remove a group, its runtime group
     * can. A later {@code addGroup} of the same id creates a fresh group.
     */
    void close() {
        if (group instanceof org.apache.flink.runtime.metrics.groups.AbstractMetricGroup<?> g) {
            g.close();
        }
    }
}

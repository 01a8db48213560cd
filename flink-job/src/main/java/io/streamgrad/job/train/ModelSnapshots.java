package io.streamgrad.job.train;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the {@link ModelSnapshot} record a model publishes, without Flink. */
final class ModelSnapshots {
    /** Metrics a snapshot carries besides the last published window's. */
    static final String SKIPPED_BATCHES = "skipped_batches";

    static final String ROLLBACKS = "rollbacks";
    static final String LR_SCALE = "lr_scale";

    private ModelSnapshots() {}

    /** The snapshot's model state (parameters, optimizer state, counters, RNG position, guard fields). */
    static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    /** The last published window's metrics as {@link #build} put them into the snapshot, back into the progress. */
    static void restoreLastWindow(ModelSnapshot s, TrainerProgress p) {
        java.util.List<String> names = new java.util.ArrayList<>();
        java.util.List<Double> values = new java.util.ArrayList<>();
        s.getMetrics().forEach((k, v) -> {
            String name = k.toString();
            if (!name.equals(SKIPPED_BATCHES) && !name.equals(ROLLBACKS) && !name.equals(LR_SCALE)) {
                names.add(name);
                values.add(v);
            }
        });
        p.lastMetricNames = names.toArray(new String[0]);
        p.lastMetricValues = values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * @param state   the state to publish, without its last-good copy ({@link ModelState#withoutLastGood()})
     * @param p       the model's progress: the last published window's metrics
     * @param version the snapshot's version ({@link SnapshotPolicy#published})
     */
    static ModelSnapshot build(
            String modelId,
            long version,
            ModelState state,
            TrainerProgress p,
            SnapshotProvenance provenance,
            long nowMs) {
        Map<String, Double> metrics = metrics(state, p);
        return provenance
                .writeTo(ModelSnapshot.newBuilder()
                        .setModelId(modelId)
                        .setVersion(version)
                        .setExamplesSeen(state.examplesSeen())
                        .setCreatedAt(Instant.ofEpochMilli(nowMs))
                        .setState(ByteBuffer.wrap(ModelStateCodec.encode(state)))
                        .setMetrics(metrics))
                .build();
    }

    /** The metrics a published version carries: the last published window's, and the guard counters. */
    static Map<String, Double> metrics(ModelState state, TrainerProgress p) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < p.lastMetricNames.length; i++) {
            metrics.put(p.lastMetricNames[i], p.lastMetricValues[i]);
        }
        metrics.put(SKIPPED_BATCHES, (double) state.skippedBatches());
        metrics.put(ROLLBACKS, (double) state.rollbacks());
        metrics.put(LR_SCALE, state.lrScale());
        return metrics;
    }
}

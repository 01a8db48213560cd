package io.streamgrad.job.train;

import io.streamgrad.avro.ModelDelta;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.train.ModelState;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;

/** Builds the {@link ModelDelta} record a model publishes on the updates topic, without Flink. */
final class ModelDeltas {
    private ModelDeltas() {}

    /**
     * The delta from version {@code version - 1} to {@code version}: the rows of the dirty set with their values now.
     *
     * @param state the state to publish (its parameters are the new version's)
     * @param t     the dirty set since version - 1, and the newest full version
     */
    static ModelDelta build(
            String modelId,
            long version,
            ModelState state,
            DeltaTracking t,
            TrainerProgress p,
            SnapshotProvenance provenance,
            long nowMs) {
        ParameterDelta d = ParameterDelta.gather(state.params(), t.dirty, t.dirtyCount);
        return ModelDelta.newBuilder()
                .setModelId(modelId)
                .setVersion(version)
                .setBaseVersion(version - 1)
                .setFullVersion(t.fullVersion)
                .setStep(state.step())
                .setExamplesSeen(state.examplesSeen())
                .setCreatedAt(Instant.ofEpochMilli(nowMs))
                .setNumParams(d.numParams())
                .setIndices(ByteBuffer.wrap(d.indicesBytes()))
                .setValues(ByteBuffer.wrap(d.valuesBytes()))
                .setRemoved(ByteBuffer.wrap(d.removedBytes()))
                .setMetrics(ModelSnapshots.metrics(state, p))
                .setSourceOffsets(new LinkedHashMap<>(provenance.sourceOffsets()))
                .setSchemaVersion(provenance.schemaVersion())
                .setBuildVersion(provenance.buildVersion())
                .build();
    }
}

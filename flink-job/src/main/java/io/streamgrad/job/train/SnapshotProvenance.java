package io.streamgrad.job.train;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.job.BuildInfo;
import io.streamgrad.schemas.SchemaHistory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a published snapshot came from (as Tribuo's model provenance): the model's configuration, the step, the
 * source offsets trained into it, the input schema version and the build. One typed value instead of five loose
 * builder calls; {@link #writeTo} fills the {@link ModelSnapshot} fields exactly as before (the Avro schema is
 * unchanged).
 *
 * @param configYaml    the model's training configuration, as YAML
 * @param step          updates made so far
 * @param sourceOffsets "topic-partition" to the offset after the last record trained into the snapshot, in the order
 *                      the partitions were first seen
 * @param schemaVersion the examples schema version this build reads
 * @param buildVersion  the streamgrad build
 */
record SnapshotProvenance(
        String configYaml, long step, Map<String, Long> sourceOffsets, int schemaVersion, String buildVersion) {
    SnapshotProvenance {
        sourceOffsets = Collections.unmodifiableMap(new LinkedHashMap<>(sourceOffsets));
    }

    /** The provenance of a model's snapshot now: its progress's step and offsets, this build's versions. */
    static SnapshotProvenance of(String configYaml, TrainerProgress p) {
        Map<String, Long> offsets = new LinkedHashMap<>();
        for (int i = 0; i < p.sourcePartitions.length; i++) {
            offsets.put(p.sourcePartitions[i], p.nextOffsets[i]);
        }
        return new SnapshotProvenance(
                configYaml, p.step, offsets, SchemaHistory.EXAMPLE_CURRENT_VERSION, BuildInfo.version());
    }

    ModelSnapshot.Builder writeTo(ModelSnapshot.Builder b) {
        return b.setStep(step)
                .setConfigYaml(configYaml)
                .setSourceOffsets(new LinkedHashMap<>(sourceOffsets))
                .setSchemaVersion(schemaVersion)
                .setBuildVersion(buildVersion);
    }
}

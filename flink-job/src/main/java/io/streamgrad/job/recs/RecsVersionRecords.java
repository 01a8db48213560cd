package io.streamgrad.job.recs;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.learner.recs.MfPublication;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link RecsVersion} records of one published version of an {@code mf} model (one record per
 * {@link MfPublication.Part}, all with the same metadata), without Flink. The records go to the updates topic keyed
 * by model id, in part order.
 */
public final class RecsVersionRecords {
    /** The RecsVersion layout this build writes. */
    public static final int SCHEMA_VERSION = 1;

    private RecsVersionRecords() {}

    /**
     * The records of version {@code version}: FULL when {@code version == fullVersion} (base_version 0), else a
     * DELTA on {@code version - 1} of the chain that starts at {@code fullVersion}.
     *
     * @param configYaml the model's mf config text, written on part 0 only
     * @param parts      {@link MfPublication#full} or {@link MfPublication#delta} of the model at this version
     */
    public static List<RecsVersion> of(
            String modelId,
            long version,
            long fullVersion,
            long step,
            long examplesSeen,
            long createdAtMs,
            String configYaml,
            List<MfPublication.Part> parts,
            Map<String, Double> metrics,
            Map<String, Long> sourceOffsets,
            String buildVersion) {
        if (version < 1 || fullVersion < 1 || fullVersion > version) {
            throw new IllegalArgumentException("version " + version + " of chain " + fullVersion
                    + ": versions start at 1 and a chain's full version comes first");
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a version has at least one part (an empty delta is one empty part)");
        }
        boolean full = version == fullVersion;
        List<RecsVersion> out = new ArrayList<>(parts.size());
        for (MfPublication.Part p : parts) {
            List<RecsTableRows> tables = new ArrayList<>(p.tables().size());
            for (MfPublication.TableRows t : p.tables()) {
                if (full && !t.removed().isEmpty()) {
                    throw new IllegalArgumentException("a full version carries no tombstones (table " + t.name()
                            + " has " + t.removed().size() + ")");
                }
                tables.add(RecsTableRows.newBuilder()
                        .setName(t.name())
                        .setIds(new ArrayList<>(t.ids()))
                        .setValues(ByteBuffer.wrap(t.valuesBytes()))
                        .setCounts(ByteBuffer.wrap(t.countsBytes()))
                        .setRemoved(new ArrayList<>(t.removed()))
                        .build());
            }
            out.add(RecsVersion.newBuilder()
                    .setModelId(modelId)
                    .setVersion(version)
                    .setKind(full ? RecsVersionKind.FULL : RecsVersionKind.DELTA)
                    .setBaseVersion(full ? 0 : version - 1)
                    .setFullVersion(fullVersion)
                    .setPart(p.part())
                    .setParts(p.parts())
                    .setStep(step)
                    .setExamplesSeen(examplesSeen)
                    .setCreatedAt(Instant.ofEpochMilli(createdAtMs))
                    .setConfigYaml(p.part() == 0 ? configYaml : "")
                    .setGlobalBias(p.globalBias())
                    .setTables(tables)
                    .setMetrics(new LinkedHashMap<>(metrics))
                    .setSourceOffsets(new LinkedHashMap<>(sourceOffsets))
                    .setSchemaVersion(SCHEMA_VERSION)
                    .setBuildVersion(buildVersion)
                    .build());
        }
        return out;
    }
}

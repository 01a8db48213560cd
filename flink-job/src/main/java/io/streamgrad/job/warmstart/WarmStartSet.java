package io.streamgrad.job.warmstart;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The models a job warm-starts ({@link WarmStart#load}): per model id, its newest committed snapshot on the models
 * topic (the single-object encoded record, as published) and the newest step of its committed metrics. Shipped to
 * the operators inside the job graph (hence {@link WarmStart#MAX_SHIPPED_BYTES}): the trainer initialises a model that
 * has no keyed state from its snapshot; the source starts at the snapshots' offsets; {@link WarmStartSkip} drops the
 * records a model already trained on.
 */
public final class WarmStartSet implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final WarmStartSet NONE = new WarmStartSet(Map.of(), Map.of(), Map.of());

    /**
     * model id -> the newest version it published as a delta on the updates topic (deltas enabled only); may be above
     * its snapshot's version. Null in sets built before deltas existed (deserialised job graphs): none.
     */
    private HashMap<String, Long> deltaVersions = new HashMap<>();

    /** model id -> the snapshot's record bytes (single-object encoding of {@link ModelSnapshot}). */
    private final LinkedHashMap<String, byte[]> snapshots;
    /** model id -> "topic-partition" -> next offset, from each snapshot's source_offsets. */
    private final LinkedHashMap<String, Map<String, Long>> sourceOffsets;
    /** model id -> the largest step of its committed metrics records published after its snapshot. */
    private final HashMap<String, Long> metricsThroughStep;

    private WarmStartSet(
            Map<String, byte[]> snapshots,
            Map<String, Map<String, Long>> sourceOffsets,
            Map<String, Long> metricsThroughStep) {
        this.snapshots = new LinkedHashMap<>(snapshots);
        this.sourceOffsets = new LinkedHashMap<>();
        sourceOffsets.forEach((id, o) -> this.sourceOffsets.put(id, new LinkedHashMap<>(o)));
        this.metricsThroughStep = new HashMap<>(metricsThroughStep);
    }

    /** No model is warm-started (a fresh start, or a caller that handles existing versions itself). */
    public static WarmStartSet none() {
        return NONE;
    }

    /**
     * @param snapshots          model id -> the newest snapshot and its record bytes
     * @param metricsThroughStep model id -> the largest step among its committed metrics (absent: none)
     */
    static WarmStartSet of(Map<String, NewestSnapshots.Chosen> snapshots, Map<String, Long> metricsThroughStep) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, Map<String, Long>> offsets = new LinkedHashMap<>();
        snapshots.forEach((id, c) -> {
            bytes.put(id, c.encoded());
            offsets.put(id, Map.copyOf(c.snapshot().getSourceOffsets()));
        });
        return new WarmStartSet(bytes, offsets, metricsThroughStep);
    }

    /** This set, knowing the newest delta version of each model (model id -> version; see {@link #newestDeltaVersion}). */
    WarmStartSet withDeltaVersions(Map<String, Long> newest) {
        if (newest.isEmpty()) {
            return this;
        }
        WarmStartSet s = new WarmStartSet(snapshots, sourceOffsets, metricsThroughStep);
        s.deltaVersions = new HashMap<>(newest);
        return s;
    }

    /**
     * The newest version of the model on the updates topic (0: none): a model without keyed state numbers its next
     * version above it, and above its snapshot's version, so no version is published twice.
     */
    public long newestDeltaVersion(String modelId) {
        return deltaVersions == null ? 0 : deltaVersions.getOrDefault(modelId, 0L);
    }

    public boolean isEmpty() {
        return snapshots.isEmpty() && (deltaVersions == null || deltaVersions.isEmpty());
    }

    public Set<String> modelIds() {
        return java.util.Collections.unmodifiableSet(snapshots.keySet());
    }

    /** The model's snapshot to start from, or null when it is not warm-started. */
    public ModelSnapshot snapshot(String modelId) {
        byte[] b = snapshots.get(modelId);
        if (b == null) {
            return null;
        }
        try {
            return SingleObjectCodec.modelSnapshot().decode(b);
        } catch (Exception e) {
            // Decoded once already by WarmStart.load: this is a bug, not bad input.
            throw new IllegalStateException("the warm-start snapshot of model '" + modelId + "' no longer decodes", e);
        }
    }

    /**
     * The largest step of the model's metrics already committed (-1: none, or not warm-started): a metrics window that closes at this step
     * or before covers batches a reader has already been told about, and is not published again.
     */
    public long metricsPublishedThroughStep(String modelId) {
        return metricsThroughStep.getOrDefault(modelId, -1L);
    }

    /** What each warm-started model has already trained on. */
    public SkipOffsets skipOffsets() {
        return SkipOffsets.of(sourceOffsets);
    }

    /**
     * Where the examples source starts each partition that a snapshot names: the smallest next offset over the
     * warm-started models, so every model sees every record it has not trained on ({@link WarmStartSkip} drops the
     * others). Partitions no snapshot names start as {@code start:} says.
     *
     * @return partition number -> offset, for {@code examplesTopic} only
     */
    public Map<Integer, Long> startOffsets(String examplesTopic) {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        String prefix = examplesTopic + "-";
        for (Map<String, Long> offsets : sourceOffsets.values()) {
            offsets.forEach((tp, next) -> {
                if (tp.startsWith(prefix)) {
                    String p = tp.substring(prefix.length());
                    if (!p.isEmpty() && p.chars().allMatch(Character::isDigit)) {
                        out.merge(Integer.parseInt(p), next, Math::min);
                    }
                }
            });
        }
        return out;
    }

    /** The bytes shipped inside the job graph. */
    public long shippedBytes() {
        return snapshots.values().stream().mapToLong(b -> b.length).sum();
    }
}

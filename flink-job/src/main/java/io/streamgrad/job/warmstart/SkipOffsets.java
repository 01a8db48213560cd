package io.streamgrad.job.warmstart;

import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which records a warm-started model has already trained on, without Flink: per model, per {@code topic-partition}
 * (as the snapshot's {@code source_offsets} name them), the offset after the last record trained into the snapshot
 * it started from. A record of that model at a smaller offset of that partition is in the model already and must
 * not be trained again; records of other partitions, and of models that were not warm-started, are all new.
 */
public final class SkipOffsets implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final SkipOffsets NONE = new SkipOffsets(Map.of());

    /** model id -> "topic-partition" -> next offset. */
    private final HashMap<String, HashMap<String, Long>> next;

    private final boolean empty;

    private SkipOffsets(Map<String, ? extends Map<String, Long>> next) {
        this.next = new HashMap<>();
        next.forEach((id, offsets) -> this.next.put(id, new HashMap<>(offsets)));
        this.empty = this.next.values().stream().allMatch(Map::isEmpty);
    }

    public static SkipOffsets none() {
        return NONE;
    }

    /** @param next model id -> "topic-partition" -> the offset after the last record trained into its snapshot */
    public static SkipOffsets of(Map<String, ? extends Map<String, Long>> next) {
        return new SkipOffsets(next);
    }

    /** Whether the model has trained on the record at {@code offset} of {@code topic}'s {@code partition}. */
    public boolean alreadyTrained(String modelId, String topic, int partition, long offset) {
        Map<String, Long> offsets = next.get(modelId);
        if (offsets == null) {
            return false;
        }
        Long n = offsets.get(topic + "-" + partition);
        return n != null && offset < n;
    }

    public boolean isEmpty() {
        return empty;
    }

    /** model id -> "topic-partition" -> next offset, a copy. */
    public Map<String, Map<String, Long>> asMap() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        next.forEach((id, offsets) -> out.put(id, new LinkedHashMap<>(offsets)));
        return out;
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}

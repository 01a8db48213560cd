package io.streamgrad.job.warmstart;

import io.streamgrad.avro.ModelSnapshot;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Chooses, per model id, the newest snapshot read from the models topic, without Kafka: the highest version wins;
 * between two records of the same version (a compacted topic may still hold both until it is cleaned) the one read
 * later wins, as compaction would keep it. Records of models the job does not train are ignored.
 */
final class NewestSnapshots {
    /** A chosen snapshot with where it was read (for messages) and its encoded size (for the shipping limit). */
    record Chosen(ModelSnapshot snapshot, byte[] encoded, String coordinates) {}

    private final Predicate<String> trained;
    private final Map<String, Chosen> newest = new LinkedHashMap<>();

    /** @param trained whether the job trains a model id (configured, or created from the template) */
    NewestSnapshots(Predicate<String> trained) {
        this.trained = trained;
    }

    /** Offers one committed record of the models topic, in topic order per partition. */
    void offer(ModelSnapshot s, byte[] encoded, String coordinates) {
        String id = s.getModelId();
        if (!trained.test(id)) {
            return;
        }
        Chosen old = newest.get(id);
        if (old == null || s.getVersion() >= old.snapshot().getVersion()) {
            newest.put(id, new Chosen(s, encoded, coordinates));
        }
    }

    /** A tombstone (null record) for the model: its earlier versions were deleted on purpose. */
    void delete(String modelId) {
        newest.remove(modelId);
    }

    /** The newest snapshot of each model, in the order the models were first seen. */
    Map<String, Chosen> chosen() {
        return newest;
    }
}

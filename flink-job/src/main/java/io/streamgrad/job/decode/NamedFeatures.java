package io.streamgrad.job.decode;

import io.streamgrad.learner.data.FeatureHasher;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named features through the learner's {@link FeatureHasher} (the hashing trick, with the same hash, index and
 * sign as the offline readers), so a model trained offline and one trained from Kafka see the same columns.
 */
public final class NamedFeatures {
    private NamedFeatures() {}

    /**
     * A hasher for one thread (FeatureHasher instances keep a running hash). The job's decoder and the prediction
     * server ({@code ./streamgrad serve}) both hash through it, so a served model sees the columns it trained on.
     */
    public static ExampleValidator.NamedFeatureHasher hasher() {
        Map<Integer, FeatureHasher> byDim = new HashMap<>();
        return (named, dim, indices, values, at) -> {
            FeatureHasher h = byDim.computeIfAbsent(dim, FeatureHasher::new);
            int k = at;
            // Sorted by name: the order of a decoded map depends on its implementation (Avro: HashMap, JSON:
            // insertion order); the order of the summed terms must not.
            for (Map.Entry<String, Float> e : new TreeMap<>(named).entrySet()) {
                int hash = h.hash(e.getKey());
                indices[k] = FeatureHasher.index(hash, dim);
                values[k++] = FeatureHasher.sign(hash) * e.getValue();
            }
        };
    }
}

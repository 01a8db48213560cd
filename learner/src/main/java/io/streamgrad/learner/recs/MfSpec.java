package io.streamgrad.learner.recs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An {@code mf} model's configuration ({@link MfConfig} reads it from YAML; keys in {@link RecsOptions}).
 *
 * @param dim           the latent dimension k of user and item vectors
 * @param initStd       standard deviation of the initial vectors
 * @param loss          the objective
 * @param negatives     sampled negatives per interaction (implicit losses)
 * @param negativePool  the size of the ring negatives are drawn from
 * @param sampler       what the ring holds
 * @param l2            L2 penalty {@code l2/2 ||θ_row||²} on every row the batch moves (vector and bias)
 * @param optimizer     the per-row update rule (also used for the global bias)
 * @param users         the user table's admission, expiry and capacity
 * @param items         the item table's
 * @param topK          K of recall@K / NDCG@K
 * @param batchSize     interactions per training step
 * @param seed          seeds initial vectors and negative sampling
 * @param contexts      the context fields, in declaration order, each an id-keyed table with its own admission,
 *                      expiry and capacity (empty: plain matrix factorization)
 */
public record MfSpec(
        int dim,
        double initStd,
        MfLoss loss,
        int negatives,
        int negativePool,
        Sampler sampler,
        double l2,
        RowOptimizer optimizer,
        TableSpec users,
        TableSpec items,
        int topK,
        int batchSize,
        long seed,
        Map<String, TableSpec> contexts) {
    /** Names a context field may not take: the interaction's own columns and the two built-in tables. */
    public static final Set<String> RESERVED = Set.of("user", "item", "rating", "timestamp", "users", "items");

    public MfSpec {
        contexts = Collections.unmodifiableMap(new LinkedHashMap<>(contexts));
        for (String f : contexts.keySet()) {
            if (!f.matches("[a-z][a-z0-9_]{0,63}") || RESERVED.contains(f)) {
                throw new IllegalArgumentException("invalid context field name '" + f + "'");
            }
        }
    }

    /** A model without context fields (plain matrix factorization). */
    public MfSpec(
            int dim,
            double initStd,
            MfLoss loss,
            int negatives,
            int negativePool,
            Sampler sampler,
            double l2,
            RowOptimizer optimizer,
            TableSpec users,
            TableSpec items,
            int topK,
            int batchSize,
            long seed) {
        this(
                dim,
                initStd,
                loss,
                negatives,
                negativePool,
                sampler,
                l2,
                optimizer,
                users,
                items,
                topK,
                batchSize,
                seed,
                Map.of());
    }

    /** The context field names, in declaration order (the order of their terms in the score). */
    public List<String> contextFields() {
        return List.copyOf(contexts.keySet());
    }

    /** How negatives are drawn. */
    public enum Sampler {
        /** Uniformly over the last {@code pool} distinct items seen. */
        UNIFORM_RECENT("uniform_recent"),
        /** Uniformly over the last {@code pool} item occurrences: proportional to recent popularity. */
        POPULARITY("popularity");

        private final String yamlName;

        Sampler(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }

        public static Sampler of(String name) {
            for (Sampler s : values()) {
                if (s.yamlName.equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown sampler '" + name + "'");
        }
    }
}

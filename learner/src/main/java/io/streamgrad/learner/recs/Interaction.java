package io.streamgrad.learner.recs;

import java.util.Map;

/**
 * One user-item interaction: a rating (explicit feedback) or NaN (implicit: the user clicked, bought, played the
 * item), at event time {@code timeMs}, with the ids of its context fields ({@code context}: field name to id, e.g.
 * {@code device -> ios}; empty when the model has no context fields). A field the model does not declare is
 * ignored; a declared field that is absent contributes nothing to the score.
 */
public record Interaction(String user, String item, double rating, long timeMs, Map<String, String> context) {
    public Interaction {
        context = context == null || context.isEmpty() ? Map.of() : Map.copyOf(context);
    }

    /** An interaction without context. */
    public Interaction(String user, String item, double rating, long timeMs) {
        this(user, item, rating, timeMs, Map.of());
    }

    public static Interaction implicit(String user, String item, long timeMs) {
        return new Interaction(user, item, Double.NaN, timeMs);
    }

    public boolean hasRating() {
        return !Double.isNaN(rating);
    }
}

package io.streamgrad.learner.recs;

/**
 * One user-item interaction: a rating (explicit feedback) or NaN (implicit: the user clicked, bought, played the
 * item), at event time {@code timeMs}.
 */
public record Interaction(String user, String item, double rating, long timeMs) {
    public static Interaction implicit(String user, String item, long timeMs) {
        return new Interaction(user, item, Double.NaN, timeMs);
    }

    public boolean hasRating() {
        return !Double.isNaN(rating);
    }
}

package io.streamgrad.learner.recs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prequential quality of a recommender over a window of interactions, each scored before the model learns it.
 * With one relevant item per interaction (the one the user then chose), {@code recall@K} is the fraction of
 * interactions whose item was in the top-K list and {@code ndcg@K} the mean of {@code 1 / log2(rank + 2)} for a
 * hit at 0-based rank, 0 for a miss (the ideal DCG is 1). For ratings: {@code rmse} and {@code mae} of the score.
 */
public final class RankingMetrics {
    private final int k;
    private long examples;
    private double hits;
    private double dcg;
    private long rated;
    private double squared;
    private double absolute;

    public RankingMetrics(int k) {
        this.k = k;
    }

    /**
     * The running sums behind the metrics, so a caller can keep a window in checkpointed state and continue it
     * ({@link #of}): the continued window gives the same numbers as one that was never interrupted.
     */
    public record Sums(long examples, double hits, double dcg, long rated, double squared, double absolute) {}

    public Sums sums() {
        return new Sums(examples, hits, dcg, rated, squared, absolute);
    }

    /** A window continued from {@code sums}. */
    public static RankingMetrics of(int k, Sums sums) {
        RankingMetrics m = new RankingMetrics(k);
        m.examples = sums.examples();
        m.hits = sums.hits();
        m.dcg = sums.dcg();
        m.rated = sums.rated();
        m.squared = sums.squared();
        m.absolute = sums.absolute();
        return m;
    }

    public int k() {
        return k;
    }

    public long rated() {
        return rated;
    }

    /** One interaction's top-K list (best first) and the item the user chose. */
    public void addRanking(List<String> topK, String item) {
        examples++;
        int rank = topK.indexOf(item);
        if (rank >= 0 && rank < k) {
            hits++;
            dcg += 1.0 / (Math.log(rank + 2) / Math.log(2));
        }
    }

    public void addRating(double predicted, double rating) {
        rated++;
        double e = predicted - rating;
        squared += e * e;
        absolute += Math.abs(e);
    }

    public long examples() {
        return examples;
    }

    public double recall() {
        return examples == 0 ? Double.NaN : hits / examples;
    }

    public double ndcg() {
        return examples == 0 ? Double.NaN : dcg / examples;
    }

    public double rmse() {
        return rated == 0 ? Double.NaN : Math.sqrt(squared / rated);
    }

    public double mae() {
        return rated == 0 ? Double.NaN : absolute / rated;
    }

    /** The defined metrics by name ({@code recall@10}, {@code ndcg@10}, {@code rmse}, {@code mae}, {@code examples}). */
    public Map<String, Double> snapshot() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("examples", (double) examples);
        if (examples > 0) {
            m.put("recall@" + k, recall());
            m.put("ndcg@" + k, ndcg());
        }
        if (rated > 0) {
            m.put("rmse", rmse());
            m.put("mae", mae());
        }
        return m;
    }
}

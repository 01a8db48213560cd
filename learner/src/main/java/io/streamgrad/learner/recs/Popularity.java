package io.streamgrad.learner.recs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The popularity baseline: recommends the items with the most interactions so far (ties: smaller id first),
 * the same list for everyone; for ratings it predicts the running mean rating. Updated after each interaction,
 * scored before it, like the model.
 */
public final class Popularity {
    private record Entry(String item, long count) {}

    private final Map<String, Long> counts = new HashMap<>();
    private final TreeSet<Entry> ranked =
            new TreeSet<>((a, b) -> a.count != b.count ? Long.compare(b.count, a.count) : a.item.compareTo(b.item));
    private double ratingSum;
    private long ratings;

    public void add(Interaction x) {
        long c = counts.getOrDefault(x.item(), 0L);
        if (c > 0) {
            ranked.remove(new Entry(x.item(), c));
        }
        counts.put(x.item(), c + 1);
        ranked.add(new Entry(x.item(), c + 1));
        if (x.hasRating()) {
            ratingSum += x.rating();
            ratings++;
        }
    }

    /** Adds {@code count} interactions with {@code item} at once (a saved model's counts). */
    public void addCount(String item, long count) {
        long c = counts.getOrDefault(item, 0L);
        if (c > 0) {
            ranked.remove(new Entry(item, c));
        }
        counts.put(item, c + count);
        ranked.add(new Entry(item, c + count));
    }

    /** The {@code k} most frequent items so far. */
    public List<String> topK(int k) {
        List<String> out = new ArrayList<>(k);
        Iterator<Entry> it = ranked.iterator();
        while (it.hasNext() && out.size() < k) {
            out.add(it.next().item);
        }
        return out;
    }

    /** The mean rating so far (0 before the first). */
    public double meanRating() {
        return ratings == 0 ? 0 : ratingSum / ratings;
    }
}

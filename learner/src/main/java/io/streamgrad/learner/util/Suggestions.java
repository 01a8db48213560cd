package io.streamgrad.learner.util;

import java.util.Collection;

/**
 * "Did you mean" for names a user mistyped (config keys and values, command-line options): the known name at the
 * smallest Levenshtein distance, if it is close enough to be a plausible typo. The one implementation every
 * message uses.
 */
public final class Suggestions {
    private Suggestions() {}

    /**
     * The known name closest to {@code name}, or {@code null} when none is within {@code max(2, length / 3)} edits
     * ({@link #threshold}).
     */
    public static String closest(String name, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= threshold(name) ? best : null;
    }

    /** The largest edit distance still taken for a typo of {@code name}. */
    public static int threshold(String name) {
        return Math.max(2, name.length() / 3);
    }

    /** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}

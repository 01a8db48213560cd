package io.streamgrad.serving.recs;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One served version of a recommendation ({@code mf}) model, immutable: the global bias and the user and item
 * tables ({@link RecsTable}) of exactly that version. Safe to use from any number of threads; read the live version
 * once per request ({@code ModelFollower.recsModel}) and answer the whole request from it.
 *
 * <p>Scores are computed as the offline {@link MfModel} computes them, in the same floating-point order, so a served
 * version answers exactly what the trained model answered at that version:
 *
 * <ul>
 *   <li>{@link #score}: {@code g + b_u + b_i + p_u · q_i} (double sums, the dot product accumulated in double);
 *       a user or item without a row contributes nothing (no bias, no dot product): an unknown item scores
 *       {@code g + b_u}, an unknown user {@code g + b_i}, both unknown {@code g};</li>
 *   <li>{@link #recommend}: the exact top k items for a known user over every item row of the version (a scan of the
 *       contiguous item blocks with a bounded heap), best first, ties broken by the smaller item id; a user without a
 *       row gets the popularity fallback: the k items with the highest interaction counts (ties: smaller id), each
 *       with the score {@code g + b_i} that {@link #score} gives an unknown user.</li>
 * </ul>
 */
public final class RecsModel {
    /** Rows per block: 2^6 = 64 rows, 8.4 KiB at k = 32: a delta copies little more than the rows it changes. */
    static final int BLOCK_SHIFT = 6;

    private final String modelId;
    private final long version;
    private final long fullVersion;
    private final long step;
    private final long examplesSeen;
    private final Instant createdAt;
    private final Map<String, Double> metrics;
    private final String configYaml;
    private final int dim;
    private final float globalBias;
    private final RecsTable users;
    private final RecsTable items;

    private RecsModel(RecsVersion meta, String configYaml, int dim, RecsTable users, RecsTable items) {
        this.modelId = meta.getModelId();
        this.version = meta.getVersion();
        this.fullVersion = meta.getFullVersion();
        this.step = meta.getStep();
        this.examplesSeen = meta.getExamplesSeen();
        this.createdAt = meta.getCreatedAt();
        this.metrics = Map.copyOf(meta.getMetrics());
        this.configYaml = configYaml;
        this.dim = dim;
        this.globalBias = meta.getGlobalBias();
        this.users = users;
        this.items = items;
    }

    /**
     * Builds a full version from all its parts (part order). The dimension comes from part 0's config.
     *
     * @param wheres each part's place (topic, partition, offset), for messages
     * @throws IllegalArgumentException naming the part's place when a part does not fit
     */
    public static RecsModel full(List<RecsVersion> parts, List<String> wheres) {
        RecsVersion first = parts.get(0);
        String yaml = first.getConfigYaml();
        int dim;
        try {
            dim = MfConfig.parse(yaml).dim();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    wheres.get(0) + ": part 0 carries no readable mf config (config_yaml): " + e.getMessage());
        }
        RecsTable empty = RecsTable.empty(dim, BLOCK_SHIFT);
        return apply(parts, wheres, yaml, dim, empty, empty);
    }

    /** The next version: this one with a delta's parts applied (removals of all parts first, then rows). */
    public RecsModel withDelta(List<RecsVersion> parts, List<String> wheres) {
        return apply(parts, wheres, configYaml, dim, users, items);
    }

    private static RecsModel apply(
            List<RecsVersion> parts, List<String> wheres, String yaml, int dim, RecsTable users, RecsTable items) {
        RecsTable.Editor u = users.edit();
        RecsTable.Editor i = items.edit();
        for (int p = 0; p < parts.size(); p++) {
            for (RecsTableRows t : parts.get(p).getTables()) {
                RecsTable.Editor e = editor(t, u, i, wheres.get(p));
                for (String id : t.getRemoved()) {
                    e.remove(id);
                }
            }
        }
        for (int p = 0; p < parts.size(); p++) {
            for (RecsTableRows t : parts.get(p).getTables()) {
                RecsTable.Editor e = editor(t, u, i, wheres.get(p));
                float[] values = MfPublication.floats(t.getValues());
                long[] counts = MfPublication.longs(t.getCounts());
                List<String> ids = t.getIds();
                if (values.length != ids.size() * (dim + 1)
                        || t.getValues().remaining() != values.length * 4
                        || counts.length != ids.size()
                        || t.getCounts().remaining() != counts.length * 8) {
                    throw new IllegalArgumentException(wheres.get(p) + ": table '" + t.getName() + "' has "
                            + ids.size() + " ids, " + t.getValues().remaining() + " bytes of values and "
                            + t.getCounts().remaining() + " bytes of counts; k = " + dim + " needs "
                            + ids.size() * (dim + 1) * 4 + " and " + ids.size() * 8 + " (k + 1 float32 and one"
                            + " int64 per id)");
                }
                for (int r = 0; r < ids.size(); r++) {
                    e.put(ids.get(r), values, r * (dim + 1), counts[r]);
                }
            }
        }
        RecsVersion meta = parts.get(0);
        return new RecsModel(meta, yaml, dim, u.done(), i.done());
    }

    private static RecsTable.Editor editor(RecsTableRows t, RecsTable.Editor u, RecsTable.Editor i, String where) {
        return switch (t.getName()) {
            case MfModel.USERS -> u;
            case MfModel.ITEMS -> i;
            default ->
                throw new IllegalArgumentException(where + ": unknown table '" + t.getName()
                        + "'; an mf model has the tables " + MfModel.USERS + " and " + MfModel.ITEMS);
        };
    }

    // ------------------------------------------------------------------------------------------------ answers

    /** An item and its score; {@code count} is the item's interaction count. */
    public record Scored(String item, double score, long count) {}

    /**
     * A top-k answer.
     *
     * @param items    best first
     * @param fallback true when the user has no row and the items are the most popular ones
     */
    public record Recommendation(List<Scored> items, boolean fallback) {}

    /**
     * A score.
     *
     * @param userKnown whether the user has a row (else it contributed nothing)
     * @param itemKnown whether the item has a row
     */
    public record Score(double score, boolean userKnown, boolean itemKnown) {}

    /** The score of (user, item); see the class comment for rows that are missing. */
    public Score score(String user, String item) {
        int us = users.slot(user);
        int is = items.slot(item);
        double s = globalBias;
        if (us >= 0) {
            s += users.block(us)[users.offset(us) + dim];
        }
        if (is >= 0) {
            s += items.block(is)[items.offset(is) + dim];
        }
        if (us >= 0 && is >= 0) {
            float[] ub = users.block(us);
            int uo = users.offset(us);
            float[] ib = items.block(is);
            int io = items.offset(is);
            double d = 0;
            for (int f = 0; f < dim; f++) {
                d += (double) ub[uo + f] * ib[io + f];
            }
            s += d;
        }
        return new Score(s, us >= 0, is >= 0);
    }

    /**
     * The top {@code k} items for {@code user}, without the items in {@code exclude}; see the class comment.
     *
     * @param k at least 1
     */
    public Recommendation recommend(String user, int k, Set<String> exclude) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        int us = users.slot(user);
        if (us < 0) {
            return new Recommendation(popular(k, exclude), true);
        }
        float[] u = users.row(us);
        TopK top = new TopK(k, items);
        boolean[] excluded = excludedSlots(exclude);
        int stride = dim + 1;
        int blockRows = items.blockRows;
        for (int b = 0; b < items.values.length; b++) {
            float[] v = items.values[b];
            String[] bid = items.ids[b];
            int base = b * blockRows;
            int n = Math.min(blockRows, items.slots - base);
            int r = 0;
            // Four rows at a time: four independent sums (each in the order f = 0..k-1, as MfModel), so the adds
            // of one row do not wait on each other.
            for (; r + 4 <= n; r += 4) {
                int o0 = r * stride;
                int o1 = o0 + stride;
                int o2 = o1 + stride;
                int o3 = o2 + stride;
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                for (int f = 0; f < dim; f++) {
                    double uf = u[f];
                    s0 += uf * v[o0 + f];
                    s1 += uf * v[o1 + f];
                    s2 += uf * v[o2 + f];
                    s3 += uf * v[o3 + f];
                }
                offer(top, bid[r], base + r, v[o0 + dim] + s0, excluded);
                offer(top, bid[r + 1], base + r + 1, v[o1 + dim] + s1, excluded);
                offer(top, bid[r + 2], base + r + 2, v[o2 + dim] + s2, excluded);
                offer(top, bid[r + 3], base + r + 3, v[o3 + dim] + s3, excluded);
            }
            for (; r < n; r++) {
                int o = r * stride;
                double s = 0;
                for (int f = 0; f < dim; f++) {
                    s += (double) u[f] * v[o + f];
                }
                offer(top, bid[r], base + r, v[o + dim] + s, excluded);
            }
        }
        // MfModel adds g + b_u (a float sum) to every score after the ranking; the same here.
        double base = globalBias + u[dim];
        List<Scored> out = top.drain(base);
        return new Recommendation(out, false);
    }

    private static void offer(TopK top, String id, int slot, double s, boolean[] excluded) {
        if (id != null && top.admits(s, id) && (excluded == null || !excluded[slot])) {
            top.add(s, slot);
        }
    }

    private boolean[] excludedSlots(Set<String> exclude) {
        if (exclude.isEmpty()) {
            return null;
        }
        boolean[] out = null;
        for (String id : exclude) {
            int s = items.slot(id);
            if (s >= 0) {
                if (out == null) {
                    out = new boolean[items.slots];
                }
                out[s] = true;
            }
        }
        return out;
    }

    /** The k items with the highest counts (ties: smaller id), without {@code exclude}. */
    List<Scored> popular(int k, Set<String> exclude) {
        TopK top = new TopK(k, items);
        boolean[] excluded = excludedSlots(exclude);
        int blockRows = items.blockRows;
        for (int b = 0; b < items.values.length; b++) {
            long[] c = items.counts[b];
            String[] bid = items.ids[b];
            int base = b * blockRows;
            int n = Math.min(blockRows, items.slots - base);
            for (int r = 0; r < n; r++) {
                offer(top, bid[r], base + r, c[r], excluded);
            }
        }
        List<Scored> ranked = top.drain(0);
        List<Scored> out = new ArrayList<>(ranked.size());
        for (Scored s : ranked) {
            int slot = items.slot(s.item());
            double score = (double) globalBias + items.block(slot)[items.offset(slot) + dim];
            out.add(new Scored(s.item(), score, items.count(slot)));
        }
        return out;
    }

    /** A bounded min-heap of (score, slot): the worst kept is at the root (lower score, or equal and larger id). */
    private static final class TopK {
        final int k;
        final RecsTable table;
        final double[] scores;
        final int[] slots;
        int size;

        TopK(int k, RecsTable table) {
            this.k = Math.min(k, Math.max(1, table.rows));
            this.table = table;
            this.scores = new double[this.k];
            this.slots = new int[this.k];
        }

        boolean admits(double s, String id) {
            if (size < k) {
                return true;
            }
            return s > scores[0] || s == scores[0] && id.compareTo(table.id(slots[0])) < 0;
        }

        void add(double s, int slot) {
            if (size < k) {
                scores[size] = s;
                slots[size] = slot;
                up(size++);
            } else {
                scores[0] = s;
                slots[0] = slot;
                down(0);
            }
        }

        /** a is worse than b: a lower score, or an equal score and a larger id. */
        private boolean worse(int a, int b) {
            if (scores[a] != scores[b]) {
                return scores[a] < scores[b];
            }
            return table.id(slots[a]).compareTo(table.id(slots[b])) > 0;
        }

        private void up(int i) {
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (!worse(i, p)) {
                    return;
                }
                swap(i, p);
                i = p;
            }
        }

        private void down(int i) {
            while (true) {
                int l = 2 * i + 1;
                if (l >= size) {
                    return;
                }
                int w = l + 1 < size && worse(l + 1, l) ? l + 1 : l;
                if (!worse(w, i)) {
                    return;
                }
                swap(i, w);
                i = w;
            }
        }

        private void swap(int a, int b) {
            double s = scores[a];
            scores[a] = scores[b];
            scores[b] = s;
            int t = slots[a];
            slots[a] = slots[b];
            slots[b] = t;
        }

        /** Best first, each score plus {@code base}. */
        List<Scored> drain(double base) {
            List<Scored> out = new ArrayList<>(size);
            while (size > 0) {
                out.add(new Scored(table.id(slots[0]), scores[0] + base, table.count(slots[0])));
                size--;
                if (size > 0) {
                    scores[0] = scores[size];
                    slots[0] = slots[size];
                    down(0);
                }
            }
            Collections.reverse(out);
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------------ metadata

    public String modelId() {
        return modelId;
    }

    public long version() {
        return version;
    }

    /** The FULL version the chain this version was built on started from. */
    public long fullVersion() {
        return fullVersion;
    }

    public long step() {
        return step;
    }

    public long examplesSeen() {
        return examplesSeen;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Map<String, Double> metrics() {
        return metrics;
    }

    public String configYaml() {
        return configYaml;
    }

    /** The latent dimension k. */
    public int dim() {
        return dim;
    }

    public float globalBias() {
        return globalBias;
    }

    /** The users table (package-private: tests check which blocks versions share). */
    RecsTable users() {
        return users;
    }

    /** The items table (package-private: tests check which blocks versions share). */
    RecsTable items() {
        return items;
    }

    public int userRows() {
        return users.rows;
    }

    public int itemRows() {
        return items.rows;
    }

    /** The row values (vector then bias) of {@code id} in {@code table} ("users" | "items"), or null. */
    public float[] row(String table, String id) {
        RecsTable t = MfModel.USERS.equals(table) ? users : items;
        int s = t.slot(id);
        return s < 0 ? null : t.row(s);
    }

    /** The interaction count of {@code id} in {@code table}, or -1 without a row. */
    public long count(String table, String id) {
        RecsTable t = MfModel.USERS.equals(table) ? users : items;
        int s = t.slot(id);
        return s < 0 ? -1 : t.count(s);
    }

    /** Every id with a row in {@code table}, in slot order. */
    public List<String> ids(String table) {
        RecsTable t = MfModel.USERS.equals(table) ? users : items;
        List<String> out = new ArrayList<>(t.rows);
        for (int s = 0; s < t.slots; s++) {
            String id = t.id(s);
            if (id != null) {
                out.add(id);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return modelId + " v" + version + " (mf, k=" + dim + ", " + users.rows + " users, " + items.rows + " items)";
    }
}

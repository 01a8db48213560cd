package io.streamgrad.serving.recs;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import io.streamgrad.learner.recs.MfSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 *
 * <p>A model with context fields (its config's {@code context:}, e.g. {@code device}) has a table per field, named
 * by it, and both answers take the request's context ids ({@code field -> id}): the score is the factorization
 * machine {@code g + Σ_f b_f + Σ_{f<f'} v_f · v_f'} over the user, item and context rows present, in
 * {@link MfModel}'s order; top-k ranks by {@code b_i + q_i · (p_u + Σ_c v_c)} and adds the constant terms after, as
 * {@link MfModel#topK(String, Map, int)} does. A context id without a row (unknown, not admitted yet, expired) is
 * no row: it contributes nothing, like an unknown user. A user without a row but with a known context id is ranked
 * by the context alone (not the popularity fallback). Without context ids both answers are the plain ones above.
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
    /** The context tables by field name, in the config's declaration order (empty: a plain mf model). */
    private final Map<String, RecsTable> contexts;

    private RecsModel(
            RecsVersion meta,
            String configYaml,
            int dim,
            RecsTable users,
            RecsTable items,
            Map<String, RecsTable> contexts) {
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
        this.contexts = Collections.unmodifiableMap(new LinkedHashMap<>(contexts));
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
        List<String> fields;
        try {
            MfSpec spec = MfConfig.parse(yaml);
            dim = spec.dim();
            fields = spec.contextFields();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    wheres.get(0) + ": part 0 carries no readable mf config (config_yaml): " + e.getMessage());
        }
        RecsTable empty = RecsTable.empty(dim, BLOCK_SHIFT);
        Map<String, RecsTable> contexts = new LinkedHashMap<>();
        for (String f : fields) {
            contexts.put(f, empty);
        }
        return apply(parts, wheres, yaml, dim, empty, empty, contexts);
    }

    /** The next version: this one with a delta's parts applied (removals of all parts first, then rows). */
    public RecsModel withDelta(List<RecsVersion> parts, List<String> wheres) {
        return apply(parts, wheres, configYaml, dim, users, items, contexts);
    }

    private static RecsModel apply(
            List<RecsVersion> parts,
            List<String> wheres,
            String yaml,
            int dim,
            RecsTable users,
            RecsTable items,
            Map<String, RecsTable> contexts) {
        Map<String, RecsTable.Editor> editors = new LinkedHashMap<>();
        editors.put(MfModel.USERS, users.edit());
        editors.put(MfModel.ITEMS, items.edit());
        contexts.forEach((f, t) -> editors.put(f, t.edit()));
        for (int p = 0; p < parts.size(); p++) {
            for (RecsTableRows t : parts.get(p).getTables()) {
                RecsTable.Editor e = editor(t, editors, wheres.get(p));
                for (String id : t.getRemoved()) {
                    e.remove(id);
                }
            }
        }
        for (int p = 0; p < parts.size(); p++) {
            for (RecsTableRows t : parts.get(p).getTables()) {
                RecsTable.Editor e = editor(t, editors, wheres.get(p));
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
        Map<String, RecsTable> doneContexts = new LinkedHashMap<>();
        for (String f : contexts.keySet()) {
            doneContexts.put(f, editors.get(f).done());
        }
        return new RecsModel(
                meta,
                yaml,
                dim,
                editors.get(MfModel.USERS).done(),
                editors.get(MfModel.ITEMS).done(),
                doneContexts);
    }

    private static RecsTable.Editor editor(RecsTableRows t, Map<String, RecsTable.Editor> editors, String where) {
        RecsTable.Editor e = editors.get(t.getName());
        if (e == null) {
            throw new IllegalArgumentException(where + ": unknown table '" + t.getName()
                    + "'; this mf model has the tables " + editors.keySet()
                    + " (users, items and the context fields of its config)");
        }
        return e;
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
        return score(user, item, Map.of());
    }

    /**
     * The context rows of {@code context} (field name to id), in declaration order: null for a field without an id
     * or an id without a row. Fields the model does not declare are ignored (the caller checks them first,
     * {@link #contextFields()}).
     */
    private float[][] contextRows(Map<String, String> context) {
        if (contexts.isEmpty() || context.isEmpty()) {
            return null;
        }
        float[][] rows = new float[contexts.size()][];
        boolean any = false;
        int c = 0;
        for (Map.Entry<String, RecsTable> e : contexts.entrySet()) {
            String id = context.get(e.getKey());
            int slot = id == null ? -1 : e.getValue().slot(id);
            if (slot >= 0) {
                rows[c] = e.getValue().row(slot);
                any = true;
            }
            c++;
        }
        return any ? rows : null;
    }

    private static double dot(float[] a, float[] b, int dim) {
        double s = 0;
        for (int f = 0; f < dim; f++) {
            s += (double) a[f] * b[f];
        }
        return s;
    }

    /** The score of (user, item) under {@code context} (field name to id); see the class comment. */
    public Score score(String user, String item, Map<String, String> context) {
        int us = users.slot(user);
        int is = items.slot(item);
        float[][] ctx = contextRows(context);
        if (ctx != null) {
            // MfModel's order: g, the biases in field order, then the dot products of every pair in order
            float[][] rows = new float[2 + ctx.length][];
            rows[0] = us >= 0 ? users.row(us) : null;
            rows[1] = is >= 0 ? items.row(is) : null;
            System.arraycopy(ctx, 0, rows, 2, ctx.length);
            double s = globalBias;
            for (float[] r : rows) {
                if (r != null) {
                    s += r[dim];
                }
            }
            for (int a = 0; a < rows.length; a++) {
                for (int b = a + 1; b < rows.length && rows[a] != null; b++) {
                    if (rows[b] != null) {
                        s += dot(rows[a], rows[b], dim);
                    }
                }
            }
            return new Score(s, us >= 0, is >= 0);
        }
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
        return recommend(user, k, exclude, Map.of());
    }

    /**
     * The top {@code k} items for {@code user} under {@code context} (field name to id), without the items in
     * {@code exclude}; see the class comment.
     */
    public Recommendation recommend(String user, int k, Set<String> exclude, Map<String, String> context) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        int us = users.slot(user);
        float[][] ctx = contextRows(context);
        if (us < 0 && ctx == null) {
            return new Recommendation(popular(k, exclude), true);
        }
        float[] uRow = us >= 0 ? users.row(us) : null;
        // the query: p_u (+ Σ_c v_c), in double as MfModel sums it
        double[] u = new double[dim];
        for (int f = 0; f < dim && uRow != null; f++) {
            u[f] = uRow[f];
        }
        if (ctx != null) {
            for (float[] c : ctx) {
                for (int f = 0; f < dim && c != null; f++) {
                    u[f] += c[f];
                }
            }
        }
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
                    s += u[f] * v[o + f];
                }
                offer(top, bid[r], base + r, v[o + dim] + s, excluded);
            }
        }
        // MfModel adds g + b_u (a float sum) to every score after the ranking, then (with context) the context
        // biases and the dot products among user and contexts; the same here.
        double base = globalBias + (uRow == null ? 0 : uRow[dim]);
        if (ctx != null) {
            float[][] fixed = new float[1 + ctx.length][];
            fixed[0] = uRow;
            System.arraycopy(ctx, 0, fixed, 1, ctx.length);
            for (int a = 0; a < fixed.length; a++) {
                if (fixed[a] == null) {
                    continue;
                }
                if (a > 0) {
                    base += fixed[a][dim];
                }
                for (int b = a + 1; b < fixed.length; b++) {
                    if (fixed[b] != null) {
                        base += dot(fixed[a], fixed[b], dim);
                    }
                }
            }
        }
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

    /** The context field names, in declaration order (empty: a plain mf model). */
    public List<String> contextFields() {
        return List.copyOf(contexts.keySet());
    }

    /** Rows of context table {@code field}, or -1 when the model has no such field. */
    public int contextRows(String field) {
        RecsTable t = contexts.get(field);
        return t == null ? -1 : t.rows;
    }

    private RecsTable table(String name) {
        if (MfModel.USERS.equals(name)) {
            return users;
        }
        RecsTable t = contexts.get(name);
        return t != null ? t : items;
    }

    /**
     * The row values (vector then bias) of {@code id} in {@code table} ("users" | "items" | a context field), or
     * null.
     */
    public float[] row(String table, String id) {
        RecsTable t = table(table);
        int s = t.slot(id);
        return s < 0 ? null : t.row(s);
    }

    /** The interaction count of {@code id} in {@code table}, or -1 without a row. */
    public long count(String table, String id) {
        RecsTable t = table(table);
        int s = t.slot(id);
        return s < 0 ? -1 : t.count(s);
    }

    /** Every id with a row in {@code table}, in slot order. */
    public List<String> ids(String table) {
        RecsTable t = table(table);
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
        StringBuilder ctx = new StringBuilder();
        contexts.forEach((f, t) -> ctx.append(", ").append(t.rows).append(' ').append(f));
        return modelId + " v" + version + " (mf, k=" + dim + ", " + users.rows + " users, " + items.rows + " items"
                + ctx + ")";
    }
}

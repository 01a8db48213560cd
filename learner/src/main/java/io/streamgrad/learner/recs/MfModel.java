package io.streamgrad.learner.recs;

import io.streamgrad.learner.util.Rng;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Biased matrix factorization over two {@link EmbeddingTable}s: the score of user u and item i is
 * {@code s = g + b_u + b_i + p_u · q_i} (Koren, Bell &amp; Volinsky 2009); with context fields
 * ({@link MfSpec#contexts()}, e.g. {@code device}, {@code country}) a factorization machine over one-hot id fields
 * (Rendle 2010): every field f present in the interaction (user, item, then the contexts in declaration order) with
 * an admitted row contributes its bias and its vector, {@code s = g + Σ_f b_f + Σ_{f<f'} v_f · v_f'}. The biases
 * are added in field order, then the pairwise dot products in order (0,1), (0,2), …, (1,2), …, so without context
 * the arithmetic is exactly the plain model's. Each context field is its own id-keyed table (its own admission,
 * expiry and capacity); an interaction is trained when its user and item have rows, a context without a row only
 * leaves out its terms. Hashed features stay in the dense {@code fm} model.
 *
 * <p>One {@link #train} call is one step over a batch of interactions, in order: every interaction's user and
 * item are observed (counted, admitted when due); an interaction whose user and item both have rows is trained,
 * the others only count. The batch objective is the mean over trained interactions of the loss ({@link MfLoss})
 * plus {@code l2/2 ||θ||²} for every row the batch moves; gradients are taken with the parameters before the
 * step (double precision), then each moved row takes one step of its own optimizer ({@link RowOptimizer}, lazy).
 * The global bias is trained by mse and logistic (BPR's differences cancel it).
 *
 * <p>Negatives (implicit losses) for interaction {@code n} of step {@code t} are drawn uniformly from a ring filled
 * before the batch: with sampler {@code uniform_recent} the last {@code negatives.pool} distinct items to enter it
 * (each active item about equally often), with {@code popularity} the last {@code negatives.pool} item occurrences
 * (popular items more often; the model then learns lift over popularity, not popularity itself). Drawn by a
 * generator seeded from (seed, t, n): the same data give the same negatives, on any machine and after a restore.
 * A drawn id equal to the positive item, or without a row, is skipped (fewer negatives, never a retry).
 *
 * <p>After the step every touched row is written back to its store; every {@code sweep_every_steps} steps both
 * tables expire old rows. Rows deleted by expiry or overflow are reported in the {@link StepResult}.
 */
public final class MfModel {
    public static final String USERS = "users";
    public static final String ITEMS = "items";

    private final MfSpec spec;
    private final MfGlobal global;
    private final EmbeddingTable users;
    private final EmbeddingTable items;
    private final List<EmbeddingTable> contexts;
    /** The gradient buffers, reused from step to step (zeroed as the next begins): a warm step allocates none. */
    private Grads grads;

    /**
     * The outcome of one step: the batch's mean data loss (over trained interactions), the negatives drawn per
     * interaction, the ids whose rows were written (changed: admitted rows and counted candidates, distinct, in
     * first-write order) and the ids of admitted rows deleted by expiry or overflow (tombstones for a delta). An id
     * can be in both when it was evicted and then seen again in the same batch: apply removals before changes.
     * The context tables' changed and removed ids are keyed by field name (every declared field, in order).
     */
    public record StepResult(
            long step,
            int trained,
            double loss,
            List<List<String>> negatives,
            List<String> changedUsers,
            List<String> changedItems,
            List<String> removedUsers,
            List<String> removedItems,
            Map<String, List<String>> changedContexts,
            Map<String, List<String>> removedContexts) {
        /** A step of a model without context fields. */
        public StepResult(
                long step,
                int trained,
                double loss,
                List<List<String>> negatives,
                List<String> changedUsers,
                List<String> changedItems,
                List<String> removedUsers,
                List<String> removedItems) {
            this(
                    step,
                    trained,
                    loss,
                    negatives,
                    changedUsers,
                    changedItems,
                    removedUsers,
                    removedItems,
                    Map.of(),
                    Map.of());
        }
    }

    /** A fresh model with empty heap stores. */
    public MfModel(MfSpec spec) {
        this(spec, new MfGlobal(spec), new HashRowStore(), new HashRowStore());
    }

    /** A model over caller-owned user and item stores; context tables (if any) get fresh heap stores. */
    public MfModel(MfSpec spec, MfGlobal global, RowStore userStore, RowStore itemStore) {
        this(spec, global, userStore, itemStore, heapStores(spec));
    }

    private static Map<String, RowStore> heapStores(MfSpec spec) {
        Map<String, RowStore> out = new java.util.LinkedHashMap<>();
        for (String f : spec.contextFields()) {
            out.put(f, new HashRowStore());
        }
        return out;
    }

    /**
     * A model over caller-owned state (the streaming job: a value state and a map state per table); {@code
     * contextStores} holds one store per declared context field.
     */
    public MfModel(
            MfSpec spec, MfGlobal global, RowStore userStore, RowStore itemStore, Map<String, RowStore> contextStores) {
        this.spec = spec;
        this.global = global;
        this.users = new EmbeddingTable(
                USERS,
                spec.dim(),
                (float) spec.initStd(),
                spec.seed(),
                spec.users(),
                spec.optimizer(),
                userStore,
                global.userRows);
        this.items = new EmbeddingTable(
                ITEMS,
                spec.dim(),
                (float) spec.initStd(),
                spec.seed(),
                spec.items(),
                spec.optimizer(),
                itemStore,
                global.itemRows);
        List<EmbeddingTable> ctx = new ArrayList<>();
        int c = 0;
        for (Map.Entry<String, TableSpec> e : spec.contexts().entrySet()) {
            RowStore store = contextStores.get(e.getKey());
            if (store == null) {
                throw new IllegalArgumentException("no row store for context field '" + e.getKey() + "'");
            }
            ctx.add(new EmbeddingTable(
                    e.getKey(),
                    spec.dim(),
                    (float) spec.initStd(),
                    spec.seed(),
                    e.getValue(),
                    spec.optimizer(),
                    store,
                    global.contextRows[c++]));
        }
        this.contexts = List.copyOf(ctx);
    }

    public MfSpec spec() {
        return spec;
    }

    public MfGlobal global() {
        return global;
    }

    public EmbeddingTable users() {
        return users;
    }

    public EmbeddingTable items() {
        return items;
    }

    /** The context tables, in declaration order (empty without context fields). */
    public List<EmbeddingTable> contexts() {
        return contexts;
    }

    /** The score of (user, item) with the current parameters; a missing row contributes 0 (bias and vector). */
    public double score(String user, String item) {
        return score(user, item, Map.of());
    }

    /**
     * The score of (user, item) under {@code context} (field name to id; undeclared fields are ignored); a missing
     * row, or an id without a row, contributes nothing.
     */
    public double score(String user, String item, Map<String, String> context) {
        Row[] rows = new Row[2 + contexts.size()];
        rows[0] = users.lookup(user);
        rows[1] = items.lookup(item);
        lookupContexts(context, rows, 2);
        return score(rows);
    }

    /** The score of an interaction's user, item and context. */
    public double score(Interaction x) {
        return score(x.user(), x.item(), x.context());
    }

    private void lookupContexts(Map<String, String> context, Row[] into, int from) {
        for (int c = 0; c < contexts.size(); c++) {
            String id = context.get(contexts.get(c).name());
            into[from + c] = id == null ? null : contexts.get(c).lookup(id);
        }
    }

    /** {@code g + Σ b_f + Σ_{f<f'} v_f · v_f'} over the non-null rows, biases first, pairs in order. */
    private double score(Row[] rows) {
        int dim = spec.dim();
        double s = global.bias[0];
        for (Row r : rows) {
            if (r != null) {
                s += r.params[dim];
            }
        }
        for (int a = 0; a < rows.length; a++) {
            if (rows[a] == null) {
                continue;
            }
            for (int b = a + 1; b < rows.length; b++) {
                if (rows[b] != null) {
                    s += dot(rows[a].params, rows[b].params, dim);
                }
            }
        }
        return s;
    }

    /** An item id and its score. */
    public record Scored(String item, double score) {}

    /**
     * The exact top {@code k} items for {@code user} over every admitted item, best first (ties: smaller id
     * first). A user without a row gets the items ranked by bias ({@code g + b_i}, a learned popularity).
     */
    public List<Scored> topK(String user, int k) {
        return topK(user, Map.of(), k);
    }

    /**
     * The exact top {@code k} items for {@code user} under {@code context} (field name to id; undeclared fields are
     * ignored, an id without a row contributes nothing): every term without the item is a constant, so items are
     * ranked by {@code b_i + q_i · (p_u + Σ_c v_c)}, and the scores returned are the full scores.
     */
    public List<Scored> topK(String user, Map<String, String> context, int k) {
        return topK(List.of(new Query(user, context)), k).get(0);
    }

    /** Whose top-K: a user under a context (field name to id; may be empty). */
    public record Query(String user, Map<String, String> context) {}

    /**
     * The exact top {@code k} of every query at once, in one scan of the item table (the streaming job's item table
     * is keyed state: one scan per batch instead of one per interaction); each list equals what {@link #topK(String,
     * Map, int)} gives for that query alone, bit for bit (the same sums in the same order). Equal queries share one
     * list.
     */
    public List<List<Scored>> topK(List<Query> queries, int k) {
        int dim = spec.dim();
        Map<Query, Ranking> distinct = new java.util.LinkedHashMap<>();
        Ranking[] rankings = new Ranking[queries.size()];
        for (int n = 0; n < queries.size(); n++) {
            rankings[n] = distinct.computeIfAbsent(queries.get(n), q -> ranking(q, k));
        }
        Ranking[] scan = distinct.values().toArray(new Ranking[0]);
        for (Map.Entry<String, Row> e : items.store().entries()) {
            Row r = e.getValue();
            if (!r.admitted()) {
                continue;
            }
            for (Ranking q : scan) {
                double s = r.params[dim]
                        + (q.sum != null
                                ? dot(q.sum, r.params, dim)
                                : q.query == null ? 0 : dot(q.query, r.params, dim));
                if (q.heap.size() < k) {
                    q.heap.add(new Scored(e.getKey(), s));
                } else if (better(s, e.getKey(), q.heap.peek())) {
                    q.heap.poll();
                    q.heap.add(new Scored(e.getKey(), s));
                }
            }
        }
        Map<Ranking, List<Scored>> lists = new java.util.IdentityHashMap<>();
        List<List<Scored>> out = new ArrayList<>(rankings.length);
        for (Ranking q : rankings) {
            out.add(lists.computeIfAbsent(q, Ranking::finish));
        }
        return out;
    }

    /**
     * One query's ranking: every term without the item is a constant ({@code base}), so items are ranked by
     * {@code b_i + q_i · (p_u + Σ_c v_c)}: {@code query} is {@code p_u} alone (or null), {@code sum} the sum in double
     * when a context row joins it.
     */
    private static final class Ranking {
        final float[] query;
        final double[] sum;
        final double base;
        final PriorityQueue<Scored> heap;

        Ranking(float[] query, double[] sum, double base, int k) {
            this.query = query;
            this.sum = sum;
            this.base = base;
            this.heap = new PriorityQueue<>(k + 1, MfModel::worseFirst);
        }

        List<Scored> finish() {
            List<Scored> out = new ArrayList<>(heap.size());
            while (!heap.isEmpty()) {
                Scored s = heap.poll();
                out.add(new Scored(s.item(), s.score() + base));
            }
            java.util.Collections.reverse(out);
            return out;
        }
    }

    private Ranking ranking(Query q, int k) {
        Row u = users.lookup(q.user());
        int dim = spec.dim();
        Row[] ctx = new Row[contexts.size()];
        lookupContexts(q.context(), ctx, 0);
        float[] query = u == null ? null : u.params;
        double[] sum = null;
        for (Row c : ctx) {
            if (c != null) {
                if (sum == null) {
                    sum = new double[dim];
                    for (int f = 0; f < dim && u != null; f++) {
                        sum[f] = u.params[f];
                    }
                }
                for (int f = 0; f < dim; f++) {
                    sum[f] += c.params[f];
                }
            }
        }
        double base = global.bias[0] + (u == null ? 0 : u.params[dim]);
        if (sum != null) {
            Row[] fixed = new Row[1 + ctx.length];
            fixed[0] = u;
            System.arraycopy(ctx, 0, fixed, 1, ctx.length);
            for (int a = 0; a < fixed.length; a++) {
                if (fixed[a] == null) {
                    continue;
                }
                if (a > 0) {
                    base += fixed[a].params[dim];
                }
                for (int b = a + 1; b < fixed.length; b++) {
                    if (fixed[b] != null) {
                        base += dot(fixed[a].params, fixed[b].params, dim);
                    }
                }
            }
        }
        return new Ranking(query, sum, base, k);
    }

    private static boolean better(double s, String id, Scored than) {
        return s > than.score() || s == than.score() && id.compareTo(than.item()) < 0;
    }

    private static int worseFirst(Scored a, Scored b) {
        int c = Double.compare(a.score(), b.score());
        return c != 0 ? c : b.item().compareTo(a.item());
    }

    /** One training step over {@code batch} (non-empty, in event order). */
    public StepResult train(List<Interaction> batch) {
        long step = ++global.step;
        int dim = spec.dim();
        int nc = contexts.size();
        long nowMs = Long.MIN_VALUE;
        // 1. observe (count, admit); rows stay in the tables' batch caches. rows[n] = user, item, contexts.
        Row[][] rows = new Row[batch.size()][];
        for (int n = 0; n < batch.size(); n++) {
            Interaction x = batch.get(n);
            Row[] r = new Row[2 + nc];
            r[0] = users.observe(x.user(), step, x.timeMs());
            r[1] = items.observe(x.item(), step, x.timeMs());
            for (int c = 0; c < nc; c++) {
                String id = x.context().get(contexts.get(c).name());
                r[2 + c] = id == null ? null : contexts.get(c).observe(id, step, x.timeMs());
            }
            rows[n] = r;
            nowMs = Math.max(nowMs, x.timeMs());
        }
        // 2. gradients, with the parameters before the step
        if (grads == null) {
            grads = new Grads(dim);
        }
        grads.clear();
        double[] gBias = new double[1];
        List<List<String>> negatives = new ArrayList<>(batch.size());
        int trained = 0;
        for (int n = 0; n < batch.size(); n++) {
            List<String> neg =
                    spec.loss().implicit() ? drawNegatives(step, n, batch.get(n).item()) : List.of();
            negatives.add(neg);
            if (rows[n][0] != null && rows[n][1] != null) {
                trained++;
            }
        }
        double loss = 0;
        if (trained > 0) {
            double w = 1.0 / trained;
            for (int n = 0; n < batch.size(); n++) {
                Row[] r = rows[n];
                Row u = r[0];
                Row i = r[1];
                if (u == null || i == null) {
                    continue;
                }
                double sPos = score(r);
                switch (spec.loss()) {
                    case MSE -> {
                        double err = sPos - batch.get(n).rating();
                        loss += w * 0.5 * err * err;
                        addScoreGradient(w * err, r, grads, gBias, dim);
                    }
                    case LOGISTIC -> {
                        loss += w * softplus(-sPos);
                        addScoreGradient(w * (sigmoid(sPos) - 1), r, grads, gBias, dim);
                        Row[] neg = r.clone();
                        for (String jId : negatives.get(n)) {
                            neg[1] = items.peek(jId);
                            double sNeg = score(neg);
                            loss += w * softplus(sNeg);
                            addScoreGradient(w * sigmoid(sNeg), neg, grads, gBias, dim);
                        }
                    }
                    case BPR -> {
                        // x = s(u,i,ctx) - s(u,j,ctx) = b_i - b_j + (q_i - q_j) · (p_u + Σ_c v_c)
                        double[] gu = grads.of(u);
                        double[] gi = grads.of(i);
                        double[] query = new double[dim];
                        for (int f = 0; f < dim; f++) {
                            double v = u.params[f];
                            for (int c = 2; c < r.length; c++) {
                                if (r[c] != null) {
                                    v += r[c].params[f];
                                }
                            }
                            query[f] = v;
                        }
                        for (String jId : negatives.get(n)) {
                            Row j = items.peek(jId);
                            double[] gj = grads.of(j);
                            double x = i.params[dim] - j.params[dim];
                            for (int f = 0; f < dim; f++) {
                                x += query[f] * (i.params[f] - j.params[f]);
                            }
                            loss += w * softplus(-x);
                            double c = w * (sigmoid(x) - 1);
                            for (int f = 0; f < dim; f++) {
                                gu[f] += c * (i.params[f] - j.params[f]);
                                gi[f] += c * query[f];
                                gj[f] -= c * query[f];
                            }
                            for (int k = 2; k < r.length; k++) {
                                if (r[k] != null) {
                                    double[] gc = grads.of(r[k]);
                                    for (int f = 0; f < dim; f++) {
                                        gc[f] += c * (i.params[f] - j.params[f]);
                                    }
                                }
                            }
                            gi[dim] += c;
                            gj[dim] -= c;
                        }
                    }
                }
            }
            // 3. L2 per moved row, then one optimizer step per row
            for (int k = 0; k < grads.rows.size(); k++) {
                Row r = grads.rows.get(k);
                double[] g = grads.values.get(k);
                for (int f = 0; f <= dim; f++) {
                    g[f] += spec.l2() * r.params[f];
                }
                r.updates++;
                spec.optimizer().update(r.params, r.slot1, r.slot2, g, r.updates);
            }
            if (spec.loss() != MfLoss.BPR) {
                global.biasUpdates++;
                spec.optimizer().update(global.bias, global.slot1, global.slot2, gBias, global.biasUpdates);
            }
        }
        // 4. write back, remember the batch's items for later negatives, expire
        users.flush();
        items.flush();
        for (EmbeddingTable t : contexts) {
            t.flush();
        }
        for (Interaction x : batch) {
            global.addToPool(x.item(), spec.sampler() == MfSpec.Sampler.UNIFORM_RECENT);
        }
        if (step % spec.users().sweepEverySteps() == 0) {
            users.sweep(step, nowMs);
        }
        if (step % spec.items().sweepEverySteps() == 0) {
            items.sweep(step, nowMs);
        }
        int c = 0;
        for (TableSpec t : spec.contexts().values()) {
            if (step % t.sweepEverySteps() == 0) {
                contexts.get(c).sweep(step, nowMs);
            }
            c++;
        }
        global.userRows = users.admittedRows();
        global.itemRows = items.admittedRows();
        Map<String, List<String>> changedContexts = new java.util.LinkedHashMap<>();
        Map<String, List<String>> removedContexts = new java.util.LinkedHashMap<>();
        for (c = 0; c < nc; c++) {
            EmbeddingTable t = contexts.get(c);
            global.contextRows[c] = t.admittedRows();
            removedContexts.put(t.name(), t.drainRemoved());
            changedContexts.put(t.name(), distinct(t.drainWritten()));
        }
        List<String> removedUsers = users.drainRemoved();
        List<String> removedItems = items.drainRemoved();
        return new StepResult(
                step,
                trained,
                loss,
                negatives,
                distinct(users.drainWritten()),
                distinct(items.drainWritten()),
                removedUsers,
                removedItems,
                java.util.Collections.unmodifiableMap(changedContexts),
                java.util.Collections.unmodifiableMap(removedContexts));
    }

    private static List<String> distinct(List<String> written) {
        return List.copyOf(new java.util.LinkedHashSet<>(written));
    }

    /** The negatives of interaction {@code n} of step {@code step} (ids with rows, excluding the positive). */
    List<String> drawNegatives(long step, int n, String positive) {
        if (global.poolFilled == 0 || spec.negatives() == 0) {
            return List.of();
        }
        Rng rng = new Rng(spec.seed() ^ (step * 0x9E3779B97F4A7C15L) ^ ((long) n * 0xC2B2AE3D27D4EB4FL));
        List<String> out = new ArrayList<>(spec.negatives());
        for (int d = 0; d < spec.negatives(); d++) {
            String j = global.pool[rng.nextInt(global.poolFilled)];
            if (!j.equals(positive) && items.peek(j) != null) {
                out.add(j);
            }
        }
        return out;
    }

    /**
     * Adds {@code c · ∂s/∂θ} for the score over the non-null {@code rows}: 1 for the global bias and every row's
     * bias, the sum of the other rows' vectors for every row's vector.
     */
    private static void addScoreGradient(double c, Row[] rows, Grads grads, double[] gBias, int dim) {
        gBias[0] += c;
        if (rows.length == 2 && rows[0] != null && rows[1] != null) {
            // user and item only (no context fields): the general loop below, unrolled; the same sums
            double[] gu = grads.of(rows[0]);
            double[] gi = grads.of(rows[1]);
            gu[dim] += c;
            gi[dim] += c;
            float[] pu = rows[0].params;
            float[] pi = rows[1].params;
            for (int f = 0; f < dim; f++) {
                gu[f] += c * pi[f];
                gi[f] += c * pu[f];
            }
            return;
        }
        double[][] g = grads.rowGrads(rows.length);
        for (int a = 0; a < rows.length; a++) {
            g[a] = null;
            if (rows[a] != null) {
                g[a] = grads.of(rows[a]);
                g[a][dim] += c;
            }
        }
        for (int f = 0; f < dim; f++) {
            for (int a = 0; a < rows.length; a++) {
                if (g[a] == null) {
                    continue;
                }
                double others = 0;
                boolean any = false;
                for (int b = 0; b < rows.length; b++) {
                    if (b != a && rows[b] != null) {
                        others = any ? others + rows[b].params[f] : rows[b].params[f];
                        any = true;
                    }
                }
                if (any) {
                    g[a][f] += c * others;
                }
            }
        }
    }

    static double dot(double[] a, float[] b, int dim) {
        double s = 0;
        for (int f = 0; f < dim; f++) {
            s += a[f] * b[f];
        }
        return s;
    }

    static double dot(float[] a, float[] b, int dim) {
        double s = 0;
        for (int f = 0; f < dim; f++) {
            s += (double) a[f] * b[f];
        }
        return s;
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** log(1 + e^x), stable. */
    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    /**
     * Gradient buffers per row, by identity (rows are values), in first-touch order; {@link #clear} zeroes them and
     * keeps them for the next step.
     */
    private static final class Grads {
        final int dim;
        final IdentityHashMap<Row, double[]> byRow = new IdentityHashMap<>();
        final List<Row> rows = new ArrayList<>();
        final List<double[]> values = new ArrayList<>();
        private final java.util.ArrayDeque<double[]> free = new java.util.ArrayDeque<>();
        private double[][] rowGrads = new double[0][];

        Grads(int dim) {
            this.dim = dim;
        }

        void clear() {
            for (double[] g : values) {
                java.util.Arrays.fill(g, 0);
                free.push(g);
            }
            values.clear();
            rows.clear();
            byRow.clear();
        }

        /** A scratch array of {@code n} row-gradient references (for one score's rows). */
        double[][] rowGrads(int n) {
            if (rowGrads.length < n) {
                rowGrads = new double[n][];
            }
            return rowGrads;
        }

        double[] of(Row r) {
            double[] g = byRow.get(r);
            if (g == null) {
                g = free.poll();
                if (g == null) {
                    g = new double[dim + 1];
                }
                byRow.put(r, g);
                rows.add(r);
                values.add(g);
            }
            return g;
        }
    }
}

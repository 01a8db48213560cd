package io.streamgrad.learner.recs;

import io.streamgrad.learner.util.Rng;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Biased matrix factorization over two {@link EmbeddingTable}s: the score of user u and item i is
 * {@code s = g + b_u + b_i + p_u · q_i} (Koren, Bell &amp; Volinsky 2009).
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

    /**
     * The outcome of one step: the batch's mean data loss (over trained interactions), the negatives drawn per
     * interaction, the ids whose rows were written (changed: admitted rows and counted candidates, distinct, in
     * first-write order) and the ids of admitted rows deleted by expiry or overflow (tombstones for a delta). An id
     * can be in both when it was evicted and then seen again in the same batch: apply removals before changes.
     */
    public record StepResult(
            long step,
            int trained,
            double loss,
            List<List<String>> negatives,
            List<String> changedUsers,
            List<String> changedItems,
            List<String> removedUsers,
            List<String> removedItems) {}

    /** A fresh model with empty heap stores. */
    public MfModel(MfSpec spec) {
        this(spec, new MfGlobal(spec), new HashRowStore(), new HashRowStore());
    }

    /** A model over caller-owned state (the streaming job: a value state and two map states). */
    public MfModel(MfSpec spec, MfGlobal global, RowStore userStore, RowStore itemStore) {
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

    /** The score of (user, item) with the current parameters; a missing row contributes 0 (bias and vector). */
    public double score(String user, String item) {
        Row u = users.lookup(user);
        Row i = items.lookup(item);
        return score(u, i);
    }

    private double score(Row u, Row i) {
        double s = global.bias[0];
        if (u != null) {
            s += u.params[spec.dim()];
        }
        if (i != null) {
            s += i.params[spec.dim()];
        }
        if (u != null && i != null) {
            s += dot(u.params, i.params, spec.dim());
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
        Row u = users.lookup(user);
        int dim = spec.dim();
        PriorityQueue<Scored> heap = new PriorityQueue<>(k + 1, MfModel::worseFirst);
        for (Map.Entry<String, Row> e : items.store().entries()) {
            Row r = e.getValue();
            if (!r.admitted()) {
                continue;
            }
            double s = r.params[dim] + (u == null ? 0 : dot(u.params, r.params, dim));
            if (heap.size() < k) {
                heap.add(new Scored(e.getKey(), s));
            } else if (better(s, e.getKey(), heap.peek())) {
                heap.poll();
                heap.add(new Scored(e.getKey(), s));
            }
        }
        double base = global.bias[0] + (u == null ? 0 : u.params[dim]);
        List<Scored> out = new ArrayList<>(heap.size());
        while (!heap.isEmpty()) {
            Scored s = heap.poll();
            out.add(new Scored(s.item(), s.score() + base));
        }
        java.util.Collections.reverse(out);
        return out;
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
        long nowMs = Long.MIN_VALUE;
        // 1. observe (count, admit); rows stay in the tables' batch caches
        Row[] us = new Row[batch.size()];
        Row[] is = new Row[batch.size()];
        for (int n = 0; n < batch.size(); n++) {
            Interaction x = batch.get(n);
            us[n] = users.observe(x.user(), step, x.timeMs());
            is[n] = items.observe(x.item(), step, x.timeMs());
            nowMs = Math.max(nowMs, x.timeMs());
        }
        // 2. gradients, with the parameters before the step
        Grads grads = new Grads(dim);
        double[] gBias = new double[1];
        List<List<String>> negatives = new ArrayList<>(batch.size());
        int trained = 0;
        for (int n = 0; n < batch.size(); n++) {
            List<String> neg =
                    spec.loss().implicit() ? drawNegatives(step, n, batch.get(n).item()) : List.of();
            negatives.add(neg);
            if (us[n] != null && is[n] != null) {
                trained++;
            }
        }
        double loss = 0;
        if (trained > 0) {
            double w = 1.0 / trained;
            for (int n = 0; n < batch.size(); n++) {
                Row u = us[n];
                Row i = is[n];
                if (u == null || i == null) {
                    continue;
                }
                double[] gu = grads.of(u);
                double[] gi = grads.of(i);
                double sPos = score(u, i);
                switch (spec.loss()) {
                    case MSE -> {
                        double err = sPos - batch.get(n).rating();
                        loss += w * 0.5 * err * err;
                        addScoreGradient(w * err, u, i, gu, gi, gBias, dim);
                    }
                    case LOGISTIC -> {
                        loss += w * softplus(-sPos);
                        addScoreGradient(w * (sigmoid(sPos) - 1), u, i, gu, gi, gBias, dim);
                        for (String jId : negatives.get(n)) {
                            Row j = items.peek(jId);
                            double[] gj = grads.of(j);
                            double sNeg = score(u, j);
                            loss += w * softplus(sNeg);
                            addScoreGradient(w * sigmoid(sNeg), u, j, gu, gj, gBias, dim);
                        }
                    }
                    case BPR -> {
                        for (String jId : negatives.get(n)) {
                            Row j = items.peek(jId);
                            double[] gj = grads.of(j);
                            double x = i.params[dim] - j.params[dim];
                            for (int f = 0; f < dim; f++) {
                                x += (double) u.params[f] * (i.params[f] - j.params[f]);
                            }
                            loss += w * softplus(-x);
                            double c = w * (sigmoid(x) - 1);
                            for (int f = 0; f < dim; f++) {
                                gu[f] += c * (i.params[f] - j.params[f]);
                                gi[f] += c * u.params[f];
                                gj[f] -= c * u.params[f];
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
        for (Interaction x : batch) {
            global.addToPool(x.item(), spec.sampler() == MfSpec.Sampler.UNIFORM_RECENT);
        }
        if (step % spec.users().sweepEverySteps() == 0) {
            users.sweep(step, nowMs);
        }
        if (step % spec.items().sweepEverySteps() == 0) {
            items.sweep(step, nowMs);
        }
        global.userRows = users.admittedRows();
        global.itemRows = items.admittedRows();
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
                removedItems);
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

    private static void addScoreGradient(double c, Row u, Row i, double[] gu, double[] gi, double[] gBias, int dim) {
        gBias[0] += c;
        gu[dim] += c;
        gi[dim] += c;
        for (int f = 0; f < dim; f++) {
            gu[f] += c * i.params[f];
            gi[f] += c * u.params[f];
        }
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

    /** Gradient buffers per row, by identity (rows are values), in first-touch order. */
    private static final class Grads {
        final int dim;
        final IdentityHashMap<Row, double[]> byRow = new IdentityHashMap<>();
        final List<Row> rows = new ArrayList<>();
        final List<double[]> values = new ArrayList<>();

        Grads(int dim) {
            this.dim = dim;
        }

        double[] of(Row r) {
            double[] g = byRow.get(r);
            if (g == null) {
                g = new double[dim + 1];
                byRow.put(r, g);
                rows.add(r);
                values.add(g);
            }
            return g;
        }
    }
}

package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The model with context fields against an independent reference written here: a factorization machine over a
 * one-hot feature vector (one feature per "field:id", plain double loops over every pair of features, O(F²)), its
 * analytic gradient term by term, and central finite differences of its loss. The gradient the model applies
 * (recovered from an sgd step) equals the reference's; rows outside the batch do not move; top-K under a context
 * ranks by the reference score.
 */
class FmGradientTest {
    private static final int DIM = 3;

    private static MfSpec spec(MfLoss loss, double lr, double l2) {
        Map<String, TableSpec> ctx = new LinkedHashMap<>();
        ctx.put("device", TableSpec.unbounded());
        ctx.put("country", TableSpec.unbounded());
        return new MfSpec(
                DIM,
                0.3,
                loss,
                3,
                50,
                MfSpec.Sampler.UNIFORM_RECENT,
                l2,
                new RowOptimizer(RowOptimizer.Kind.SGD, lr, 0.9, 0.999, 1e-8, 0.1),
                TableSpec.unbounded(),
                TableSpec.unbounded(),
                5,
                8,
                42,
                ctx);
    }

    private static Map<String, String> ctx(int n) {
        Map<String, String> c = new HashMap<>();
        if (n % 4 != 3) {
            c.put("device", "d" + (n % 3));
        }
        if (n % 5 != 4) {
            c.put("country", "c" + (n % 2));
        }
        if (n % 7 == 0) {
            c.put("undeclared", "x"); // ignored
        }
        return c;
    }

    private static List<Interaction> warmup(MfLoss loss) {
        List<Interaction> out = new ArrayList<>();
        for (int n = 0; n < 48; n++) {
            out.add(new Interaction(
                    "u" + (n % 6), "i" + ((n * 5) % 8), loss.implicit() ? Double.NaN : 1 + n % 5, n, ctx(n)));
        }
        return out;
    }

    /** Known users and items; contexts: both, one, none, and an unseen device id (no row). */
    private static List<Interaction> checkBatch(MfLoss loss) {
        String[][] rows = {
            {"u1", "i2", "d0", "c1"},
            {"u3", "i2", "d2", null},
            {"u1", "i7", null, "c0"},
            {"u4", "i0", null, null},
            {"u0", "i5", "d-new", "c1"}
        };
        List<Interaction> out = new ArrayList<>();
        for (int n = 0; n < rows.length; n++) {
            Map<String, String> c = new HashMap<>();
            if (rows[n][2] != null) {
                c.put("device", rows[n][2]);
            }
            if (rows[n][3] != null) {
                c.put("country", rows[n][3]);
            }
            out.add(new Interaction(rows[n][0], rows[n][1], loss.implicit() ? Double.NaN : 2 + n, 100 + n, c));
        }
        return out;
    }

    /** Parameters by feature "field:id" (vector then bias) and "g". */
    private static Map<String, double[]> params(MfModel m) {
        Map<String, double[]> p = new HashMap<>();
        put(p, "user", m.users());
        put(p, "item", m.items());
        for (EmbeddingTable t : m.contexts()) {
            put(p, t.name(), t);
        }
        p.put("g", new double[] {m.global().globalBias()});
        return p;
    }

    private static void put(Map<String, double[]> p, String field, EmbeddingTable t) {
        for (Map.Entry<String, Row> e : t.store().entries()) {
            if (e.getValue().admitted()) {
                float[] a = e.getValue().params();
                double[] d = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    d[i] = a[i];
                }
                p.put(field + ":" + e.getKey(), d);
            }
        }
    }

    /** The active features of (user, item, context) that have parameters: the one-hot x_j = 1 entries. */
    private static List<String> features(Map<String, double[]> p, String user, String item, Map<String, String> c) {
        List<String> x = new ArrayList<>();
        x.add("user:" + user);
        x.add("item:" + item);
        for (String f : List.of("device", "country")) {
            if (c.containsKey(f) && p.containsKey(f + ":" + c.get(f))) {
                x.add(f + ":" + c.get(f));
            }
        }
        return x;
    }

    /** Rendle's FM with one-hot x: w0 + Σ_j w_j + Σ_{j<j'} <v_j, v_j'>. */
    static double fm(Map<String, double[]> p, List<String> x) {
        double s = p.get("g")[0];
        for (String j : x) {
            s += p.get(j)[DIM];
        }
        for (int a = 0; a < x.size(); a++) {
            for (int b = a + 1; b < x.size(); b++) {
                for (int f = 0; f < DIM; f++) {
                    s += p.get(x.get(a))[f] * p.get(x.get(b))[f];
                }
            }
        }
        return s;
    }

    private static List<String> with(List<String> x, String item) {
        List<String> y = new ArrayList<>(x);
        y.set(1, item);
        return y;
    }

    static double referenceLoss(
            Map<String, double[]> p, List<Interaction> batch, List<List<String>> negs, MfLoss loss, double l2) {
        double total = 0;
        Set<String> moved = new HashSet<>();
        for (int n = 0; n < batch.size(); n++) {
            Interaction in = batch.get(n);
            List<String> x = features(p, in.user(), in.item(), in.context());
            moved.addAll(x);
            double s = fm(p, x);
            if (loss == MfLoss.MSE) {
                total += 0.5 * (s - in.rating()) * (s - in.rating());
            } else if (loss == MfLoss.LOGISTIC) {
                total += Math.log(1 + Math.exp(-s));
                for (String j : negs.get(n)) {
                    moved.add("item:" + j);
                    total += Math.log(1 + Math.exp(fm(p, with(x, "item:" + j))));
                }
            } else {
                for (String j : negs.get(n)) {
                    moved.add("item:" + j);
                    total += Math.log(1 + Math.exp(-(s - fm(p, with(x, "item:" + j)))));
                }
            }
        }
        double reg = 0;
        for (String r : moved) {
            for (double v : p.get(r)) {
                reg += v * v;
            }
        }
        return total / batch.size() + 0.5 * l2 * reg;
    }

    /** c · ∂fm/∂θ: 1 for w0 and each w_j, Σ_{j' ≠ j} v_j' for each v_j. */
    private static void addFm(Map<String, double[]> g, Map<String, double[]> p, List<String> x, double c) {
        g.computeIfAbsent("g", k -> new double[1])[0] += c;
        for (String j : x) {
            double[] gj = g.computeIfAbsent(j, k -> new double[DIM + 1]);
            gj[DIM] += c;
            for (String o : x) {
                if (!o.equals(j)) {
                    for (int f = 0; f < DIM; f++) {
                        gj[f] += c * p.get(o)[f];
                    }
                }
            }
        }
    }

    static Map<String, double[]> referenceGradient(
            Map<String, double[]> p, List<Interaction> batch, List<List<String>> negs, MfLoss loss, double l2) {
        Map<String, double[]> g = new HashMap<>();
        double b = batch.size();
        for (int n = 0; n < batch.size(); n++) {
            Interaction in = batch.get(n);
            List<String> x = features(p, in.user(), in.item(), in.context());
            double s = fm(p, x);
            for (String j : x) {
                g.computeIfAbsent(j, k -> new double[DIM + 1]);
            }
            if (loss == MfLoss.MSE) {
                addFm(g, p, x, (s - in.rating()) / b);
            } else if (loss == MfLoss.LOGISTIC) {
                addFm(g, p, x, (1 / (1 + Math.exp(-s)) - 1) / b);
                for (String j : negs.get(n)) {
                    List<String> y = with(x, "item:" + j);
                    addFm(g, p, y, (1 / (1 + Math.exp(-fm(p, y)))) / b);
                }
            } else {
                for (String j : negs.get(n)) {
                    List<String> y = with(x, "item:" + j);
                    double c = (1 / (1 + Math.exp(-(s - fm(p, y)))) - 1) / b;
                    addFm(g, p, x, c);
                    addFm(g, p, y, -c);
                }
            }
        }
        for (Map.Entry<String, double[]> e : g.entrySet()) {
            if (!e.getKey().equals("g")) {
                for (int f = 0; f <= DIM; f++) {
                    e.getValue()[f] += l2 * p.get(e.getKey())[f];
                }
            }
        }
        return g;
    }

    private static MfModel warmed(MfSpec spec) {
        MfModel m = new MfModel(spec);
        List<Interaction> w = warmup(spec.loss());
        for (int from = 0; from < w.size(); from += 8) {
            m.train(w.subList(from, from + 8));
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(MfLoss.class)
    void sgdStep_movesEachRowByTheOneHotFmGradient_whichMatchesFiniteDifferences(MfLoss loss) {
        double lr = 0.5;
        double l2 = 0.01;
        MfModel m = warmed(spec(loss, lr, l2));
        Map<String, double[]> before = params(m);
        assertThat(before).containsKeys("device:d0", "device:d2", "country:c0", "country:c1");
        assertThat(before).doesNotContainKeys("device:d-new", "undeclared:x");
        assertThat(m.contexts()).extracting(EmbeddingTable::name).containsExactly("device", "country");
        List<Interaction> batch = checkBatch(loss);
        // the scores before the step are the reference FM's
        for (Interaction in : batch) {
            assertThat(m.score(in))
                    .isCloseTo(fm(before, features(before, in.user(), in.item(), in.context())), within(1e-6));
        }
        // d-new is admitted at its first sighting in the step (min_count 1) and trained with its initial vector
        float[] init = m.contexts().get(0).initialVector("d-new");
        double[] d = new double[init.length];
        for (int f = 0; f < init.length; f++) {
            d[f] = init[f];
        }
        before.put("device:d-new", d);

        MfModel.StepResult r = m.train(batch);

        Map<String, double[]> after = params(m);
        Map<String, double[]> ref = referenceGradient(before, batch, r.negatives(), loss, l2);
        if (loss == MfLoss.BPR) {
            ref.remove("g"); // BPR does not train the global bias
            assertThat(ref).containsKey("device:d0"); // contexts move through (q_i - q_j) · v_c
        }
        for (String key : before.keySet()) {
            double[] expected = ref.getOrDefault(key, new double[before.get(key).length]);
            for (int f = 0; f < expected.length; f++) {
                double applied = (before.get(key)[f] - after.get(key)[f]) / lr;
                assertThat(applied).as("%s[%d]", key, f).isCloseTo(expected[f], within(2e-6));
            }
        }
        // the unseen device was admitted in this step (min_count 1) and reported as changed
        assertThat(r.changedContexts().get("device")).contains("d-new", "d0", "d2");
        assertThat(r.changedContexts().get("country")).containsExactlyInAnyOrder("c1", "c0");
        double h = 1e-6;
        for (String key : ref.keySet()) {
            for (int f = 0; f < ref.get(key).length; f++) {
                double[] v = before.get(key);
                double keep = v[f];
                v[f] = keep + h;
                double up = referenceLoss(before, batch, r.negatives(), loss, l2);
                v[f] = keep - h;
                double down = referenceLoss(before, batch, r.negatives(), loss, l2);
                v[f] = keep;
                assertThat((up - down) / (2 * h))
                        .as("d loss / d %s[%d]", key, f)
                        .isCloseTo(ref.get(key)[f], within(1e-7));
            }
        }
        assertThat(r.loss()).isCloseTo(referenceLoss(before, batch, r.negatives(), loss, 0.0), within(1e-8));
    }

    @ParameterizedTest
    @EnumSource(MfLoss.class)
    void topK_underAContext_ranksEveryItemByTheReferenceScore(MfLoss loss) {
        MfModel m = warmed(spec(loss, 0.5, 0.01));
        Map<String, double[]> p = params(m);
        for (Map<String, String> c : List.of(
                Map.of("device", "d1", "country", "c0"),
                Map.of("device", "d2"),
                Map.of("country", "c1", "device", "unknown"),
                Map.<String, String>of())) {
            for (String user : List.of("u2", "nobody")) {
                List<MfModel.Scored> top = m.topK(user, c, 8);
                assertThat(top).hasSize(8);
                for (MfModel.Scored s : top) {
                    List<String> x = new ArrayList<>(features(p, user, s.item(), c));
                    if (!p.containsKey("user:" + user)) {
                        x.remove(0);
                    }
                    assertThat(s.score()).as("%s %s %s", user, c, s.item()).isCloseTo(fm(p, x), within(1e-6));
                    assertThat(m.score(user, s.item(), c)).isCloseTo(s.score(), within(1e-6));
                }
                for (int k = 1; k < top.size(); k++) {
                    assertThat(top.get(k).score())
                            .isLessThanOrEqualTo(top.get(k - 1).score());
                }
            }
        }
    }
}

package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The model's step against an independent reference written here with plain double loops over maps (no rows, no
 * tables, no shared helpers): the gradient the model applies (recovered from an sgd step) equals the reference's
 * analytic gradient, which equals central finite differences of the reference loss; adagrad and adam move each
 * row as the reference update rules say; rows outside the batch do not move.
 */
class MfGradientTest {
    private static final int DIM = 3;

    private static MfSpec spec(MfLoss loss, RowOptimizer.Kind opt, double lr, double l2) {
        return new MfSpec(
                DIM,
                0.3,
                loss,
                3,
                50,
                MfSpec.Sampler.UNIFORM_RECENT,
                l2,
                new RowOptimizer(opt, lr, 0.9, 0.999, 1e-8, 0.1),
                TableSpec.unbounded(),
                TableSpec.unbounded(),
                5,
                8,
                42);
    }

    /** Warm-up data over users u0..u5 and items i0..i7, then a check batch over known ids only. */
    private static List<Interaction> warmup(MfLoss loss) {
        List<Interaction> out = new ArrayList<>();
        for (int n = 0; n < 48; n++) {
            out.add(new Interaction("u" + (n % 6), "i" + ((n * 5) % 8), loss.implicit() ? Double.NaN : 1 + n % 5, n));
        }
        return out;
    }

    private static List<Interaction> checkBatch(MfLoss loss) {
        List<Interaction> out = new ArrayList<>();
        String[][] pairs = {{"u1", "i2"}, {"u3", "i2"}, {"u1", "i7"}, {"u4", "i0"}, {"u0", "i5"}};
        for (int n = 0; n < pairs.length; n++) {
            out.add(new Interaction(pairs[n][0], pairs[n][1], loss.implicit() ? Double.NaN : 2 + n, 100 + n));
        }
        return out;
    }

    /** Parameters as plain maps: "u:id" / "i:id" -> vector then bias; "g" -> global bias. */
    private static Map<String, double[]> params(MfModel m) {
        Map<String, double[]> p = new HashMap<>();
        for (Map.Entry<String, Row> e : m.users().store().entries()) {
            p.put("u:" + e.getKey(), toDouble(e.getValue().params()));
        }
        for (Map.Entry<String, Row> e : m.items().store().entries()) {
            p.put("i:" + e.getKey(), toDouble(e.getValue().params()));
        }
        p.put("g", new double[] {m.global().globalBias()});
        return p;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** The reference objective: mean loss over the batch + l2/2 ||θ||² over every row the batch involves. */
    static double referenceLoss(
            Map<String, double[]> p, List<Interaction> batch, List<List<String>> negs, MfLoss loss, double l2) {
        double total = 0;
        java.util.Set<String> moved = new java.util.HashSet<>();
        for (int n = 0; n < batch.size(); n++) {
            String u = "u:" + batch.get(n).user();
            String i = "i:" + batch.get(n).item();
            moved.add(u);
            moved.add(i);
            double sui = refScore(p, u, i);
            if (loss == MfLoss.MSE) {
                double e = sui - batch.get(n).rating();
                total += 0.5 * e * e;
            } else if (loss == MfLoss.LOGISTIC) {
                total += Math.log(1 + Math.exp(-sui));
                for (String j : negs.get(n)) {
                    moved.add("i:" + j);
                    total += Math.log(1 + Math.exp(refScore(p, u, "i:" + j)));
                }
            } else {
                for (String j : negs.get(n)) {
                    moved.add("i:" + j);
                    total += Math.log(1 + Math.exp(-(sui - refScore(p, u, "i:" + j))));
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

    static double refScore(Map<String, double[]> p, String u, String i) {
        double[] pu = p.get(u);
        double[] qi = p.get(i);
        double s = p.get("g")[0] + pu[DIM] + qi[DIM];
        for (int f = 0; f < DIM; f++) {
            s += pu[f] * qi[f];
        }
        return s;
    }

    /** The reference analytic gradient, term by term. */
    static Map<String, double[]> referenceGradient(
            Map<String, double[]> p, List<Interaction> batch, List<List<String>> negs, MfLoss loss, double l2) {
        Map<String, double[]> g = new HashMap<>();
        double b = batch.size();
        for (int n = 0; n < batch.size(); n++) {
            String u = "u:" + batch.get(n).user();
            String i = "i:" + batch.get(n).item();
            g.computeIfAbsent(u, k -> new double[DIM + 1]);
            g.computeIfAbsent(i, k -> new double[DIM + 1]);
            double sui = refScore(p, u, i);
            if (loss == MfLoss.MSE) {
                addScore(g, p, u, i, (sui - batch.get(n).rating()) / b);
            } else if (loss == MfLoss.LOGISTIC) {
                addScore(g, p, u, i, (1 / (1 + Math.exp(-sui)) - 1) / b);
                for (String j : negs.get(n)) {
                    double suj = refScore(p, u, "i:" + j);
                    addScore(g, p, u, "i:" + j, (1 / (1 + Math.exp(-suj))) / b);
                }
            } else {
                for (String j : negs.get(n)) {
                    String jj = "i:" + j;
                    double x = sui - refScore(p, u, jj);
                    double c = (1 / (1 + Math.exp(-x)) - 1) / b;
                    // d x = d s_ui - d s_uj; the global and user biases cancel
                    addScore(g, p, u, i, c);
                    addScore(g, p, u, jj, -c);
                }
            }
        }
        for (Map.Entry<String, double[]> e : g.entrySet()) {
            if (!e.getKey().equals("g")) {
                double[] v = p.get(e.getKey());
                for (int f = 0; f <= DIM; f++) {
                    e.getValue()[f] += l2 * v[f];
                }
            }
        }
        return g;
    }

    private static void addScore(Map<String, double[]> g, Map<String, double[]> p, String u, String i, double c) {
        double[] gu = g.computeIfAbsent(u, k -> new double[DIM + 1]);
        double[] gi = g.computeIfAbsent(i, k -> new double[DIM + 1]);
        g.computeIfAbsent("g", k -> new double[1])[0] += c;
        gu[DIM] += c;
        gi[DIM] += c;
        for (int f = 0; f < DIM; f++) {
            gu[f] += c * p.get(i)[f];
            gi[f] += c * p.get(u)[f];
        }
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
    void sgdStep_movesEachRowByTheReferenceGradient_whichMatchesFiniteDifferences(MfLoss loss) {
        double lr = 0.5;
        double l2 = 0.01;
        MfModel m = warmed(spec(loss, RowOptimizer.Kind.SGD, lr, l2));
        Map<String, double[]> before = params(m);
        List<Interaction> batch = checkBatch(loss);

        MfModel.StepResult r = m.train(batch);

        Map<String, double[]> after = params(m);
        if (loss.implicit()) {
            assertThat(r.negatives().stream().mapToInt(List::size).sum()).isGreaterThan(5);
        }
        Map<String, double[]> ref = referenceGradient(before, batch, r.negatives(), loss, l2);
        if (loss == MfLoss.BPR) {
            ref.remove("g"); // BPR does not train the global bias
        }
        for (String key : before.keySet()) {
            double[] expected = ref.getOrDefault(key, new double[before.get(key).length]);
            for (int f = 0; f < expected.length; f++) {
                double applied = (before.get(key)[f] - after.get(key)[f]) / lr;
                assertThat(applied).as("%s[%d]", key, f).isCloseTo(expected[f], within(2e-6));
            }
        }
        // the reference gradient is the derivative of the reference loss
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
    @EnumSource(
            value = RowOptimizer.Kind.class,
            names = {"ADAGRAD", "ADAM", "FTRL"})
    void adaptiveStep_followsTheReferenceRule_perRow(RowOptimizer.Kind kind) {
        MfLoss loss = MfLoss.LOGISTIC;
        double lr = 0.05;
        MfModel m = warmed(spec(loss, kind, lr, 0.0));
        Map<String, double[]> before = params(m);
        Map<String, Row> rowsBefore = new HashMap<>();
        m.users()
                .store()
                .entries()
                .forEach(e -> rowsBefore.put("u:" + e.getKey(), e.getValue().copy()));
        m.items()
                .store()
                .entries()
                .forEach(e -> rowsBefore.put("i:" + e.getKey(), e.getValue().copy()));
        List<Interaction> batch = checkBatch(loss);

        MfModel.StepResult r = m.train(batch);

        Map<String, double[]> after = params(m);
        Map<String, double[]> grad = referenceGradient(before, batch, r.negatives(), loss, 0.0);
        for (String key : rowsBefore.keySet()) {
            Row old = rowsBefore.get(key);
            double[] g = grad.get(key);
            for (int f = 0; f <= DIM; f++) {
                double expected;
                if (g == null) {
                    expected = before.get(key)[f]; // lazy: a row outside the batch keeps its value
                } else if (kind == RowOptimizer.Kind.FTRL) {
                    // McMahan et al. 2013, Algorithm 1, one coordinate (beta 1, lambda1 = lambda2 = 0)
                    double n0 = old.slot2()[f];
                    double n1 = n0 + g[f] * g[f];
                    double z = old.slot1()[f] + g[f] - (Math.sqrt(n1) - Math.sqrt(n0)) / lr * before.get(key)[f];
                    expected = -z / ((1 + Math.sqrt(n1)) / lr);
                } else if (kind == RowOptimizer.Kind.ADAGRAD) {
                    double acc = old.slot1()[f] + g[f] * g[f];
                    expected = before.get(key)[f] - lr * g[f] / (Math.sqrt(acc) + 1e-8);
                } else {
                    long t = old.updates() + 1;
                    double mom = 0.9 * old.slot1()[f] + 0.1 * g[f];
                    double vel = 0.999 * old.slot2()[f] + 0.001 * g[f] * g[f];
                    double mh = mom / (1 - Math.pow(0.9, t));
                    double vh = vel / (1 - Math.pow(0.999, t));
                    expected = before.get(key)[f] - lr * mh / (Math.sqrt(vh) + 1e-8);
                }
                assertThat(after.get(key)[f]).as("%s[%d]", key, f).isCloseTo(expected, within(1e-6));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void ftrl_firstStepMovesANewRowFromItsInitialVector_asACentredProximalStep() {
        double lr = 0.05;
        double beta = 0.5;
        MfSpec spec = withOptimizer(
                spec(MfLoss.MSE, RowOptimizer.Kind.FTRL, lr, 0.0),
                new RowOptimizer(RowOptimizer.Kind.FTRL, lr, 0.9, 0.999, 1e-8, 0.1, beta, 0.0));
        MfModel m = new MfModel(spec);
        List<Interaction> batch = checkBatch(MfLoss.MSE);
        Map<String, double[]> initial = new HashMap<>();
        for (Interaction x : batch) {
            initial.put("u:" + x.user(), toDouble(m.users().initialVector(x.user())));
            initial.put("i:" + x.item(), toDouble(m.items().initialVector(x.item())));
        }
        initial.put("g", new double[] {0});

        MfModel.StepResult r = m.train(batch);

        Map<String, double[]> after = params(m);
        Map<String, double[]> grad = referenceGradient(initial, batch, r.negatives(), MfLoss.MSE, 0.0);
        for (String key : grad.keySet()) {
            for (int f = 0; f < grad.get(key).length; f++) {
                double g = grad.get(key)[f];
                // z = -(beta/lr) w0 + g - (|g|/lr) w0, n = g²  =>  w = w0 - lr g / (beta + |g|)
                double expected = initial.get(key)[f] - lr * g / (beta + Math.abs(g));
                assertThat(after.get(key)[f]).as("%s[%d]", key, f).isCloseTo(expected, within(1e-6));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void ftrl_l1_zeroesEveryMovedCoordinateWhoseAccumulatedGradientIsSmall_andOtherOptimizersRejectIt() {
        MfSpec spec = withOptimizer(
                spec(MfLoss.LOGISTIC, RowOptimizer.Kind.FTRL, 0.05, 0.0),
                new RowOptimizer(RowOptimizer.Kind.FTRL, 0.05, 0.9, 0.999, 1e-8, 0.1, 1.0, 1e6));
        MfModel m = warmed(spec);
        for (Map.Entry<String, double[]> e : params(m).entrySet()) {
            for (double v : e.getValue()) {
                assertThat(v).as(e.getKey()).isZero();
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MfConfig.parse("""
                        model: {type: mf}
                        loss: mse
                        optimizer: {type: adagrad}
                        regularization: {l1: 0.1}
                        """))
                .hasMessageContaining("regularization.l1")
                .hasMessageContaining("optimizer.type: ftrl");
        assertThat(MfConfig.parse("""
                        model: {type: mf}
                        loss: mse
                        optimizer: {type: ftrl, learning_rate: 0.1, beta: 0.5}
                        regularization: {l1: 0.1}
                        """).optimizer())
                .isEqualTo(new RowOptimizer(RowOptimizer.Kind.FTRL, 0.1, 0.9, 0.999, 1e-8, 0.1, 0.5, 0.1));
    }

    private static MfSpec withOptimizer(MfSpec s, RowOptimizer o) {
        return new MfSpec(
                s.dim(),
                s.initStd(),
                s.loss(),
                s.negatives(),
                s.negativePool(),
                s.sampler(),
                s.l2(),
                o,
                s.users(),
                s.items(),
                s.topK(),
                s.batchSize(),
                s.seed());
    }
}

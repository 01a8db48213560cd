package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertBitsEqual;
import static io.streamgrad.learner.optim.Numbers.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * FTRL's weights are a function of its state (z, n): the contract runs start from zero parameters (Algorithm 1's
 * w_1 = 0), and a test here shows non-zero initial parameters are not kept.
 */
class FtrlTest extends OptimizerContract {
    @Override
    protected OptimizerSpec validSpec() {
        return SpecBuilder.of("ftrl").build();
    }

    @Override
    protected float[] initialParams(int n) {
        return new float[n];
    }

    @Override
    protected List<Invalid> invalidSpecs() {
        return List.of(
                invalid("beta -1", b -> b.ftrlBeta(-1), "optimizer.beta"),
                invalid("beta NaN", b -> b.ftrlBeta(Double.NaN), "optimizer.beta"),
                invalid("l1 -0.1", b -> b.l1(-0.1), "regularization.l1"),
                invalid("l2 -0.1", b -> b.l2(-0.1), "regularization.l2"),
                invalid("l2 infinite", b -> b.l2(Double.POSITIVE_INFINITY), "regularization.l2"));
    }

    /**
     * McMahan et al. 2013, Algorithm 1, per round, in double and written from the paper: first the weights
     * w_t,i from (z, n), then with the round's gradient sigma = (sqrt(n + g^2) - sqrt(n)) / alpha,
     * z += g - sigma w, n += g^2.
     */
    private static final class Reference {
        final double alpha;
        final double beta;
        final double l1;
        final double l2;
        final double[] z;
        final double[] n;

        Reference(int size, double alpha, double beta, double l1, double l2) {
            this.alpha = alpha;
            this.beta = beta;
            this.l1 = l1;
            this.l2 = l2;
            this.z = new double[size];
            this.n = new double[size];
        }

        double weight(int i) {
            if (Math.abs(z[i]) <= l1) {
                return 0;
            }
            return -(z[i] - Math.signum(z[i]) * l1) / ((beta + Math.sqrt(n[i])) / alpha + l2);
        }

        double[] weights() {
            double[] w = new double[z.length];
            for (int i = 0; i < w.length; i++) {
                w[i] = weight(i);
            }
            return w;
        }

        void round(double[] g) {
            double[] w = weights();
            for (int i = 0; i < g.length; i++) {
                double sigma = (Math.sqrt(n[i] + g[i] * g[i]) - Math.sqrt(n[i])) / alpha;
                z[i] += g[i] - sigma * w[i];
                n[i] += g[i] * g[i];
            }
        }
    }

    @Test
    void firstThreeSteps_matchAlgorithm1_weightsAndZN() {
        OptimizerSpec spec = validSpec();
        double alpha = 0.5; // Algorithm 1 has one fixed alpha
        Optimizer o = optimizer();
        float[] p = new float[ThreeSteps.N];
        float[] s = freshState(o, ThreeSteps.N);
        Reference ref = new Reference(ThreeSteps.N, alpha, spec.ftrlBeta(), spec.l1(), spec.l2());
        for (int k = 0; k < 3; k++) {
            o.step(p, ThreeSteps.grad(k), s, k + 1, alpha);
            ref.round(ThreeSteps.G[k]);
            assertClose("w after step " + (k + 1), p, 0, ref.weights());
            assertClose("z after step " + (k + 1), s, 0, ref.z);
            assertClose("n after step " + (k + 1), s, ThreeSteps.N, ref.n);
        }
        assertThat(p[2])
                .as("coordinate 2's first non-zero gradient comes at step 3")
                .isNotZero();
    }

    @Test
    void firstStep_handComputed() {
        // alpha 0.5 (the step's lr, not the config's 1.0), beta 1, l1 0.1, l2 0.2, w = 0, g = 2:
        // sigma = 2 / 0.5 = 4, z = 2, n = 4, w = -(2 - 0.1) / ((1 + 2) / 0.5 + 0.2) = -1.9 / 6.2 = -0.3064516...
        Ftrl o = new Ftrl(1.0, 1, 0.1, 0.2);
        float[] p = {0f};
        float[] s = new float[2];
        o.step(p, new float[] {2f}, s, 1, 0.5);
        assertThat(s[0]).isEqualTo(2f);
        assertThat(s[1]).isEqualTo(4f);
        assertThat(p[0]).isCloseTo(-0.30645162f, within(1e-7f));
    }

    @Test
    void step_smallAccumulatedGradient_givesExactZeroWeight() {
        // |z| = 0.05 <= l1 = 0.1: the L1 term keeps the weight at exactly 0.
        Ftrl o = new Ftrl(0.5, 1, 0.1, 0);
        float[] p = {0f, 0f};
        float[] s = new float[4];
        o.step(p, new float[] {0.05f, -0.5f}, s, 1, 0.5);
        assertThat(p[0]).isZero();
        assertThat(p[1]).isPositive();
    }

    @Test
    void step_nonZeroInitialParams_areReplacedByTheWeightsOfTheState() {
        // On fresh state (z = n = 0) every weight is 0, whatever the params held: FTRL ignores initial params.
        Optimizer o = optimizer();
        float[] p = {0.7f, -0.3f, 2f};
        o.step(p, new float[3], freshState(o, 3), 1, 0.05);
        assertThat(p).containsExactly(0f, 0f, 0f);
    }

    @Test
    void step_zeroGradientAfterUpdates_sameAlpha_keepsWeightsBitIdentical() {
        // The dense step recomputes w from the stored (z, n): with an unchanged alpha it reproduces the same bits,
        // so dense and lazy agree on zero-gradient coordinates.
        Optimizer o = optimizer();
        float[] p = new float[N];
        float[] s = freshState(o, N);
        for (long t = 1; t <= 3; t++) {
            o.step(p, gradient(t, N), s, t, 0.05);
        }
        float[] before = p.clone();
        float[] stateBefore = s.clone();
        o.step(p, new float[N], s, 4, 0.05);
        Numbers.assertBitsEqual("params", p, before);
        Numbers.assertBitsEqual("state", s, stateBefore);
    }

    /**
     * The lazy step runs in chunks of 128 coordinates, writing each back before gathering the next. Over 1,000
     * coordinates (eight chunks): an all-finite step equals the unchecked one and, coordinate for coordinate, a
     * step of that coordinate alone; a step whose only non-finite coordinate is in the last chunk is rejected
     * and leaves every coordinate of the earlier, already written chunks bit-identical.
     */
    @Test
    void stepSparseIfFinite_overSeveralChunks_equalsOneCoordinateAtATime_andARejectionInTheLastChunkRestoresAll() {
        Optimizer o = optimizer();
        int n = 4096;
        int count = 1000;
        java.util.Random rnd = new java.util.Random(11);
        float[] p = new float[n];
        float[] s = freshState(o, n);
        int[] idx = new int[count];
        float[] g = new float[count];
        long t = 0;
        for (int step = 0; step < 3; step++) { // warm state: z, n, w non-zero on most coordinates
            randomCoordinates(rnd, n, idx, g);
            assertThat(o.stepSparseIfFinite(p, g, s, ++t, 0.1, idx, count)).isEqualTo(Optimizer.APPLIED);
        }
        randomCoordinates(rnd, n, idx, g);
        t++;

        float[] pChecked = p.clone();
        float[] sChecked = s.clone();
        assertThat(o.stepSparseIfFinite(pChecked, g, sChecked, t, 0.1, idx, count))
                .isEqualTo(Optimizer.APPLIED);
        float[] pPlain = p.clone();
        float[] sPlain = s.clone();
        o.stepSparse(pPlain, g, sPlain, t, 0.1, idx, count);
        assertBitsEqual("params, checked vs unchecked", pChecked, pPlain);
        assertBitsEqual("state, checked vs unchecked", sChecked, sPlain);
        float[] pOne = p.clone();
        float[] sOne = s.clone();
        for (int k = 0; k < count; k++) {
            o.stepSparse(pOne, new float[] {g[k]}, sOne, t, 0.1, new int[] {idx[k]}, 1);
        }
        assertBitsEqual("params, one coordinate at a time", pChecked, pOne);
        assertBitsEqual("state, one coordinate at a time", sChecked, sOne);

        float[] bad = g.clone();
        bad[count - 3] = 3e38f; // n + g^2 overflows: coordinate idx[997], in the last chunk
        float[] pRef = p.clone();
        float[] sRef = s.clone();
        o.stepSparse(pRef, bad, sRef, t, 0.1, idx, count);
        boolean paramsBad = false;
        boolean stateBad = false;
        for (float x : pRef) {
            paramsBad |= !Float.isFinite(x);
        }
        for (float x : sRef) {
            stateBad |= !Float.isFinite(x);
        }
        assertThat(paramsBad || stateBad)
                .as("the unchecked step goes non-finite")
                .isTrue();
        float[] pRejected = p.clone();
        float[] sRejected = s.clone();
        assertThat(o.stepSparseIfFinite(pRejected, bad, sRejected, t, 0.1, idx, count))
                .isEqualTo(paramsBad ? Optimizer.PARAMS_NOT_FINITE : Optimizer.STATE_NOT_FINITE);
        assertBitsEqual("params restored", pRejected, p);
        assertBitsEqual("state restored", sRejected, s);
    }

    /** {@code idx[0..length)}: distinct coordinates in {@code [0, n)} in random order, with random gradients. */
    private static void randomCoordinates(java.util.Random rnd, int n, int[] idx, float[] g) {
        java.util.BitSet seen = new java.util.BitSet(n);
        for (int k = 0; k < idx.length; k++) {
            int i;
            do {
                i = rnd.nextInt(n);
            } while (seen.get(i));
            seen.set(i);
            idx[k] = i;
            g[k] = (float) rnd.nextGaussian();
        }
    }
}

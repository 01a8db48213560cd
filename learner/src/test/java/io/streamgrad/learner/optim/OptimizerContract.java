package io.streamgrad.learner.optim;

import static io.streamgrad.learner.optim.Numbers.assertBitsEqual;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The behaviour every {@link Optimizer} must show, whatever its rule. Each optimizer's test class extends this
 * (and {@link OptimizerContractCoverageTest} fails if an {@code optimizer.type} has no such subclass).
 *
 * <p>Rules that move parameters on a zero gradient: {@code adamw} decays every weight by {@code 1 - lr*wd}
 * (its subclass checks zero gradients with {@code weight_decay: 0} and tests the decay separately), and
 * {@code ftrl} sets its weights from its state {@code (z, n)}, so it starts from zero parameters here.
 */
abstract class OptimizerContract {
    static final int N = 11;
    static final int STEPS = 6;

    /** A valid spec for the optimizer under test; all fields differ from library defaults (see {@link SpecBuilder}). */
    protected abstract OptimizerSpec validSpec();

    /** Invalid specs specific to this optimizer, each with the config key the error message must name. */
    protected abstract List<Invalid> invalidSpecs();

    record Invalid(String description, OptimizerSpec spec, String key) {}

    /** The optimizer under test, built through the factory (so the spec → constructor wiring is exercised). */
    protected Optimizer optimizer() {
        return Optimizers.create(validSpec());
    }

    /** The configuration for which a zero gradient on fresh state must change nothing. */
    protected Optimizer zeroGradientOptimizer() {
        return optimizer();
    }

    /** Parameters to start from: non-zero values of both signs (FTRL overrides with zeros). */
    protected float[] initialParams(int n) {
        Rng rng = new Rng(42);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) (0.5 * rng.nextGaussian());
        }
        return p;
    }

    /** Gradients for step {@code t}: mixed signs and magnitudes, with some exact zeros. */
    static float[] gradient(long t, int n) {
        Rng rng = new Rng(1000 + t);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = rng.nextDouble() < 0.2 ? 0f : (float) (rng.nextGaussian() * (1 + i % 3));
        }
        return g;
    }

    /** A decaying learning rate, so each step sees a different lr (a rule must use the argument, not its config). */
    double lr(long t) {
        return validSpec().learningRate() / (1 + 0.1 * t);
    }

    float[] freshState(Optimizer o, int n) {
        float[] s = new float[o.stateSize(n)];
        o.initState(s, n);
        return s;
    }

    static int[] allIndicesShuffled(int n, long seed) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Rng rng = new Rng(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        return idx;
    }

    @Test
    void name_isTheConfiguredTypeAndIsRegistered() {
        assertThat(optimizer().name()).isEqualTo(validSpec().type().yamlName());
        assertThat(Optimizers.TYPES).contains(validSpec().type().yamlName());
    }

    @Test
    void stateSize_isAFixedMultipleOfNumParams() {
        Optimizer o = optimizer();
        int blocks = o.stateSize(1);
        assertThat(o.stateSize(0)).isZero();
        for (int n : new int[] {1, 7, 1000, 1 << 20}) {
            assertThat(o.stateSize(n)).as("stateSize(%d)", n).isEqualTo(blocks * n);
        }
        assertThatThrownBy(() -> o.stateSize(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void initState_wrongLength_isRejected() {
        Optimizer o = optimizer();
        float[] tooLong = new float[o.stateSize(N) + 1];
        assertThatThrownBy(() -> o.initState(tooLong, N))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(o.name())
                .hasMessageContaining("stateSize(" + N + ")");
    }

    @Test
    void step_wrongShapes_areRejected() {
        Optimizer o = optimizer();
        float[] p = initialParams(N);
        float[] s = freshState(o, N);
        assertThatThrownBy(() -> o.step(p, new float[N - 1], s, 1, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grads");
        assertThatThrownBy(() -> o.step(p, new float[N], new float[s.length + 1], 1, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("state");
        assertThatThrownBy(() -> o.step(p, new float[N], s, 0, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1-based");
        assertThatThrownBy(() -> o.stepSparse(p, new float[N], s, 1, 0.1, new int[2], 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("count");
    }

    @Test
    void step_zeroGradientOnFreshState_leavesParamsAndStateUnchanged() {
        Optimizer o = zeroGradientOptimizer();
        float[] p0 = initialParams(N);
        float[] s0 = freshState(o, N);
        float[] p = p0.clone();
        float[] s = s0.clone();
        for (long t = 1; t <= 3; t++) {
            o.step(p, new float[N], s, t, lr(t));
        }
        assertBitsEqual("params after dense zero-gradient steps", p, p0);
        assertBitsEqual("state after dense zero-gradient steps", s, s0);

        for (long t = 1; t <= 3; t++) {
            o.stepSparse(p, new float[N], s, t, lr(t), allIndicesShuffled(N, t), N);
        }
        assertBitsEqual("params after sparse zero-gradient steps", p, p0);
        assertBitsEqual("state after sparse zero-gradient steps", s, s0);
    }

    @Test
    void step_sameInputs_giveSameBits() {
        float[][] a = run(optimizer(), false, STEPS);
        float[][] b = run(optimizer(), false, STEPS);
        assertBitsEqual("params", a[0], b[0]);
        assertBitsEqual("state", a[1], b[1]);
        assertThat(a[0]).as("the run must actually move the params").isNotEqualTo(initialParams(N));
    }

    @Test
    void stateRoundTrip_midRun_continuesBitIdentically() {
        for (boolean sparse : new boolean[] {false, true}) {
            Optimizer original = optimizer();
            float[][] run = run(original, sparse, 3);
            float[] p = run[0];
            float[] s = run[1];
            // The copy goes through raw int bits, as a checkpoint would, and continues with a fresh instance.
            float[] pCopy = viaBits(p);
            float[] sCopy = viaBits(s);
            Optimizer restored = optimizer();

            // The original instance serves another model in between: an optimizer must keep no hidden state.
            float[] other = initialParams(N + 3);
            float[] otherState = freshState(original, N + 3);
            original.step(other, gradient(77, N + 3), otherState, 1, lr(1));

            continueRun(original, sparse, p, s, 4, STEPS);
            continueRun(restored, sparse, pCopy, sCopy, 4, STEPS);
            assertBitsEqual("params (sparse=" + sparse + ")", pCopy, p);
            assertBitsEqual("state (sparse=" + sparse + ")", sCopy, s);
        }
    }

    @Test
    void stepIfFinite_finiteUpdate_equalsStepBitForBit_orIsUnsupportedAndChangesNothing() {
        Optimizer o = optimizer();
        float[][] warm = run(o, false, 3);
        float[] p = warm[0].clone();
        float[] s = warm[1].clone();
        float[] g = gradient(4, N);
        int code = o.stepIfFinite(p, g, s, 4, lr(4));
        if (code == Optimizer.UNSUPPORTED) {
            assertBitsEqual("params untouched", p, warm[0]);
            assertBitsEqual("state untouched", s, warm[1]);
            return;
        }
        assertThat(code).isEqualTo(Optimizer.APPLIED);
        float[] pRef = warm[0].clone();
        float[] sRef = warm[1].clone();
        o.step(pRef, g, sRef, 4, lr(4));
        assertBitsEqual("params", p, pRef);
        assertBitsEqual("state", s, sRef);
    }

    /**
     * Gradients and states at the edge of float range: {@code stepIfFinite} must reject exactly the updates after
     * which {@link Optimizer#step} leaves a non-finite value, name the right kind (parameters first), and change
     * nothing when it rejects.
     */
    @Test
    void stepIfFinite_rejectsExactlyTheUpdatesThatStepMakesNonFinite_andChangesNothingWhenItDoes() {
        Optimizer o = optimizer();
        int rejected = checkedStepAtTheEdges(
                o,
                null,
                (p, g, s) -> {
                    o.step(p, g, s, 5, lr(5));
                    return 0;
                },
                (p, g, s) -> o.stepIfFinite(p, g, s, 5, lr(5)));
        if (o.stepIfFinite(new float[1], new float[1], freshState(o, 1), 1, lr(1)) != Optimizer.UNSUPPORTED) {
            assertThat(rejected)
                    .as("the edge cases must include rejected updates")
                    .isPositive();
        }
    }

    /**
     * One NaN gradient coordinate, at each position of a vector longer than the contract's {@code N}: the checked
     * step must find it wherever it is (a check that sums in blocks of 16, as Adam's does, has a lane per position
     * mod 16 and a tail loop: 37 = two blocks and a tail of five), reject the update with the code the unchecked
     * step's result calls for, and change nothing.
     */
    @Test
    void stepIfFinite_findsOneNonFiniteGradient_atEveryPositionOfALongerVector() {
        Optimizer o = optimizer();
        int n = 37;
        for (int at = 0; at < n; at++) {
            float[] p = initialParams(n);
            float[] s = freshState(o, n);
            float[] g = gradient(5, n);
            g[at] = Float.NaN;
            float[] pRef = p.clone();
            float[] sRef = s.clone();
            o.step(pRef, g, sRef, 5, lr(5));
            int expected = expectedCode(pRef, sRef);
            float[] pBefore = p.clone();
            float[] sBefore = s.clone();
            int code = o.stepIfFinite(p, g, s, 5, lr(5));
            if (code == Optimizer.UNSUPPORTED) {
                assertBitsEqual("params untouched, NaN at " + at, p, pBefore);
                assertBitsEqual("state untouched, NaN at " + at, s, sBefore);
                continue;
            }
            assertThat(expected)
                    .as("a NaN gradient must spoil the unchecked step, NaN at " + at)
                    .isNotEqualTo(Optimizer.APPLIED);
            assertThat(code).as("NaN at " + at).isEqualTo(expected);
            assertBitsEqual("params untouched, NaN at " + at, p, pBefore);
            assertBitsEqual("state untouched, NaN at " + at, s, sBefore);
        }
    }

    /** A step over (params, gradient, state) returning a {@link Optimizer#stepIfFinite} code. */
    interface StepCall {
        int apply(float[] p, float[] g, float[] s);
    }

    /**
     * Gradients and states at the edge of float range, through {@code checked} and the unchecked {@code reference}
     * (dense when {@code idx} is null, else the compact gradient of {@code idx}): the checked step must reject
     * exactly the updates after which the reference leaves a non-finite value, name the right kind (parameters
     * first), apply the others bit for bit, and change nothing when it rejects. Returns how many it rejected.
     */
    private int checkedStepAtTheEdges(Optimizer o, int[] idx, StepCall reference, StepCall checked) {
        int rejected = 0;
        for (float gScale : new float[] {1f, 1e18f, 2e19f, 1e30f, 3e38f, Float.MAX_VALUE}) {
            for (float pScale : new float[] {0.5f, 3e38f}) {
                for (float sScale : new float[] {0f, 1e30f, 3e38f}) {
                    float[] p = initialParams(N);
                    for (int i = 0; i < N; i++) {
                        p[i] = i % 4 == 0 ? Math.copySign(pScale, p[i]) : p[i];
                    }
                    float[] s = freshState(o, N);
                    for (int i = 0; i < s.length; i++) {
                        s[i] = i % 3 == 0 ? Math.abs(s[i]) + sScale : s[i];
                    }
                    float[] g = idx == null ? gradient(5, N) : compact(gradient(5, N), idx, idx.length);
                    for (int k = 0; k < g.length; k++) {
                        g[k] = g[k] * gScale;
                    }
                    float[] pRef = p.clone();
                    float[] sRef = s.clone();
                    reference.apply(pRef, g, sRef);
                    int expected = expectedCode(pRef, sRef);
                    float[] pBefore = p.clone();
                    float[] sBefore = s.clone();
                    int code = checked.apply(p, g, s);
                    String at = "g x " + gScale + ", p x " + pScale + ", s + " + sScale;
                    if (code == Optimizer.UNSUPPORTED) {
                        assertBitsEqual("params untouched, " + at, p, pBefore);
                        assertBitsEqual("state untouched, " + at, s, sBefore);
                        continue;
                    }
                    assertThat(code).as(at).isEqualTo(expected);
                    if (code == Optimizer.APPLIED) {
                        assertBitsEqual("params, " + at, p, pRef);
                        assertBitsEqual("state, " + at, s, sRef);
                    } else {
                        rejected++;
                        assertBitsEqual("params untouched, " + at, p, pBefore);
                        assertBitsEqual("state untouched, " + at, s, sBefore);
                    }
                }
            }
        }
        return rejected;
    }

    /** The code a checked step must return, given what the unchecked step left: parameters are named first. */
    private static int expectedCode(float[] paramsAfter, float[] stateAfter) {
        return !allFinite(paramsAfter)
                ? Optimizer.PARAMS_NOT_FINITE
                : !allFinite(stateAfter) ? Optimizer.STATE_NOT_FINITE : Optimizer.APPLIED;
    }

    private static boolean allFinite(float[] a) {
        for (float x : a) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void stepSparse_everyCoordinateListed_equalsDenseBitForBit() {
        float[][] dense = run(optimizer(), false, STEPS);
        float[][] sparse = run(optimizer(), true, STEPS);
        assertBitsEqual("params", sparse[0], dense[0]);
        assertBitsEqual("state", sparse[1], dense[1]);
    }

    @Test
    void stepSparse_someCoordinatesListed_updatesThoseAsDenseAndLeavesOthersBitIdentical() {
        Optimizer o = optimizer();
        float[][] warm = run(o, false, 3); // non-trivial state everywhere
        float[] p = warm[0];
        float[] s = warm[1];
        float[] pBefore = p.clone();
        float[] sBefore = s.clone();
        float[] g = new float[N];
        for (int i = 0; i < N; i++) {
            g[i] = 0.25f * (i + 1) * (i % 2 == 0 ? 1 : -1); // non-zero everywhere: unlisted ones must be ignored
        }
        int[] idx = {6, 1, 9, 4, 0, 0, 0}; // extra capacity past count is ignored
        int count = 4;
        o.stepSparse(p, compact(g, idx, count), s, 4, lr(4), idx, count);

        float[] pDense = pBefore.clone();
        float[] sDense = sBefore.clone();
        o.step(pDense, g, sDense, 4, lr(4));

        int blocks = o.stateSize(N) / N;
        List<Integer> listed = List.of(6, 1, 9, 4);
        for (int i = 0; i < N; i++) {
            float[] expectedP = listed.contains(i) ? pDense : pBefore;
            float[] expectedS = listed.contains(i) ? sDense : sBefore;
            assertThat(Float.floatToRawIntBits(p[i]))
                    .as("param %d (listed=%s)", i, listed.contains(i))
                    .isEqualTo(Float.floatToRawIntBits(expectedP[i]));
            for (int b = 0; b < blocks; b++) {
                int j = b * N + i;
                assertThat(Float.floatToRawIntBits(s[j]))
                        .as("state block %d coordinate %d (listed=%s)", b, i, listed.contains(i))
                        .isEqualTo(Float.floatToRawIntBits(expectedS[j]));
            }
        }
        boolean listedChanged = false;
        for (int i : listed) {
            listedChanged |= p[i] != pBefore[i];
        }
        assertThat(listedChanged).as("listed coordinates must be updated").isTrue();
    }

    /** The compact gradient of the listed coordinates: {@code out[k] = dense[idx[k]]}. */
    static float[] compact(float[] dense, int[] idx, int count) {
        float[] out = new float[count];
        for (int k = 0; k < count; k++) {
            out[k] = dense[idx[k]];
        }
        return out;
    }

    @Test
    void stepSparse_compactGradientShorterThanTheList_isRejected() {
        Optimizer o = optimizer();
        assertThatThrownBy(() ->
                        o.stepSparse(initialParams(N), new float[2], freshState(o, N), 1, 0.1, new int[] {1, 2, 3}, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grads");
    }

    @Test
    void stepSparseIfFinite_finiteUpdate_equalsStepSparseBitForBit_orIsUnsupportedAndChangesNothing() {
        Optimizer o = optimizer();
        float[][] warm = run(o, false, 3);
        int[] idx = {7, 2, 10, 0, 5};
        float[] g = compact(gradient(4, N), idx, idx.length);
        float[] p = warm[0].clone();
        float[] s = warm[1].clone();
        int code = o.stepSparseIfFinite(p, g, s, 4, lr(4), idx, idx.length);
        if (code == Optimizer.UNSUPPORTED) {
            assertBitsEqual("params untouched", p, warm[0]);
            assertBitsEqual("state untouched", s, warm[1]);
            return;
        }
        assertThat(code).isEqualTo(Optimizer.APPLIED);
        float[] pRef = warm[0].clone();
        float[] sRef = warm[1].clone();
        o.stepSparse(pRef, g, sRef, 4, lr(4), idx, idx.length);
        assertBitsEqual("params", p, pRef);
        assertBitsEqual("state", s, sRef);
        assertThat(p).as("the listed coordinates must move").isNotEqualTo(warm[0]);
    }

    /**
     * As for the dense checked step: at the edge of float range {@code stepSparseIfFinite} rejects exactly the
     * updates after which {@link Optimizer#stepSparse} leaves a non-finite value, parameters named first, and
     * changes nothing when it rejects.
     */
    @Test
    void stepSparseIfFinite_rejectsExactlyTheUpdatesThatStepSparseMakesNonFinite_andChangesNothingWhenItDoes() {
        Optimizer o = optimizer();
        int[] idx = {3, 8, 0, 9, 6, 1};
        int rejected = checkedStepAtTheEdges(
                o,
                idx,
                (p, g, s) -> {
                    o.stepSparse(p, g, s, 5, lr(5), idx, idx.length);
                    return 0;
                },
                (p, g, s) -> o.stepSparseIfFinite(p, g, s, 5, lr(5), idx, idx.length));
        if (o.stepSparseIfFinite(new float[1], new float[1], freshState(o, 1), 1, lr(1), new int[] {0}, 1)
                != Optimizer.UNSUPPORTED) {
            assertThat(rejected)
                    .as("the edge cases must include rejected updates")
                    .isPositive();
        }
    }

    /**
     * A coordinate whose gradient turns zero (a dead ReLU unit's weights) decays its state towards zero for as long
     * as training runs. Plain float arithmetic sinks such a state into the subnormal range and keeps it there
     * (IEEE gradual underflow: {@code 0.9f * x} rounds back to {@code x} for the smallest subnormals), where x86
     * CPUs run every instruction touching it through a microcode assist; the optimizers flush it instead.
     */
    @Test
    void zeroGradientsAfterOne_neverLeaveASubnormalStateValue() {
        Optimizer o = optimizer();
        float[] p = initialParams(N);
        float[] s = freshState(o, N);
        o.step(p, gradient(1, N), s, 1, lr(1));
        float[] zero = new float[N];
        for (int t = 2; t <= 100_000; t++) {
            o.step(p, zero, s, t, lr(t));
            for (int i = 0; i < s.length; i++) {
                float x = Math.abs(s[i]);
                if (x != 0f && x < Float.MIN_NORMAL) {
                    throw new AssertionError(
                            o.name() + ": state[" + i + "] = " + s[i] + " is subnormal after step " + t);
                }
            }
        }
    }

    @Test
    void stepSparse_emptyIndexList_changesNothing() {
        Optimizer o = optimizer();
        float[][] warm = run(o, false, 2);
        float[] p = warm[0].clone();
        float[] s = warm[1].clone();
        o.stepSparse(p, gradient(3, N), s, 3, lr(3), new int[0], 0);
        assertBitsEqual("params", p, warm[0]);
        assertBitsEqual("state", s, warm[1]);
    }

    @TestFactory
    Stream<DynamicTest> create_invalidConfig_isRejectedWithMessageNamingTheKey() {
        List<Invalid> cases = new ArrayList<>(invalidSpecs());
        for (double lr : new double[] {0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            cases.add(new Invalid(
                    "learning_rate " + lr,
                    SpecBuilder.from(validSpec()).learningRate(lr).build(),
                    "optimizer.learning_rate"));
        }
        return cases.stream()
                .map(c -> DynamicTest.dynamicTest(
                        c.description(),
                        () -> assertThatThrownBy(() -> Optimizers.create(c.spec()))
                                .isInstanceOf(IllegalArgumentException.class)
                                .hasMessageContaining(c.key())));
    }

    /** Runs {@code steps} steps from the initial params and fresh state; returns {params, state}. */
    float[][] run(Optimizer o, boolean sparse, int steps) {
        float[] p = initialParams(N);
        float[] s = freshState(o, N);
        continueRun(o, sparse, p, s, 1, steps);
        return new float[][] {p, s};
    }

    void continueRun(Optimizer o, boolean sparse, float[] p, float[] s, long fromT, long toT) {
        for (long t = fromT; t <= toT; t++) {
            float[] g = gradient(t, p.length);
            if (sparse) {
                int[] idx = allIndicesShuffled(p.length, t);
                o.stepSparse(p, compact(g, idx, p.length), s, t, lr(t), idx, p.length);
            } else {
                o.step(p, g, s, t, lr(t));
            }
        }
    }

    static float[] viaBits(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.intBitsToFloat(Float.floatToRawIntBits(a[i]));
        }
        return b;
    }

    /** Shorthand for subclasses: an invalid case built from {@link #validSpec()}. */
    Invalid invalid(String description, java.util.function.UnaryOperator<SpecBuilder> change, String key) {
        return new Invalid(
                description, change.apply(SpecBuilder.from(validSpec())).build(), key);
    }
}

package io.streamgrad.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.io.ParameterDelta;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-model version order over two topics: versions 1..12 of a blocked logistic model, each with its full
 * parameters, offered as full versions and as deltas in different orders; whatever the order, the chain makes
 * each version at most once, in ascending order, with exactly that version's parameters.
 */
class VersionChainTest {
    private static final String YAML = "model: {type: logistic, features: 20000}\nloss: binary_cross_entropy\n"
            + "optimizer: {type: sgd, learning_rate: 0.1}\n";
    private static final ServableModel.PredictorPool POOL =
            new ServableModel.PredictorPool(ConfigParser.parse(YAML), YAML);
    private static final int VERSIONS = 12;
    private final List<float[]> states = states();

    private static List<float[]> states() {
        Random r = new Random(9);
        List<float[]> out = new ArrayList<>();
        out.add(null); // versions start at 1
        float[] p = new float[POOL.numParams()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
        }
        out.add(p);
        for (int v = 2; v <= VERSIONS; v++) {
            p = p.clone();
            for (int k = 0; k < 30; k++) {
                p[r.nextInt(4000)] = (float) r.nextGaussian(); // a few rows of block 0
            }
            out.add(p);
        }
        return out;
    }

    private VersionChain.Full full(long v) {
        return new VersionChain.Full(
                v,
                "models@" + v,
                () -> new ServableModel(
                        "m", v, v, v, Instant.EPOCH, Map.of(), YAML, POOL.config(), states.get((int) v), POOL));
    }

    private VersionChain.Delta delta(long v) {
        ParameterDelta d = ParameterDelta.between(states.get((int) v - 1), states.get((int) v));
        return new VersionChain.Delta(v, "updates@" + v, base -> base.withDelta(d, v, v, v, Instant.EPOCH, Map.of()));
    }

    /** Offers in order; returns the versions made, checking each one's parameters. */
    private List<Long> run(VersionChain chain, VersionChain.Update... updates) {
        List<Long> made = new ArrayList<>();
        for (VersionChain.Update u : updates) {
            VersionChain.Outcome out = chain.offer(u);
            assertThat(out.problems()).isEmpty();
            for (VersionChain.Built b : out.built()) {
                long v = b.model().version();
                assertThat(b.model().parameters()).as("version %d", v).isEqualTo(states.get((int) v));
                made.add(v);
            }
        }
        return made;
    }

    @Test
    void deltasInOrder_makeEachVersionFromTheOneBefore() {
        VersionChain chain = new VersionChain("m", 100);
        assertThat(run(chain, full(1), delta(2), delta(3), delta(4))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(chain.missing()).isEmpty();
    }

    @Test
    void aDeltaAheadOfAGap_isBufferedUntilTheGapIsFilled_thenAppliedInOrder() {
        VersionChain chain = new VersionChain("m", 100);
        assertThat(run(chain, full(1), delta(4), delta(3))).containsExactly(1L);
        assertThat(chain.missing()).hasValue(2);
        assertThat(chain.bufferedVersions()).containsExactly(3L, 4L);
        assertThat(run(chain, delta(2))).containsExactly(2L, 3L, 4L);
        assertThat(chain.missing()).isEmpty();
    }

    @Test
    void aFullVersionFillingTheGap_dropsTheDeltasItCovers_andAppliesTheRest() {
        VersionChain chain = new VersionChain("m", 100);
        run(chain, full(1), delta(3), delta(4), delta(6));
        // Version 5 arrives as a full version (the models topic), before the delta for 5 (the updates topic).
        assertThat(run(chain, full(5))).containsExactly(5L, 6L);
        assertThat(chain.bufferedVersions()).isEmpty();
        // The late copies of versions 2..5 change nothing.
        VersionChain.Outcome late = chain.offer(delta(5));
        assertThat(late.built()).isEmpty();
        assertThat(late.skipped()).containsExactly(5L);
        assertThat(run(chain, delta(2), full(4), delta(7))).containsExactly(7L);
    }

    @Test
    void bothTopicsCarryingEveryVersion_inAnyInterleaving_makeEachVersionOnce() {
        Random r = new Random(17);
        for (int trial = 0; trial < 30; trial++) {
            List<VersionChain.Update> fulls = new ArrayList<>();
            List<VersionChain.Update> deltas = new ArrayList<>();
            for (long v = 1; v <= VERSIONS; v++) {
                if (v == 1 || r.nextInt(3) == 0) {
                    fulls.add(full(v));
                }
                if (v > 1) {
                    deltas.add(delta(v));
                }
            }
            // Each topic in its own order, the two interleaved at random (as two transactions' reads may be).
            List<VersionChain.Update> merged = new ArrayList<>();
            int a = 0;
            int b = 0;
            while (a < fulls.size() || b < deltas.size()) {
                if (b == deltas.size() || (a < fulls.size() && r.nextBoolean())) {
                    merged.add(fulls.get(a++));
                } else {
                    merged.add(deltas.get(b++));
                }
            }
            VersionChain chain = new VersionChain("m", 100);
            List<Long> made = run(chain, merged.toArray(new VersionChain.Update[0]));
            assertThat(made).as("trial %d", trial).isSorted().doesNotHaveDuplicates();
            assertThat(made.get(made.size() - 1)).isEqualTo((long) VERSIONS);
            assertThat(chain.current().version()).isEqualTo(VERSIONS);
        }
    }

    @Test
    void duplicates_andVersionsOlderThanTheCurrent_areSkipped() {
        VersionChain chain = new VersionChain("m", 100);
        run(chain, full(3), delta(4));
        VersionChain.Outcome out = chain.offer(delta(4));
        assertThat(out.built()).isEmpty();
        assertThat(out.skipped()).containsExactly(4L);
        assertThat(chain.offer(full(2)).skipped()).containsExactly(2L);
        assertThat(chain.offer(delta(3)).skipped()).containsExactly(3L);
        run(chain, delta(6));
        assertThat(chain.offer(delta(6)).skipped()).as("a buffered duplicate").containsExactly(6L);
        assertThat(chain.current().version()).isEqualTo(4);
    }

    @Test
    void deltasBeforeAnyFullVersion_waitForOne() {
        VersionChain chain = new VersionChain("m", 100);
        assertThat(run(chain, delta(3), delta(4))).isEmpty();
        assertThat(chain.missing()).hasValue(2);
        assertThat(run(chain, full(2))).containsExactly(2L, 3L, 4L);
    }

    @Test
    void theBufferIsBounded_andADroppedDeltaIsReportedWithItsPlace() {
        VersionChain chain = new VersionChain("m", 2);
        run(chain, full(1), delta(3), delta(4));
        VersionChain.Outcome out = chain.offer(delta(5));
        assertThat(out.problems())
                .singleElement()
                .asString()
                .contains("updates@5", "version 5", "2 deltas are already buffered", "waiting for version 2");
        assertThat(chain.bufferedVersions()).containsExactly(3L, 4L);
        // The next full version catches the model up.
        assertThat(run(chain, full(6))).containsExactly(6L);
    }

    @Test
    void aDeltaThatDoesNotFit_isReported_andTheChainWaitsForTheNextFullVersion() {
        VersionChain chain = new VersionChain("m", 10);
        run(chain, full(1));
        ParameterDelta wrongSize = ParameterDelta.between(new float[3], new float[3]);
        VersionChain.Outcome out = chain.offer(new VersionChain.Delta(
                2, "updates@2", base -> base.withDelta(wrongSize, 2, 2, 2, Instant.EPOCH, Map.of())));
        assertThat(out.built()).isEmpty();
        assertThat(out.problems()).singleElement().asString().contains("updates@2", "does not apply to version 1");
        assertThat(run(chain, delta(3), full(3), delta(4))).containsExactly(3L, 4L);
    }

    @Test
    void afterARestart_theNextFullVersionIsCurrentWhateverItsNumber() {
        VersionChain chain = new VersionChain("m", 10);
        run(chain, full(5), delta(7));
        chain.restart();
        assertThat(chain.bufferedVersions()).isEmpty();
        assertThat(run(chain, full(1), delta(2))).containsExactly(1L, 2L);
    }

    @Test
    void versionsMadeFromDeltas_shareTheUntouchedBlocksOfTheVersionBefore() {
        VersionChain chain = new VersionChain("m", 10);
        ServableModel v1 = chain.offer(full(1)).built().get(0).model();
        ServableModel v2 = chain.offer(delta(2)).built().get(0).model();
        BlockedParams p1 = v1.blockedParameters();
        BlockedParams p2 = v2.blockedParameters();
        ParameterDelta d = ParameterDelta.between(states.get(1), states.get(2));
        java.util.Set<Integer> touched = new java.util.HashSet<>();
        for (int k = 0; k < d.count(); k++) {
            touched.add(d.index(k) >>> BlockedParams.SHIFT);
        }
        assertThat(touched).isNotEmpty().hasSizeLessThan(p1.blockCount());
        for (int b = 0; b < p1.blockCount(); b++) {
            if (touched.contains(b)) {
                assertThat(p2.block(b)).isNotSameAs(p1.block(b));
            } else {
                assertThat(p2.block(b)).isSameAs(p1.block(b));
            }
        }
        assertThat(v1.parameters()).isEqualTo(states.get(1));
    }
}

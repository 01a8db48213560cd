package io.streamgrad.learner.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.train.ModelState;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Files written by each format version and committed (see {@link Fixtures}): this build must read them all, and the
 * state encoder must write exactly the bytes of the current version's fixture. A format change that breaks old
 * files fails here.
 */
class FormatFixtureTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = FormatFixtureTest.class.getResourceAsStream(name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    @Test
    void modelStateV1Fixture_decodesToItsKnownValues() throws IOException {
        ModelState s = ModelStateCodec.decode(resource(Fixtures.STATE_V1));

        assertThat(bits(s.params())).containsExactly(bits(Fixtures.PARAMS));
        assertThat(Float.floatToRawIntBits(s.params()[9])).isEqualTo(0x7fc00123);
        assertThat(Float.floatToRawIntBits(s.params()[1])).isEqualTo(0x80000000);
        assertThat(s.optimizerState()).containsExactly(0.5f, 0.25f, -0.125f);
        assertThat(s.step()).isEqualTo(123_456_789_012L);
        assertThat(s.rngState()).isEqualTo(0x9E3779B97F4A7C15L);
        assertThat(s.examplesSeen()).isEqualTo(987_654_321L);
        assertThat(s.skippedBatches()).isEqualTo(3);
    }

    @Test
    void snapshotV1Fixture_decodesToItsKnownValues() throws IOException {
        Snapshot s = SnapshotFile.decode(resource(Fixtures.SNAPSHOT_V1));

        assertThat(s.modelId()).isEqualTo("ctr-model");
        assertThat(s.version()).isEqualTo(42);
        assertThat(s.createdAt()).isEqualTo(1_767_225_600_000L);
        assertThat(s.config().model().type().yamlName()).isEqualTo("logistic");
        assertThat(s.config().model().features()).isEqualTo(11);
        assertThat(s.config().optimizer().type().yamlName()).isEqualTo("adam");
        assertThat(s.config().optimizer().learningRate()).isEqualTo(0.05);
        assertThat(s.config().schedule().decaySteps()).isEqualTo(1000);
        assertThat(s.config().regularization().l2()).isEqualTo(0.0001);
        assertThat(s.config().batchSize()).isEqualTo(16);
        assertThat(s.config().shuffle()).isTrue();
        assertThat(s.config().seed()).isEqualTo(7);
        assertThat(s.config()).isEqualTo(Fixtures.config());
        assertThat(bits(s.state().params())).containsExactly(bits(Fixtures.PARAMS));
        assertThat(s.metrics()).containsExactlyEntriesOf(Fixtures.metrics());
        assertThat(s.sourceOffsets()).containsExactlyEntriesOf(Fixtures.offsets());
    }

    @Test
    void modelStateV1Fixture_readsWithTheGuardAtItsDefaults() throws IOException {
        ModelState s = ModelStateCodec.decode(resource(Fixtures.STATE_V1));

        assertThat(s.lrScale()).isEqualTo(1.0);
        assertThat(s.badStreak()).isZero();
        assertThat(s.rollbacks()).isZero();
        assertThat(s.hasLastGood()).isFalse();
        assertThat(s.lastGoodParams()).isNull();
        assertThat(s.lastGoodOptimizerState()).isNull();
    }

    @Test
    void modelStateV2Fixture_decodesToItsKnownValues() throws IOException {
        byte[] bytes = resource(Fixtures.STATE_V2);
        ModelState s = ModelStateCodec.decode(bytes);

        assertThat(bytes[7]).isEqualTo((byte) 2);
        assertThat(bits(s.params())).containsExactly(bits(Fixtures.PARAMS));
        assertThat(s.optimizerState()).containsExactly(0.5f, 0.25f, -0.125f);
        assertThat(s.step()).isEqualTo(123_456_789_012L);
        assertThat(s.rngState()).isEqualTo(0x9E3779B97F4A7C15L);
        assertThat(s.examplesSeen()).isEqualTo(987_654_321L);
        assertThat(s.skippedBatches()).isEqualTo(3);
        assertThat(s.lrScale()).isEqualTo(0.125);
        assertThat(s.badStreak()).isEqualTo(2);
        assertThat(s.rollbacks()).isEqualTo(3);
        assertThat(s.lastGoodStep()).isEqualTo(123_456_000_000L);
        assertThat(bits(s.lastGoodParams())).containsExactly(bits(Fixtures.GOOD_PARAMS));
        assertThat(Float.floatToRawIntBits(s.lastGoodParams()[9])).isEqualTo(0x7fc00456);
        assertThat(s.lastGoodOptimizerState()).containsExactly(0.75f, -0.5f, 1e20f);
        assertThat(s).isEqualTo(Fixtures.stateV2());
    }

    @Test
    void snapshotWithV2State_decodesToItsKnownValues() throws IOException {
        Snapshot s = SnapshotFile.decode(resource(Fixtures.SNAPSHOT_V1_STATE_V2));

        assertThat(s.config()).isEqualTo(Fixtures.configV2());
        assertThat(s.config().divergence().maxBadBatches()).isEqualTo(4);
        assertThat(s.config().divergence().lrBackoff()).isEqualTo(0.25);
        assertThat(s.config().divergence().minLrScale()).isEqualTo(0.01);
        assertThat(s.state()).isEqualTo(Fixtures.stateV2());
        assertThat(s.metrics()).containsExactlyEntriesOf(Fixtures.metrics());
    }

    @Test
    void snapshotV1Fixture_hasTheRollbackPolicyOff() throws IOException {
        Snapshot s = SnapshotFile.decode(resource(Fixtures.SNAPSHOT_V1));

        assertThat(s.config().divergence().enabled()).isFalse();
        assertThat(s.state().hasLastGood()).isFalse();
    }

    @Test
    void stateEncoder_reproducesTheCurrentVersionsFixtureBytes() throws IOException {
        // Snapshot bytes are not compared: they embed the config YAML, whose text may legitimately change
        // (a new key) without a format change.
        assertThat(ModelStateCodec.CURRENT_VERSION)
                .as("add a fixture for the new version (Fixtures.main)")
                .isEqualTo(2);
        assertThat(ModelStateCodec.encode(Fixtures.stateV2())).isEqualTo(resource(Fixtures.STATE_V2));
    }
}

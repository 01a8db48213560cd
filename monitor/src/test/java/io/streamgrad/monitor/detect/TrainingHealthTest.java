package io.streamgrad.monitor.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingHealthTest {
    static final TrainingHealth HEALTH = TrainingHealth.defaults(60, 600);

    /** A noisy learning curve: 0.7 decaying towards 0.2, multiplicative noise of ~20 %. */
    static double curve(int i, Random rng) {
        return (0.2 + 0.5 * Math.exp(-i / 300.0)) * Math.exp(0.2 * rng.nextGaussian());
    }

    @Test
    void healthyLearningCurve_raisesNothingIn5000Batches() {
        TrainingHealth.State s = HEALTH.newState();
        Random rng = new Random(1);
        for (int i = 0; i < 5000; i++) {
            TrainingHealth.Signals sig = HEALTH.onBatch(s, i, curve(i, rng));
            assertThat(sig.lossRising()).as("rising at %d", i).isFalse();
            assertThat(sig.lossShiftedUp()).as("shift at %d", i).isFalse();
            if (i % 100 == 0) {
                HEALTH.onVersion(s, i);
            }
        }
    }

    @Test
    void finiteLossThatClimbs_isDetectedWithinAHundredBatches() {
        TrainingHealth.State s = HEALTH.newState();
        Random rng = new Random(2);
        for (int i = 0; i < 2000; i++) {
            HEALTH.onBatch(s, i, curve(i, rng));
        }
        int risingAt = -1;
        for (int i = 0; i < 500 && risingAt < 0; i++) {
            double climbing = curve(2000 + i, rng) * Math.exp(i / 100.0); // x2.7 every 100 batches, finite
            if (HEALTH.onBatch(s, 2000 + i, climbing).lossRising()) {
                risingAt = i;
            }
        }
        assertThat(risingAt).isBetween(1, 100);
    }

    @Test
    void nonFiniteLoss_stall_andStaleVersion_areSignalledInEventTime() throws IOException {
        TrainingHealth.State s = HEALTH.newState();
        assertThat(HEALTH.onBatch(s, 1000, Double.NaN).lossNotFinite()).isTrue();
        HEALTH.onBatch(s, 1010, 0.5);
        assertThat(HEALTH.check(s, 1069).stalled()).isFalse();
        assertThat(HEALTH.check(s, 1070).stalled()).isTrue();
        assertThat(HEALTH.check(s, 1599).noNewVersion()).isFalse();
        assertThat(HEALTH.check(s, 1600).noNewVersion()).isTrue();
        HEALTH.onVersion(s, 1600);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        s.write(new DataOutputStream(b));
        TrainingHealth.State back =
                TrainingHealth.State.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray())));
        assertThat(HEALTH.check(back, 1700).noNewVersion()).isFalse();
        assertThat(HEALTH.check(back, 2200).noNewVersion()).isTrue();
    }
}

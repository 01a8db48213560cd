package io.streamgrad.job.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The snapshot policy alone: a progress record and a clock value in, a decision out. */
class SnapshotPolicyTest {
    private static TrainerProgress progress(long step, long lastSnapshotStep, long lastSnapshotAtMs) {
        TrainerProgress p = new TrainerProgress();
        p.step = step;
        p.lastSnapshotStep = lastSnapshotStep;
        p.lastSnapshotAtMs = lastSnapshotAtMs;
        return p;
    }

    @Test
    void afterBatch_everyNSteps_snapshotsOnTheNthStepOnly() {
        SnapshotPolicy policy = new SnapshotPolicy(5, 0);
        assertThat(policy.afterBatch(progress(4, 0, 0), 0)).isEqualTo(SnapshotPolicy.Decision.NONE);
        assertThat(policy.afterBatch(progress(5, 0, 0), 0)).isEqualTo(SnapshotPolicy.Decision.SNAPSHOT);
    }

    @Test
    void afterBatch_timeBasedNotDue_setsOneTimerAtTheDueTime() {
        SnapshotPolicy policy = new SnapshotPolicy(0, 10);
        TrainerProgress p = progress(1, 0, 1_000);

        SnapshotPolicy.Decision d = policy.afterBatch(p, 2_000);

        assertThat(d.snapshotNow()).isFalse();
        assertThat(d.setTimer()).isTrue();
        assertThat(d.timerAt()).isEqualTo(11_000);
        assertThat(p.snapshotTimerAt).isEqualTo(11_000);
        // the timer is pending: the next batch sets none
        p.step++;
        assertThat(policy.afterBatch(p, 3_000)).isEqualTo(SnapshotPolicy.Decision.NONE);
    }

    @Test
    void afterBatch_timeBasedDue_snapshotsAtOnce() {
        SnapshotPolicy policy = new SnapshotPolicy(0, 10);
        assertThat(policy.afterBatch(progress(1, 0, 1_000), 11_000)).isEqualTo(SnapshotPolicy.Decision.SNAPSHOT);
    }

    @Test
    void afterBatch_nothingNewSinceTheLastSnapshot_doesNothingEvenWhenDue() {
        SnapshotPolicy policy = new SnapshotPolicy(0, 10);
        TrainerProgress p = progress(3, 3, 0);
        assertThat(policy.afterBatch(p, 60_000)).isEqualTo(SnapshotPolicy.Decision.NONE);
        assertThat(p.snapshotTimerAt).isZero();
    }

    @Test
    void onTimer_due_snapshotsAndClearsThePendingTimer() {
        SnapshotPolicy policy = new SnapshotPolicy(0, 10);
        TrainerProgress p = progress(2, 0, 0);
        p.snapshotTimerAt = 10_000;

        assertThat(policy.onTimer(p, 10_000, 10_000)).isEqualTo(SnapshotPolicy.Decision.SNAPSHOT);
        assertThat(p.snapshotTimerAt).isZero();
    }

    @Test
    void onTimer_afterAStepTriggeredSnapshot_waitsAFullPeriodAfterIt() {
        SnapshotPolicy policy = new SnapshotPolicy(100, 10);
        TrainerProgress p = progress(105, 100, 7_000); // a step-triggered snapshot at 7 s
        p.snapshotTimerAt = 10_000;

        SnapshotPolicy.Decision d = policy.onTimer(p, 10_000, 10_000);

        assertThat(d.snapshotNow()).isFalse();
        assertThat(d.timerAt()).isEqualTo(17_000);
        assertThat(p.snapshotTimerAt).isEqualTo(17_000);
    }

    @Test
    void onTimer_staleTimer_doesNothing() {
        SnapshotPolicy policy = new SnapshotPolicy(0, 10);
        TrainerProgress p = progress(2, 0, 0);
        p.snapshotTimerAt = 20_000;

        assertThat(policy.onTimer(p, 10_000, 30_000)).isEqualTo(SnapshotPolicy.Decision.NONE);
        assertThat(p.snapshotTimerAt).isEqualTo(20_000);
    }

    @Test
    void atEndOfInput_publishesUnpublishedStepsOrAFirstSnapshot() {
        SnapshotPolicy policy = new SnapshotPolicy(10, 0);
        assertThat(policy.atEndOfInput(progress(3, 0, 0))).isTrue();
        TrainerProgress untrained = progress(0, 0, 0);
        assertThat(policy.atEndOfInput(untrained)).isTrue(); // version 0: nothing was ever published
        untrained.snapshotVersion = 1;
        assertThat(policy.atEndOfInput(untrained)).isFalse();
    }

    @Test
    void published_increasesTheVersion_andRestartsBothPeriods() {
        SnapshotPolicy policy = new SnapshotPolicy(5, 10);
        TrainerProgress p = progress(5, 0, 0);

        assertThat(policy.published(p, 4_000)).isEqualTo(1);
        assertThat(policy.published(p, 5_000)).isEqualTo(2);
        assertThat(p.lastSnapshotStep).isEqualTo(5);
        assertThat(p.lastSnapshotAtMs).isEqualTo(5_000);
        assertThat(policy.afterBatch(p, 5_000)).isEqualTo(SnapshotPolicy.Decision.NONE);
    }

    @Test
    void negativePeriod_isRefused() {
        assertThatThrownBy(() -> new SnapshotPolicy(-1, 0)).hasMessageContaining(">= 0");
    }

    @Test
    void firstAfter_aModelThatNeverPublished_isDueThatLongAfterItsFirstBatch_laterVersionsAFullPeriod() {
        SnapshotPolicy policy = new SnapshotPolicy(100, 60, 1_000);
        TrainerProgress p = progress(1, 0, 5_000); // created (first batch) at 5 s

        SnapshotPolicy.Decision d = policy.afterBatch(p, 5_200);
        assertThat(d.timerAt()).isEqualTo(6_000);
        assertThat(policy.onTimer(p, 6_000, 6_000)).isEqualTo(SnapshotPolicy.Decision.SNAPSHOT);
        assertThat(policy.published(p, 6_000)).isEqualTo(1);

        p.step++;
        assertThat(policy.afterBatch(p, 6_500).timerAt()).isEqualTo(66_000); // version 2: the full 60 s
    }

    @Test
    void firstAfter_longerThanThePeriod_orTimeOff_changesNothing() {
        assertThat(new SnapshotPolicy(0, 10, 60_000)
                        .afterBatch(progress(1, 0, 0), 1)
                        .timerAt())
                .isEqualTo(10_000);
        SnapshotPolicy stepsOnly = new SnapshotPolicy(10, 0, 1_000);
        assertThat(stepsOnly.afterBatch(progress(1, 0, 0), 5_000)).isEqualTo(SnapshotPolicy.Decision.NONE);
    }

    @Test
    void firstAfter_negative_isRefused() {
        assertThatThrownBy(() -> new SnapshotPolicy(1, 1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}

package io.streamgrad.learner.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.data.ReadOptions;
import io.streamgrad.learner.data.ReadReport;
import io.streamgrad.learner.metrics.PrequentialMetrics;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Offline passes with the divergence policy: when the model is marked good, and recovery from a too-high rate. */
class OfflineTrainerDivergenceTest {

    private static TrainerConfig linearSgd(double lr, String divergence) {
        return ConfigParser.parse("""
                model: {type: linear, features: 1}
                loss: mse
                optimizer: {type: sgd, learning_rate: %s}
                batch_size: 4
                %s
                """.formatted(lr, divergence));
    }

    /** y = 2x + 1 with x uniform in [-1, 1]; {@code nanRow >= 0} puts a NaN feature into that row. */
    private static Dataset line(int n, int nanRow) {
        SplittableRandom r = new SplittableRandom(5);
        Dataset.Builder b = new Dataset.Builder(1);
        for (int i = 0; i < n; i++) {
            float x = (float) (2 * r.nextDouble() - 1);
            b.addDense(2 * x + 1, 1f, new float[] {i == nanRow ? Float.NaN : x});
        }
        return b.build(ReadOptions.Density.DENSE, new ReadReport("test", n, n, 0, List.of()));
    }

    @Test
    void pass_policyOn_marksGoodEveryNUpdates_soARollbackReturnsToTheLastMark() {
        TrainerConfig c = linearSgd(0.1, "divergence: {max_bad_batches: 1}");
        OfflineTrainer trainer = new OfflineTrainer(c, 5);
        ModelState s = trainer.initState();

        // 12 full batches of 4; the NaN is in batch 13 (rows 48..51), after marks at steps 5 and 10.
        OfflineTrainer.PassResult r = trainer.pass(s, line(60, 49), PrequentialMetrics.forConfig(c));

        assertThat(r.rejected()).isEqualTo(1);
        assertThat(r.rollbacks()).isEqualTo(1);
        assertThat(r.firstRejectReason()).contains("rolled back to the state marked good at step 10");
        assertThat(r.lrScale()).isEqualTo(0.5);
        assertThat(s.lastGoodStep())
                .as("a rejection since the last mark: not marked at the end")
                .isEqualTo(10);
    }

    @Test
    void pass_policyOn_cleanPass_isMarkedGoodAtItsEnd() {
        TrainerConfig c = linearSgd(0.1, "divergence: {max_bad_batches: 1}");
        OfflineTrainer trainer = new OfflineTrainer(c, 1000);
        ModelState s = trainer.initState();

        trainer.pass(s, line(58, -1), PrequentialMetrics.forConfig(c));

        assertThat(s.step()).isEqualTo(15);
        assertThat(s.lastGoodStep()).isEqualTo(15);
        assertThat(s.lastGoodParams()).containsExactly(s.params());
    }

    @Test
    void pass_policyOff_keepsNoCopy() {
        TrainerConfig c = linearSgd(0.1, "");
        OfflineTrainer trainer = new OfflineTrainer(c, 5);
        ModelState s = trainer.initState();

        OfflineTrainer.PassResult r = trainer.pass(s, line(60, 49), PrequentialMetrics.forConfig(c));

        assertThat(r.rejected()).isEqualTo(1);
        assertThat(r.rollbacks()).isZero();
        assertThat(s.hasLastGood()).isFalse();
    }

    @Test
    void divergingSgd_withThePolicy_backsOffUntilItFitsTheLine_withoutItStaysStuck() {
        // lr 10 on mse makes every update overshoot by a factor of several: the weights blow up until an update
        // overflows, after which every batch is rejected. With the policy, each rollback halves the rate; the
        // mse Hessian's largest eigenvalue is about 2 here, so from lr 0.625 (four rollbacks) on, SGD converges.
        // (A rate that diverges slowly enough to stay finite through a clean pass is marked good at its end: the
        // policy reacts to non-finite values, not to a growing loss.)
        TrainerConfig on = linearSgd(10, "divergence: {max_bad_batches: 3, lr_backoff: 0.5}");
        TrainerConfig off = linearSgd(10, "");
        Dataset data = line(400, -1);
        ModelState guarded = new OfflineTrainer(on).initState();
        ModelState unguarded = new OfflineTrainer(off).initState();
        OfflineTrainer withPolicy = new OfflineTrainer(on);
        OfflineTrainer without = new OfflineTrainer(off);

        long rollbacks = 0;
        OfflineTrainer.PassResult last = null;
        for (int pass = 0; pass < 6; pass++) {
            last = withPolicy.pass(guarded, data, PrequentialMetrics.forConfig(on));
            rollbacks += last.rollbacks();
            without.pass(unguarded, data, PrequentialMetrics.forConfig(off));
        }

        assertThat(rollbacks).isGreaterThan(0);
        assertThat(guarded.lrScale()).isEqualTo(0.0625);
        assertThat(last.rejected()).as("the last pass trains normally").isZero();
        assertThat(guarded.params()[0]).isCloseTo(2f, org.assertj.core.data.Offset.offset(1e-3f));
        assertThat(guarded.params()[1]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-3f));
        assertThat(unguarded.skippedBatches()).isGreaterThan(300);
        assertThat(Math.abs(unguarded.params()[0])).isGreaterThan(1e30f);
    }
}

package io.streamgrad.learner.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The divergence guard: every non-finite batch is rejected with the model left bit-identical and counted; with
 * {@code divergence.max_bad_batches = K > 0}, K rejections in a row roll the model back to the state last marked
 * good and back off its learning-rate scale.
 */
class TrainerDivergenceTest {
    private static final int FEATURES = 6;
    private static final int CLASSES = 3;

    private static TrainerConfig softmax(String divergence) {
        return ConfigParser.parse("""
                model: {type: softmax, features: %d, classes: %d}
                loss: categorical_cross_entropy
                optimizer: {type: adam, learning_rate: 0.1}
                %s
                """.formatted(FEATURES, CLASSES, divergence));
    }

    private static TrainerConfig policy(int k) {
        return softmax("divergence: {max_bad_batches: " + k + ", lr_backoff: 0.5, min_lr_scale: 0.1}");
    }

    private static Batch goodBatch(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 8;
        float[] x = new float[n * FEATURES];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) r.nextGaussian();
            }
            y[i] = r.nextInt(CLASSES);
        }
        return Batch.dense(n, FEATURES, x, y, null);
    }

    /** A batch with one NaN feature: its loss is NaN. */
    private static Batch nanFeatureBatch(long seed) {
        Batch b = goodBatch(seed);
        float[] x = b.dense().clone();
        x[3] = Float.NaN;
        return Batch.dense(b.size(), FEATURES, x, b.labels(), null);
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    /** A state with a few applied updates, so its optimizer state is not at its start. */
    private static ModelState trained(Trainer trainer, int batches) {
        ModelState s = trainer.initState();
        for (int i = 0; i < batches; i++) {
            assertThat(trainer.train(s, goodBatch(100 + i)).applied()).isTrue();
        }
        return s;
    }

    private static void assertModelBitIdentical(ModelState actual, ModelState expected) {
        assertThat(bits(actual.params())).containsExactly(bits(expected.params()));
        assertThat(bits(actual.optimizerState())).containsExactly(bits(expected.optimizerState()));
    }

    // ------------------------------------------------------------------------------ per-batch rejection

    @Test
    void nanFeatures_nonFiniteLoss_leaveParamsAndOptimizerStateBitIdentical_andAreCounted() {
        Trainer trainer = new Trainer(softmax(""));
        ModelState s = trained(trainer, 3);
        ModelState before = s.copy();

        StepResult r = trainer.train(s, nanFeatureBatch(1));

        assertThat(r.applied()).isFalse();
        assertThat(r.rejectReason()).isEqualTo("non-finite loss NaN");
        assertThat(r.rolledBack()).isFalse();
        assertModelBitIdentical(s, before);
        assertThat(s.step()).isEqualTo(3);
        assertThat(s.examplesSeen()).isEqualTo(before.examplesSeen());
        assertThat(s.skippedBatches()).isEqualTo(1);
        assertThat(s.badStreak()).isEqualTo(1);
    }

    @Test
    void nanLabels_nonFiniteLoss_leaveTheModelBitIdentical_andAreCounted() {
        TrainerConfig c = ConfigParser.parse("""
                model: {type: linear, features: 2}
                loss: mse
                optimizer: {type: momentum, learning_rate: 0.01}
                """);
        Trainer trainer = new Trainer(c);
        ModelState s = trainer.initState();
        Batch good = Batch.dense(2, 2, new float[] {1, 2, 3, 4}, new float[] {1, 2}, null);
        trainer.train(s, good);
        trainer.train(s, good);
        ModelState before = s.copy();

        StepResult r = trainer.train(s, Batch.dense(2, 2, new float[] {1, 2, 3, 4}, new float[] {1, Float.NaN}, null));

        assertThat(r.applied()).isFalse();
        assertThat(r.rejectReason()).startsWith("non-finite loss");
        assertModelBitIdentical(s, before);
        assertThat(s.skippedBatches()).isEqualTo(1);
        assertThat(s.step()).isEqualTo(2);
    }

    @Test
    void overflowingSgdUpdate_isRejected_andLeavesTheModelBitIdentical() {
        // Gradient ~ -2e20 (finite), learning rate 1e30: w - lr*g = 2e50 overflows a float.
        TrainerConfig c = ConfigParser.parse("""
                model: {type: linear, features: 1}
                loss: mse
                optimizer: {type: sgd, learning_rate: 1.0e+30}
                """);
        Trainer trainer = new Trainer(c);
        ModelState s = trainer.initState();
        ModelState before = s.copy();

        StepResult r = trainer.train(s, Batch.dense(1, 1, new float[] {1e10f}, new float[] {1e10f}, null));

        assertThat(r.applied()).isFalse();
        assertThat(r.rejectReason()).isEqualTo("update would make a parameter non-finite");
        assertThat(r.loss()).isFinite();
        assertThat(r.gradientNorm()).isFinite();
        assertModelBitIdentical(s, before);
        assertThat(s.skippedBatches()).isEqualTo(1);
    }

    @Test
    void adamSquaredGradientOverflow_isRejectedAsNonFiniteOptimizerState() {
        // g ~ 1e31 is a finite float and the update itself stays finite (Adam's step is about lr), but
        // (1 - beta2) * g^2 ~ 1e59 does not fit the float second moment: accepting it would freeze the coordinate.
        TrainerConfig c = ConfigParser.parse("""
                model: {type: linear, features: 2}
                loss: mse
                optimizer: {type: adam, learning_rate: 0.001}
                """);
        Trainer trainer = new Trainer(c);
        ModelState s = trainer.initState();
        ModelState before = s.copy();

        StepResult r = trainer.train(s, Batch.dense(1, 2, new float[] {1e15f, 1e15f}, new float[] {1e16f}, null));

        assertThat(r.applied()).isFalse();
        assertThat(r.rejectReason()).isEqualTo("update would make the adam optimizer state non-finite");
        assertModelBitIdentical(s, before);
        assertThat(s.skippedBatches()).isEqualTo(1);
    }

    @Test
    void sparseUpdates_overflowingUpdate_isRejected_andTouchedCoordinatesAreRestored() {
        TrainerConfig c = ConfigParser.parse("""
                model: {type: linear, features: 50}
                loss: mse
                optimizer: {type: adagrad, learning_rate: 0.1}
                sparse_updates: true
                """);
        Trainer trainer = new Trainer(c);
        ModelState s = trainer.initState();
        Batch good = Batch.sparse(
                2, 50, new int[] {0, 2, 3}, new int[] {1, 7, 7}, new float[] {1, 2, 3}, new float[] {1, 2}, null);
        trainer.train(s, good);
        ModelState before = s.copy();

        // Adagrad's accumulator gains g^2 ~ 1e62: not a float.
        StepResult r = trainer.train(
                s,
                Batch.sparse(
                        1,
                        50,
                        new int[] {0, 2},
                        new int[] {7, 9},
                        new float[] {1e15f, 1e15f},
                        new float[] {1e16f},
                        null));

        assertThat(r.applied()).isFalse();
        assertThat(r.rejectReason()).isEqualTo("update would make the adagrad optimizer state non-finite");
        assertModelBitIdentical(s, before);
        assertThat(trainer.train(s, good).applied())
                .as("the trainer's scratch is clean afterwards")
                .isTrue();
    }

    /**
     * The lazy path of each kind of optimizer: Adagrad through the trainer's rollback copy, SGD and FTRL through
     * their checked sparse step (nothing written unless all is finite). A gradient of -3e38 on a weight is finite,
     * the update is not (SGD: lr 10 times it; FTRL and Adagrad: its square).
     */
    @ParameterizedTest
    @ValueSource(strings = {"adagrad, learning_rate: 0.1", "sgd, learning_rate: 10", "ftrl, learning_rate: 0.1"})
    void sparseUpdates_nonFiniteUpdate_isRejected_leavesTheModelBitIdentical_andTrainingGoesOn(String optimizer) {
        TrainerConfig c = ConfigParser.parse("""
                model: {type: linear, features: 50, init: zeros}
                loss: mse
                optimizer: {type: %s}
                sparse_updates: true
                """.formatted(optimizer));
        Trainer trainer = new Trainer(c);
        ModelState s = trainer.initState();
        Batch good = Batch.sparse(
                2,
                50,
                new int[] {0, 2, 3},
                new int[] {1, 2, 2},
                new float[] {0.1f, 0.2f, 0.3f},
                new float[] {0.1f, 0.2f},
                null);
        assertThat(trainer.train(s, good).applied()).isTrue();
        ModelState before = s.copy();

        // Weight 7 is still 0 and the bias small: dRaw ~ -2e19, the gradient of weight 7 ~ -2e38 (finite).
        StepResult r = trainer.train(
                s,
                Batch.sparse(
                        1,
                        50,
                        new int[] {0, 3},
                        new int[] {7, 9, 30},
                        new float[] {1e19f, 1f, 1f},
                        new float[] {1e19f},
                        null));

        assertThat(r.applied()).isFalse();
        assertThat(r.rejectReason()).startsWith("update would make").endsWith("non-finite");
        assertModelBitIdentical(s, before);
        assertThat(s.skippedBatches()).isEqualTo(1);
        assertThat(trainer.train(s, good).applied())
                .as("the trainer's scratch is clean afterwards")
                .isTrue();
        assertThat(s.step()).isEqualTo(2);
    }

    // ------------------------------------------------------------------------------------- the policy

    @Test
    void kConsecutiveBadBatches_rollBackToTheMarkedGoodState_andHalveTheLrScale() {
        Trainer trainer = new Trainer(policy(3));
        ModelState s = trained(trainer, 4);
        assertThat(trainer.markGood(s)).isTrue();
        ModelState good = s.copy();
        for (int i = 0; i < 3; i++) {
            trainer.train(s, goodBatch(200 + i)); // the model moves on from the marked state
        }
        ModelState moved = s.copy();

        StepResult first = trainer.train(s, nanFeatureBatch(1));
        StepResult second = trainer.train(s, nanFeatureBatch(2));

        assertThat(first.rolledBack()).isFalse();
        assertThat(second.rolledBack()).isFalse();
        assertThat(s.badStreak()).isEqualTo(2);
        assertModelBitIdentical(s, moved);

        StepResult third = trainer.train(s, nanFeatureBatch(3));

        assertThat(third.applied()).isFalse();
        assertThat(third.rolledBack()).isTrue();
        assertThat(third.lrScale()).isEqualTo(0.5);
        assertThat(third.rejectReason())
                .isEqualTo("non-finite loss NaN; 3 rejected batches in a row "
                        + "(divergence.max_bad_batches): rolled back to the state marked good at step 4, learning-rate scale "
                        + "now 0.5");
        assertModelBitIdentical(s, good);
        assertThat(s.lrScale()).isEqualTo(0.5);
        assertThat(s.badStreak()).isZero();
        assertThat(s.rollbacks()).isEqualTo(1);
        assertThat(s.skippedBatches()).isEqualTo(3);
        assertThat(s.step())
                .as("the step counts updates made, undone ones included")
                .isEqualTo(7);
        assertThat(s.lastGoodStep()).isEqualTo(4);

        StepResult next = trainer.train(s, goodBatch(300));
        assertThat(next.applied()).isTrue();
        assertThat(next.learningRate()).isEqualTo(0.05);
        assertThat(next.lrScale()).isEqualTo(0.5);
    }

    @Test
    void repeatedRollbacks_backOffDownToMinLrScale() {
        Trainer trainer =
                new Trainer(softmax("divergence: {max_bad_batches: 1, lr_backoff: 0.25, " + "min_lr_scale: 0.05}"));
        ModelState s = trainer.initState();

        double[] scales = new double[3];
        for (int i = 0; i < scales.length; i++) {
            StepResult r = trainer.train(s, nanFeatureBatch(i));
            assertThat(r.rolledBack()).isTrue();
            scales[i] = r.lrScale();
        }

        assertThat(scales).containsExactly(0.25, 0.0625, 0.05);
        assertThat(s.lrScale()).isEqualTo(0.05);
        assertThat(s.rollbacks()).isEqualTo(3);
    }

    @Test
    void goodBatchBetweenBadBatches_resetsTheStreak() {
        Trainer trainer = new Trainer(policy(3));
        ModelState s = trained(trainer, 2);

        trainer.train(s, nanFeatureBatch(1));
        trainer.train(s, nanFeatureBatch(2));
        assertThat(trainer.train(s, goodBatch(7)).applied()).isTrue();
        assertThat(s.badStreak()).isZero();
        StepResult r1 = trainer.train(s, nanFeatureBatch(3));
        StepResult r2 = trainer.train(s, nanFeatureBatch(4));

        assertThat(r1.rolledBack()).isFalse();
        assertThat(r2.rolledBack()).isFalse();
        assertThat(s.badStreak()).isEqualTo(2);
        assertThat(s.skippedBatches()).isEqualTo(4);
        assertThat(s.rollbacks()).isZero();
        assertThat(s.lrScale()).isEqualTo(1.0);
    }

    @Test
    void policyOff_neverRollsBack_andKeepsNoLastGoodCopy() {
        Trainer trainer = new Trainer(softmax(""));
        ModelState s = trained(trainer, 2);
        ModelState before = s.copy();

        assertThat(trainer.markGood(s)).isFalse();
        for (int i = 0; i < 20; i++) {
            StepResult r = trainer.train(s, nanFeatureBatch(i));
            assertThat(r.rolledBack()).isFalse();
            assertThat(r.lrScale()).isEqualTo(1.0);
        }

        assertThat(s.hasLastGood()).isFalse();
        assertThat(s.badStreak()).isEqualTo(20);
        assertThat(s.skippedBatches()).isEqualTo(20);
        assertThat(s.rollbacks()).isZero();
        assertThat(s.lrScale()).isEqualTo(1.0);
        assertModelBitIdentical(s, before);
    }

    @Test
    void policyOff_markGood_dropsACopyTheStateStillHolds() {
        ModelState withCopy = new Trainer(policy(2)).initState();
        assertThat(withCopy.hasLastGood()).isTrue();

        assertThat(new Trainer(softmax("")).markGood(withCopy)).isFalse();

        assertThat(withCopy.hasLastGood()).isFalse();
    }

    @Test
    void policyOn_initState_isMarkedGood() {
        Trainer trainer = new Trainer(policy(2));

        ModelState s = trainer.initState();

        assertThat(s.hasLastGood()).isTrue();
        assertThat(s.lastGoodStep()).isZero();
        assertThat(bits(s.lastGoodParams())).containsExactly(bits(s.params()));
        assertThat(bits(s.lastGoodOptimizerState())).containsExactly(bits(s.optimizerState()));
        assertThat(s.lastGoodParams()).isNotSameAs(s.params());
    }

    @Test
    void markGood_duringABadStreak_isIgnored() {
        Trainer trainer = new Trainer(policy(3));
        ModelState s = trained(trainer, 2);
        trainer.markGood(s);
        ModelState marked = s.copy();
        trainer.train(s, goodBatch(9));
        trainer.train(s, nanFeatureBatch(1));

        assertThat(trainer.markGood(s)).isFalse();

        assertThat(bits(s.lastGoodParams())).containsExactly(bits(marked.params()));
        assertThat(s.lastGoodStep()).isEqualTo(2);
    }

    @Test
    void markGood_reusesTheCopysArrays() {
        Trainer trainer = new Trainer(policy(3));
        ModelState s = trainer.initState();
        float[] copy = s.lastGoodParams();
        trainer.train(s, goodBatch(1));

        trainer.markGood(s);

        assertThat(s.lastGoodParams()).isSameAs(copy);
        assertThat(bits(copy)).containsExactly(bits(s.params()));
        assertThat(s.lastGoodStep()).isEqualTo(1);
    }

    @Test
    void policyOn_withoutALastGoodCopy_backsOffTheRateOnly() {
        Trainer trainer = new Trainer(policy(2));
        ModelState s = trained(trainer, 2);
        ModelState bare = new ModelState(
                s.params().clone(),
                s.optimizerState().clone(),
                s.step(),
                s.rngState(),
                s.examplesSeen(),
                s.skippedBatches());

        trainer.train(bare, nanFeatureBatch(1));
        StepResult r = trainer.train(bare, nanFeatureBatch(2));

        assertThat(r.rolledBack()).isTrue();
        assertThat(r.rejectReason()).endsWith("no state was marked good, parameters kept, learning-rate scale now 0.5");
        assertModelBitIdentical(bare, s);
        assertThat(bare.lrScale()).isEqualTo(0.5);
    }

    @Test
    void afterARollback_updatesUseTheScaledRate_exactlyLikeAHalvedLearningRate() {
        Trainer guarded = new Trainer(softmax("divergence: {max_bad_batches: 1, lr_backoff: 0.5}"));
        ModelState s = guarded.initState();
        guarded.train(s, goodBatch(1));
        guarded.train(s, nanFeatureBatch(1)); // rolls back to the initial state, scale 0.5
        Trainer halved = new Trainer(ConfigParser.parse("""
                model: {type: softmax, features: %d, classes: %d}
                loss: categorical_cross_entropy
                optimizer: {type: adam, learning_rate: 0.05}
                """.formatted(FEATURES, CLASSES)));
        ModelState reference = new ModelState(
                s.params().clone(),
                s.optimizerState().clone(),
                s.step(),
                s.rngState(),
                s.examplesSeen(),
                s.skippedBatches());

        for (int i = 0; i < 5; i++) {
            StepResult a = guarded.train(s, goodBatch(10 + i));
            StepResult b = halved.train(reference, goodBatch(10 + i));
            assertThat(a.learningRate()).isEqualTo(b.learningRate());
        }

        assertModelBitIdentical(s, reference);
    }

    @Test
    void policyOn_withOnlyGoodBatches_trainsBitIdenticallyToPolicyOff() {
        ModelState on = trained(new Trainer(policy(2)), 6);
        ModelState off = trained(new Trainer(softmax("")), 6);

        assertModelBitIdentical(on, off);
        assertThat(on.step()).isEqualTo(off.step());
    }

    @Test
    void emptyBatch_isNeitherCountedNorPartOfAStreak() {
        Trainer trainer = new Trainer(policy(2));
        ModelState s = trainer.initState();
        trainer.train(s, nanFeatureBatch(1));

        StepResult r = trainer.train(s, Batch.dense(0, FEATURES, new float[0], new float[0], null));

        assertThat(r.applied()).isFalse();
        assertThat(r.rolledBack()).isFalse();
        assertThat(s.badStreak()).isEqualTo(1);
        assertThat(s.skippedBatches()).isEqualTo(1);
    }

    // -------------------------------------------------------------------------------- checkpointing

    @Test
    void guardedState_roundTripsThroughTheCodec_andContinuesBitIdentically() {
        Trainer trainer = new Trainer(policy(2));
        ModelState s = trained(trainer, 3);
        trainer.markGood(s);
        trainer.train(s, goodBatch(50));
        trainer.train(s, nanFeatureBatch(1));
        trainer.train(s, nanFeatureBatch(2)); // rollback: scale 0.5
        trainer.train(s, goodBatch(51));
        trainer.train(s, nanFeatureBatch(3)); // streak 1 at the checkpoint
        assertThat(s.lrScale()).isEqualTo(0.5);
        assertThat(s.badStreak()).isEqualTo(1);

        ModelState restored = ModelStateCodec.decode(ModelStateCodec.encode(s));

        assertThat(restored).isEqualTo(s);
        assertThat(bits(restored.lastGoodParams())).containsExactly(bits(s.lastGoodParams()));
        assertThat(bits(restored.lastGoodOptimizerState())).containsExactly(bits(s.lastGoodOptimizerState()));
        // The streak goes on across the restore: one more bad batch rolls back both of them.
        Trainer fresh = new Trainer(policy(2));
        StepResult a = trainer.train(s, nanFeatureBatch(4));
        StepResult b = fresh.train(restored, nanFeatureBatch(4));
        assertThat(a.rolledBack()).isTrue();
        assertThat(b.rolledBack()).isTrue();
        for (int i = 0; i < 3; i++) {
            trainer.train(s, goodBatch(60 + i));
            fresh.train(restored, goodBatch(60 + i));
        }
        assertThat(restored).isEqualTo(s);
        assertThat(s.lrScale()).isEqualTo(0.25);
    }

    @Test
    void withoutLastGood_sharesTheArraysAndDropsOnlyTheCopy() {
        ModelState s = new Trainer(policy(2)).initState();

        ModelState bare = s.withoutLastGood();

        assertThat(bare.hasLastGood()).isFalse();
        assertThat(bare.params()).isSameAs(s.params());
        assertThat(bare.lrScale()).isEqualTo(s.lrScale());
        assertThat(ModelStateCodec.encode(bare).length)
                .isEqualTo(ModelStateCodec.encode(s).length - 8 - 4 * (s.params().length + s.optimizerState().length));
        assertThat(Arrays.equals(bits(bare.params()), bits(s.params()))).isTrue();
    }
}

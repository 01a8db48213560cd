package io.streamgrad.job.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.batch.BatchAssembler;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The divergence guard in the trainer operator: rejected batches leave the model unchanged and raise a prompt
 * alert; with {@code divergence.max_bad_batches} the model rolls back to its last published snapshot and backs off
 * its learning rate, exactly as the learner's {@link Trainer} does when it is marked good at the same steps — also
 * across a checkpoint taken in the middle of a streak.
 */
class ModelTrainerDivergenceTest {
    private static final String GUARDED = TestConfigs.logisticYaml(3, 8) + "divergence: {max_bad_batches: 2}\n";
    private static final String UNGUARDED = TestConfigs.logisticYaml(3, 8);
    private static final ModelCatalog GUARDED_CATALOG = TestConfigs.catalog("m", GUARDED);
    private static final ModelCatalog UNGUARDED_CATALOG = TestConfigs.catalog("m", UNGUARDED);

    static KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, TrainingMetrics> harness(
            ModelCatalog catalog, long everySteps, int metricsEvery) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ModelTrainer(catalog, everySteps, 0, metricsEvery)),
                b -> b.modelId,
                Types.STRING);
    }

    /**
     * Separable batches of 8 (label 1 iff 2*x0 - x1 + 0.5*x2 > 0); in each batch listed in {@code poisoned} the
     * first example is a valid-looking but hostile one: x0 = 1e30 (finite, so it passes validation) with label 0,
     * whose gradient overflows Adam's second moment, so the trainer rejects the batch.
     */
    static List<ExampleBatch> batches(int count, long seed, Set<Integer> poisoned) {
        Random rnd = new Random(seed);
        List<ExampleBatch> out = new ArrayList<>();
        long offset = 0;
        for (int b = 0; b < count; b++) {
            List<TrainingExample> ex = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                TrainingExample e = new TrainingExample();
                e.modelId = "m";
                e.dense =
                        new float[] {(float) rnd.nextGaussian(), (float) rnd.nextGaussian(), (float) rnd.nextGaussian()
                        };
                e.label = 2 * e.dense[0] - e.dense[1] + 0.5f * e.dense[2] > 0 ? 1 : 0;
                if (i == 0 && poisoned.contains(b)) {
                    e.dense = new float[] {1e30f, 0f, 0f};
                    e.label = 0;
                }
                e.topic = "ex";
                e.offset = offset++;
                ex.add(e);
            }
            out.add(BatchAssembler.assemble("m", 3, ex, "count"));
        }
        return out;
    }

    /**
     * The reference: the learner's trainer over the same batches, marked good where the job publishes a snapshot
     * (after an applied batch that brings the step {@code everySteps} past the last snapshot).
     */
    static ModelState direct(String yaml, List<ExampleBatch> data, long everySteps) {
        Trainer trainer = new Trainer(TestConfigs.parse(yaml));
        ModelState s = trainer.initState();
        long lastSnapshot = 0;
        for (ExampleBatch b : data) {
            trainer.train(s, ModelTrainer.toBatch(b));
            if (s.step() - lastSnapshot >= everySteps) {
                trainer.markGood(s);
                lastSnapshot = s.step();
            }
        }
        return s.withoutLastGood();
    }

    static ModelSnapshot run(
            KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, TrainingMetrics> h, List<ExampleBatch> data)
            throws Exception {
        for (ExampleBatch b : data) {
            h.processElement(new StreamRecord<>(b));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        List<ModelSnapshot> s = ModelTrainerTest.snapshots(h);
        return s.get(s.size() - 1);
    }

    @Test
    void poisonedBatch_isRejectedByTheLearner_evenThoughEveryValueIsFinite() {
        Trainer trainer = new Trainer(TestConfigs.parse(UNGUARDED));
        ModelState s = trainer.initState();
        ModelState before = s.copy();
        StepResult r =
                trainer.train(s, ModelTrainer.toBatch(batches(1, 1, Set.of(0)).get(0)));

        assertThat(r.applied()).isFalse();
        assertThat(r.rejectReason()).contains("non-finite");
        assertThat(s.params()).isEqualTo(before.params());
        assertThat(s.optimizerState()).isEqualTo(before.optimizerState());
    }

    @Test
    void kRejectionsInARow_rollBackToTheLastSnapshot_andBackOffTheRate_likeTheLearnerMarkedGoodAtEachSnapshot()
            throws Exception {
        // Snapshots at steps 4, 8, 12; batch 5 is rejected alone; 14 and 15 in a row roll back to step 12.
        List<ExampleBatch> data = batches(24, 2, Set.of(5, 14, 15));
        ModelState expected = direct(GUARDED, data, 4);

        try (var h = harness(GUARDED_CATALOG, 4, 100)) {
            h.open();
            ModelState got = ModelTrainerTest.state(run(h, data));

            assertThat(got).isEqualTo(expected); // params and optimizer state bit for bit, and the guard fields
            assertThat(got.skippedBatches()).isEqualTo(3);
            assertThat(got.rollbacks()).isEqualTo(1);
            assertThat(got.lrScale()).isEqualTo(0.5);
            assertThat(got.step()).isEqualTo(21);
            assertThat(got.hasLastGood())
                    .as("snapshots leave the last-good copy out")
                    .isFalse();
            List<ModelSnapshot> snaps = ModelTrainerTest.snapshots(h);
            assertThat(snaps.get(snaps.size() - 1).getMetrics())
                    .containsEntry("rollbacks", 1.0)
                    .containsEntry("lr_scale", 0.5)
                    .containsEntry("skipped_batches", 3.0);
        }
    }

    @Test
    void withThePolicyOff_rejectedBatchesLeaveTheModelAsItWas_andNothingRollsBack() throws Exception {
        List<ExampleBatch> data = batches(12, 3, Set.of(4, 5, 6));
        ModelState expected = direct(UNGUARDED, data, 4);
        ModelState clean = direct(UNGUARDED, without(data, Set.of(4, 5, 6)), 4);

        try (var h = harness(UNGUARDED_CATALOG, 4, 100)) {
            h.open();
            ModelState got = ModelTrainerTest.state(run(h, data));

            assertThat(got).isEqualTo(expected);
            assertThat(got.params())
                    .as("rejected batches do not touch the model")
                    .isEqualTo(clean.params());
            assertThat(got.optimizerState()).isEqualTo(clean.optimizerState());
            assertThat(got.skippedBatches()).isEqualTo(3);
            assertThat(got.rollbacks()).isZero();
            assertThat(got.lrScale()).isEqualTo(1.0);
        }
    }

    @Test
    void aCheckpointInTheMiddleOfAStreak_keepsTheStreak_theRollbackHappensAfterRestore() throws Exception {
        List<ExampleBatch> data = batches(16, 4, Set.of(9, 10));
        ModelSnapshot uninterrupted;
        try (var h = harness(GUARDED_CATALOG, 4, 5)) {
            h.open();
            uninterrupted = run(h, data);
        }

        OperatorSubtaskState checkpoint;
        try (var h = harness(GUARDED_CATALOG, 4, 5)) {
            h.open();
            for (ExampleBatch b : data.subList(0, 10)) { // batch 9 is the first of the two rejected
                h.processElement(new StreamRecord<>(b));
            }
            checkpoint = h.snapshot(1, 1);
        }
        ModelSnapshot restored;
        try (var h = harness(GUARDED_CATALOG, 4, 5)) {
            h.initializeState(checkpoint);
            h.open();
            restored = run(h, data.subList(10, 16));
        }

        assertThat(restored.getState()).isEqualTo(uninterrupted.getState());
        assertThat(ModelTrainerTest.state(restored).rollbacks()).isEqualTo(1);
        assertThat(ModelTrainerTest.state(restored).lrScale()).isEqualTo(0.5);
    }

    @Test
    void policySwitchedOnForATrainedModel_marksTheRestoredStateGood() throws Exception {
        List<ExampleBatch> data = batches(10, 5, Set.of(8, 9));
        OperatorSubtaskState checkpoint;
        ModelState atCheckpoint;
        try (var h = harness(UNGUARDED_CATALOG, 100, 100)) {
            h.open();
            for (ExampleBatch b : data.subList(0, 6)) {
                h.processElement(new StreamRecord<>(b));
            }
            checkpoint = h.snapshot(1, 1);
        }
        try (var h = harness(GUARDED_CATALOG, 100, 100)) {
            h.initializeState(checkpoint);
            h.open();
            ModelState got = ModelTrainerTest.state(run(h, data.subList(6, 10)));
            // Batches 6 and 7 trained, 8 and 9 rejected: back to the state restored at step 6.
            atCheckpoint = direct(UNGUARDED, data.subList(0, 6), 100);
            assertThat(got.rollbacks()).isEqualTo(1);
            assertThat(got.step()).isEqualTo(8);
            assertThat(got.params()).isEqualTo(atCheckpoint.params());
            assertThat(got.optimizerState()).isEqualTo(atCheckpoint.optimizerState());
        }
    }

    @Test
    void firstRejection_publishesItsWindowAtOnce_laterOnesAtTheirWindowsEnd() throws Exception {
        // Windows of 5 batches. Batch 2 is rejected: its window is published at once (3 batches). The next window
        // (batches 3-7, rejection at 4) waits for its end: after an alert, alerts come once per window. Batches
        // 8-12 are clean; the rejection at 13 is prompt again.
        List<ExampleBatch> data = batches(16, 6, Set.of(2, 4, 13));
        try (var h = harness(UNGUARDED_CATALOG, 0, 5)) {
            h.open();
            List<TrainingMetrics> m = new ArrayList<>();
            List<Integer> publishedAfterBatch = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                h.processElement(new StreamRecord<>(data.get(i)));
                List<TrainingMetrics> out = h.extractOutputValues();
                for (int k = m.size(); k < out.size(); k++) {
                    publishedAfterBatch.add(i);
                }
                m = out;
            }

            assertThat(publishedAfterBatch).containsExactly(2, 7, 12, 13);
            assertThat(m).extracting(TrainingMetrics::getWindowBatches).containsExactly(3, 5, 5, 1);
            assertThat(m).extracting(TrainingMetrics::getSkippedBatches).containsExactly(1L, 2L, 2L, 3L);
            assertThat(m.get(0).getAlert())
                    .startsWith("divergence guard: 1 of 3 batches rejected")
                    .contains("non-finite")
                    .contains("learning-rate scale 1.0");
            assertThat(m.get(1).getAlert()).startsWith("divergence guard: 1 of 5 batches rejected");
            assertThat(m.get(2).getAlert()).isNull();
            assertThat(m.get(3).getAlert()).startsWith("divergence guard: 1 of 1 batches rejected");
            assertThat(m.get(3).getLoss()).as("no batch scored in the window").isNaN();
        }
    }

    @Test
    void rollbackAlert_namesTheRollback_theStepReturnedTo_andTheNewScale() throws Exception {
        List<ExampleBatch> data = batches(10, 7, Set.of(6, 7));
        try (var h = harness(GUARDED_CATALOG, 4, 100)) {
            h.open();
            run(h, data);
            List<TrainingMetrics> m = h.extractOutputValues();

            // Batch 6 publishes its window at once; batch 7's rollback is in the window closed at the end of input.
            assertThat(m).extracting(TrainingMetrics::getStep).containsExactly(6L, 8L);
            assertThat(m.get(1).getAlert())
                    .startsWith("divergence guard: 1 of 3 batches rejected")
                    .contains("2 rejected batches in a row (divergence.max_bad_batches): rolled back to the state "
                            + "marked good at step 4, learning-rate scale now 0.5")
                    .contains("1 rollback in this window")
                    .contains("learning-rate scale 0.5, rollbacks so far 1");
        }
    }

    static List<ExampleBatch> without(List<ExampleBatch> data, Set<Integer> drop) {
        List<ExampleBatch> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            if (!drop.contains(i)) {
                out.add(data.get(i));
            }
        }
        return out;
    }
}

package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.batch.BatchAssembler;
import io.streamgrad.job.batch.MiniBatcher;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.job.train.ModelTrainer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * What a savepoint meets when the job's model list changed before the resume: a model taken out of the job keeps
 * its state (dormant: resuming it later continues where it stopped) and its pending timers do nothing; a model
 * whose architecture changed under the same id is refused with a message, not trained on a mismatched state.
 */
class UpgradeCompatibilityTest {
    private static final ModelCatalog BOTH =
            TestConfigs.catalog("a", TestConfigs.logisticYaml(2, 4), "b", TestConfigs.logisticYaml(2, 4));
    private static final ModelCatalog ONLY_A = TestConfigs.catalog("a", TestConfigs.logisticYaml(2, 4));

    private static KeyedOneInputStreamOperatorTestHarness<String, BatcherInput, ExampleBatch> batcher(
            ModelCatalog catalog) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new MiniBatcher(catalog, 1000)), BatcherInput::modelId, Types.STRING);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, TrainingMetrics> trainer(
            ModelCatalog catalog) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ModelTrainer(catalog, 0, 1, 100)), b -> b.modelId, Types.STRING);
    }

    private static TrainingExample example(String model, long offset) {
        TrainingExample e = new TrainingExample();
        e.modelId = model;
        e.dense = new float[] {offset % 3, 1f};
        e.label = offset % 2;
        e.topic = "ex";
        e.offset = offset;
        return e;
    }

    private static ExampleBatch batch(String model, long from) {
        List<TrainingExample> ex = new ArrayList<>();
        for (long o = from; o < from + 4; o++) {
            ex.add(example(model, o));
        }
        return BatchAssembler.assemble(model, 2, ex, "count");
    }

    @Test
    void modelRemovedWithAPartialBatchWaiting_itsBatchTimeoutDoesNothing_andItResumesWhenAddedBack() throws Exception {
        OperatorSubtaskState saved;
        try (var h = batcher(BOTH)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(new StreamRecord<>(example("b", 0))); // b's batch timeout is due at 1000
            saved = h.snapshot(1, 0);
        }
        try (var h = batcher(ONLY_A)) {
            h.initializeState(saved);
            h.open();
            h.setProcessingTime(2000); // b is no longer configured: the timeout must not fail the job
            assertThat(h.extractOutputValues()).isEmpty();
            saved = h.snapshot(2, 2000);
        }
        try (var h = batcher(BOTH)) {
            h.initializeState(saved);
            h.open();
            for (long o = 1; o < 4; o++) {
                h.processElement(new StreamRecord<>(example("b", o)));
            }
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(b -> assertThat(b.nextOffsets).containsExactly(4)) // offsets 0..3: none lost
                    .satisfies(b -> assertThat(b.size).isEqualTo(4));
        }
    }

    @Test
    void modelRemovedWithASnapshotDue_itsSnapshotTimerDoesNothing() throws Exception {
        OperatorSubtaskState saved;
        try (var h = trainer(BOTH)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(new StreamRecord<>(batch("b", 0))); // a time-based snapshot is due at 1000
            saved = h.snapshot(1, 0);
        }
        try (var h = trainer(ONLY_A)) {
            h.initializeState(saved);
            h.open();
            h.setProcessingTime(2000);
            var snapshots = h.getSideOutput(ModelTrainer.SNAPSHOTS);
            assertThat(snapshots == null ? List.<ModelSnapshot>of() : snapshots).isEmpty();
        }
    }

    @Test
    void modelWhoseArchitectureChangedUnderTheSameId_isRefusedWithAMessage() throws Exception {
        OperatorSubtaskState saved;
        try (var h = trainer(ONLY_A)) {
            h.open();
            h.processElement(new StreamRecord<>(batch("a", 0)));
            saved = h.snapshot(1, 0);
        }
        ModelCatalog wider = TestConfigs.catalog(
                "a",
                TestConfigs.logisticYaml(2, 4)
                        .replace("type: logistic, features: 2", "type: softmax, features: 2, classes: 3")
                        .replace("binary_cross_entropy", "categorical_cross_entropy"));
        try (var h = trainer(wider)) {
            h.initializeState(saved);
            h.open();
            assertThatThrownBy(() -> h.processElement(new StreamRecord<>(batch("a", 4))))
                    .hasMessageContaining("model 'a'")
                    .hasMessageContaining("3 parameters")
                    .hasMessageContaining("new id");
        }
    }
}

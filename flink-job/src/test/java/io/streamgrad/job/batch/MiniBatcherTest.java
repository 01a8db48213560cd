package io.streamgrad.job.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.BatchTrigger;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class MiniBatcherTest {
    private static final ModelCatalog CATALOG =
            TestConfigs.catalog("a", TestConfigs.logisticYaml(2, 3), "b", TestConfigs.linearYaml(3, 2));

    static KeyedOneInputStreamOperatorTestHarness<String, BatcherInput, ExampleBatch> harness(long timeoutMs)
            throws Exception {
        // Built by hand (not ProcessFunctionTestHarnesses, which opens it) so a test can restore state first.
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new MiniBatcher(CATALOG, timeoutMs)), BatcherInput::modelId, Types.STRING);
    }

    static TrainingExample dense(String model, long offset, float label, float... x) {
        TrainingExample e = new TrainingExample();
        e.modelId = model;
        e.dense = x;
        e.label = label;
        e.weight = 1f;
        e.topic = "ex";
        e.partition = 0;
        e.offset = offset;
        return e;
    }

    static TrainingExample sparse(String model, long offset, float label, int[] idx, float[] val) {
        TrainingExample e = dense(model, offset, label);
        e.dense = new float[0];
        e.indices = idx;
        e.values = val;
        return e;
    }

    static KeyedOneInputStreamOperatorTestHarness<String, BatcherInput, ExampleBatch> templateHarness(
            int maxModels, int minExamples, long idleMs) throws Exception {
        ModelCatalog catalog = ModelCatalog.of(
                java.util.Map.of("a", TestConfigs.parse(TestConfigs.logisticYaml(2, 3))),
                TestConfigs.parse(TestConfigs.logisticYaml(2, 2)),
                new io.streamgrad.job.config.TemplateLimits(maxModels, 100, minExamples, idleMs));
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new MiniBatcher(catalog, 0)), BatcherInput::modelId, Types.STRING);
    }

    private static List<io.streamgrad.avro.DeadLetter> deadLetters(
            KeyedOneInputStreamOperatorTestHarness<String, BatcherInput, ExampleBatch> h) {
        var q = h.getSideOutput(MiniBatcher.DEAD_LETTERS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void examplesOfTemplateIdsBeyondTheCap_goToDeadLetters_withTheReason_andListedModelsAreUnaffected()
            throws Exception {
        try (var h = templateHarness(1, 1, 60_000)) {
            h.open();
            h.processElement(new StreamRecord<>(dense("t1", 1, 0, 1, 2)));
            h.processElement(new StreamRecord<>(dense("t2", 2, 0, 1, 2)));
            h.processElement(new StreamRecord<>(dense("t1", 3, 1, 1, 2)));
            for (int i = 0; i < 3; i++) {
                h.processElement(new StreamRecord<>(dense("a", 10 + i, 0, 1, 2)));
            }
            assertThat(h.extractOutputValues()).extracting(b -> b.modelId).containsExactly("t1", "a");
            assertThat(deadLetters(h)).singleElement().satisfies(d -> {
                assertThat(d.getModelId()).isEqualTo("t2");
                assertThat(d.getOffset()).isEqualTo(2);
                assertThat(d.getReason()).startsWith("ex-0@2: ").contains("template_models.max_models=1");
            });
        }
    }

    @Test
    void examplesBeforeMinExamples_goToDeadLetters_andTheModelTrainsFromTheNth() throws Exception {
        try (var h = templateHarness(10, 3, 60_000)) {
            h.open();
            for (int i = 0; i < 5; i++) {
                h.processElement(new StreamRecord<>(dense("t", i, i % 2, 1, 2)));
            }
            assertThat(deadLetters(h)).extracting(d -> d.getOffset()).containsExactly(0L, 1L);
            assertThat(deadLetters(h).get(1).getReason()).contains("example 2 of the 3");
            ExampleBatch b = h.extractOutputValues().get(0);
            assertThat(b.nextOffsets).as("examples 2 and 3").containsExactly(4);
            assertThat(b.labels).containsExactly(0, 1);
        }
    }

    @Test
    void anIdleTemplateModel_flushesItsPartialBatch_sendsTheExpiryMarker_andClearsItsState() throws Exception {
        try (var h = templateHarness(1, 1, 1000)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(new StreamRecord<>(dense("t1", 1, 0, 1, 2)));
            h.setProcessingTime(500);
            h.processElement(new StreamRecord<>(dense("t1", 2, 1, 1, 2)));
            h.processElement(new StreamRecord<>(dense("t1", 3, 1, 1, 2)));
            h.setProcessingTime(1000);
            assertThat(h.extractOutputValues())
                    .as("seen at 500: not idle at 1000")
                    .hasSize(1);
            h.setProcessingTime(1500);
            List<ExampleBatch> out = h.extractOutputValues();
            assertThat(out).extracting(b -> b.trigger).containsExactly("count", "timeout", "idle-expired");
            assertThat(out.get(2).modelId).isEqualTo("t1");
            assertThat(out.get(2).size).isZero();
            assertThat(h.numKeyedStateEntries()).as("no keyed state left").isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();

            // Its slot is free again: another id is admitted.
            h.processElement(new StreamRecord<>(dense("t2", 4, 0, 1, 2)));
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void admissionCounts_surviveCheckpointAndRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = templateHarness(1, 1, 60_000)) {
            h.open();
            h.processElement(new StreamRecord<>(dense("t1", 1, 0, 1, 2)));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = templateHarness(1, 1, 60_000)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(new StreamRecord<>(dense("t2", 2, 0, 1, 2)));
            h.processElement(new StreamRecord<>(dense("t1", 3, 0, 1, 2)));
            assertThat(deadLetters(h)).extracting(d -> d.getModelId()).containsExactly("t2");
            assertThat(h.extractOutputValues())
                    .extracting(b -> b.nextOffsets[0])
                    .containsExactly(4L);
        }
    }

    @Test
    void batchIsEmittedWhenTheModelsBatchSizeIsReached_inArrivalOrder() throws Exception {
        try (var h = harness(0)) {
            h.open();
            h.processElement(new StreamRecord<>(dense("a", 10, 0, 1, 2)));
            h.processElement(new StreamRecord<>(dense("b", 11, 5, 1, 1, 1)));
            h.processElement(new StreamRecord<>(dense("a", 12, 1, 3, 4)));
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(new StreamRecord<>(dense("a", 13, 0, 5, 6)));
            h.processElement(new StreamRecord<>(dense("b", 14, 6, 2, 2, 2)));

            List<ExampleBatch> out = h.extractOutputValues();
            assertThat(out).hasSize(2);
            ExampleBatch a = out.get(0);
            assertThat(a.modelId).isEqualTo("a");
            assertThat(a.size).isEqualTo(3);
            assertThat(a.dim).isEqualTo(2);
            assertThat(a.isSparse()).isFalse();
            assertThat(a.dense).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(a.labels).containsExactly(0, 1, 0);
            assertThat(a.sourcePartitions).containsExactly("ex-0");
            assertThat(a.nextOffsets).containsExactly(14);
            assertThat(a.trigger).isEqualTo("count");
            assertThat(out.get(1).modelId).isEqualTo("b");
            assertThat(out.get(1).labels).containsExactly(5, 6);
        }
    }

    @Test
    void mixedDenseAndSparseExamples_makeACsrBatch_denseNonZerosFirst() throws Exception {
        try (var h = harness(0)) {
            h.open();
            h.processElement(new StreamRecord<>(dense("b", 0, 1, 0, 2, 3)));
            h.processElement(new StreamRecord<>(sparse("b", 1, 2, new int[] {2, 0}, new float[] {7, 8})));

            ExampleBatch b = h.extractOutputValues().get(0);
            assertThat(b.isSparse()).isTrue();
            assertThat(b.rowPtr).containsExactly(0, 2, 4);
            assertThat(b.indices).containsExactly(1, 2, 2, 0);
            assertThat(b.values).containsExactly(2, 3, 7, 8);
        }
    }

    @Test
    void partialBatch_isFlushedAfterTheTimeout() throws Exception {
        try (var h = harness(500)) {
            h.open();
            h.setProcessingTime(1000);
            h.processElement(new StreamRecord<>(dense("a", 0, 0, 1, 2)));
            h.setProcessingTime(1400);
            h.processElement(new StreamRecord<>(dense("a", 1, 1, 3, 4)));
            assertThat(h.extractOutputValues()).isEmpty();

            h.setProcessingTime(1500);

            assertThat(h.extractOutputValues()).singleElement().satisfies(b -> {
                assertThat(b.size).isEqualTo(2);
                assertThat(b.trigger).isEqualTo("timeout");
            });
        }
    }

    @Test
    void timeoutOfAFlushedBatch_doesNotCutTheNextOneShort() throws Exception {
        try (var h = harness(500)) {
            h.open();
            h.setProcessingTime(0);
            for (int i = 0; i < 3; i++) {
                h.processElement(new StreamRecord<>(dense("a", i, 0, 1, 2)));
            }
            h.setProcessingTime(300);
            h.processElement(new StreamRecord<>(dense("a", 3, 0, 1, 2)));
            h.setProcessingTime(500); // the first batch's timer would have fired here

            assertThat(h.extractOutputValues()).hasSize(1);
            h.setProcessingTime(800);
            assertThat(h.extractOutputValues())
                    .hasSize(2)
                    .last()
                    .satisfies(b -> assertThat(b.size).isEqualTo(1));
        }
    }

    @Test
    void endOfInput_flushesPartialBatches_ofEveryModel() throws Exception {
        try (var h = harness(0)) {
            h.open();
            h.processElement(new StreamRecord<>(dense("a", 0, 0, 1, 2)));
            h.processElement(new StreamRecord<>(dense("b", 1, 0, 1, 2, 3)));

            h.processWatermark(new Watermark(Long.MAX_VALUE));

            assertThat(h.extractOutputValues())
                    .extracting(b -> b.modelId + ":" + b.size + ":" + b.trigger)
                    .containsExactlyInAnyOrder("a:1:end-of-input", "b:1:end-of-input");
        }
    }

    @Test
    void partialBatch_survivesCheckpointAndRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(0)) {
            h.open();
            h.processElement(new StreamRecord<>(dense("a", 0, 0, 1, 2)));
            h.processElement(new StreamRecord<>(dense("a", 1, 1, 3, 4)));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(0)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(new StreamRecord<>(dense("a", 2, 0, 5, 6)));

            assertThat(h.extractOutputValues()).singleElement().satisfies(b -> {
                assertThat(b.dense).containsExactly(1, 2, 3, 4, 5, 6);
                assertThat(b.nextOffsets).containsExactly(3);
            });
        }
    }

    @Test
    void assembler_writesADenseBatchIntoTheArrayItIsGiven_onlyWhenTheSizeMatches() {
        float[] previous = {9, 9, 9, 9, 9, 9};
        ExampleBatch same = BatchAssembler.assemble(
                "a",
                2,
                List.of(dense("a", 0, 0, 1, 2), dense("a", 1, 1, 3, 4), dense("a", 2, 0, 5, 6)),
                BatchTrigger.COUNT,
                previous);
        assertThat(same.dense).isSameAs(previous).containsExactly(1, 2, 3, 4, 5, 6);

        ExampleBatch smaller =
                BatchAssembler.assemble("a", 2, List.of(dense("a", 3, 0, 7, 8)), BatchTrigger.TIMEOUT, previous);
        assertThat(smaller.dense).isNotSameAs(previous).containsExactly(7, 8);
        assertThat(previous).containsExactly(1, 2, 3, 4, 5, 6);

        ExampleBatch csr = BatchAssembler.assemble(
                "a",
                2,
                List.of(
                        sparse("a", 4, 0, new int[] {1}, new float[] {2}),
                        dense("a", 5, 0, 0, 3),
                        dense("a", 6, 0, 4, 0)),
                BatchTrigger.COUNT,
                previous);
        assertThat(csr.isSparse()).isTrue();
        assertThat(csr.dense).isNotSameAs(previous);
        assertThat(previous).containsExactly(1, 2, 3, 4, 5, 6);
    }
}

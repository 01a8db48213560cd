package io.streamgrad.job.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.batch.BatchAssembler;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Trainer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ModelTrainerTest {
    private static final String LOGISTIC = TestConfigs.logisticYaml(3, 8);
    private static final ModelCatalog CATALOG = TestConfigs.catalog("m", LOGISTIC, "r", TestConfigs.linearYaml(1, 1));

    static KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, TrainingMetrics> harness(
            long everySteps, long everySeconds, int metricsEvery) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ModelTrainer(CATALOG, everySteps, everySeconds, metricsEvery)),
                b -> b.modelId,
                Types.STRING);
    }

    /** Separable batches: label 1 iff 2*x0 - x1 + 0.5*x2 > 0. */
    static List<ExampleBatch> batches(int count, long seed) {
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
                e.weight = 1;
                e.topic = "ex";
                e.offset = offset++;
                ex.add(e);
            }
            out.add(BatchAssembler.assemble("m", 3, ex, "count"));
        }
        return out;
    }

    static List<ModelSnapshot> snapshots(
            KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, TrainingMetrics> h) {
        var q = h.getSideOutput(ModelTrainer.SNAPSHOTS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    @Test
    void idleExpiryMarker_publishesTheUnpublishedProgress_thenClearsAllStateAndTimers_butTheLastVersion()
            throws Exception {
        try (var h = harness(100, 60, 3)) {
            h.open();
            for (ExampleBatch b : batches(4, 1)) {
                h.processElement(new StreamRecord<>(b));
            }
            assertThat(snapshots(h)).isEmpty();
            ExampleBatch marker = new ExampleBatch();
            marker.modelId = "m";
            marker.trigger = io.streamgrad.job.records.BatchTrigger.IDLE_EXPIRED.wireName();
            h.processElement(new StreamRecord<>(marker));

            assertThat(snapshots(h)).singleElement().satisfies(s -> {
                assertThat(s.getVersion()).isEqualTo(1);
                assertThat(s.getStep()).isEqualTo(4);
            });
            assertThat(h.extractOutputValues())
                    .as("the open window (batch 4) is published too")
                    .extracting(TrainingMetrics::getStep)
                    .containsExactly(3L, 4L);
            assertThat(h.numKeyedStateEntries())
                    .as("only the retired version record (one Long) is left")
                    .isEqualTo(1);
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    private static final ModelCatalog TEMPLATE_CATALOG = ModelCatalog.of(
            java.util.Map.of(),
            TestConfigs.parse(LOGISTIC),
            new io.streamgrad.job.config.TemplateLimits(10, 10, 1, 1000, 60_000));

    private static KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, TrainingMetrics> templateHarness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ModelTrainer(TEMPLATE_CATALOG, 2, 0, 100)),
                b -> b.modelId,
                Types.STRING);
    }

    private static ExampleBatch expiryMarker(String id) {
        ExampleBatch marker = new ExampleBatch();
        marker.modelId = id;
        marker.trigger = io.streamgrad.job.records.BatchTrigger.IDLE_EXPIRED.wireName();
        return marker;
    }

    @Test
    void expiredTemplateModel_thatReturns_startsFresh_andContinuesItsVersionsAboveTheLastPublished() throws Exception {
        List<ExampleBatch> data = batches(8, 11);
        Trainer trainer = new Trainer(TestConfigs.parse(LOGISTIC));
        ModelState fresh = trainer.initState();
        for (ExampleBatch b : data.subList(5, 7)) {
            trainer.train(fresh, ModelTrainer.toBatch(b));
        }
        OperatorSubtaskState checkpoint;
        try (var h = templateHarness()) {
            h.open();
            for (ExampleBatch b : data.subList(0, 5)) { // snapshots at steps 2 and 4
                h.processElement(new StreamRecord<>(b));
            }
            h.processElement(new StreamRecord<>(expiryMarker("m"))); // step 5 is published as version 3
            assertThat(snapshots(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L, 2L, 3L);
            assertThat(h.numKeyedStateEntries())
                    .as("keyed state after expiry: the retired version only")
                    .isEqualTo(1);
            checkpoint = h.snapshot(1, 1);
        }
        // The id returns after a restore of the checkpoint taken while it was expired.
        try (var h = templateHarness()) {
            h.initializeState(checkpoint);
            h.open();
            for (ExampleBatch b : data.subList(5, 7)) {
                h.processElement(new StreamRecord<>(b));
            }
            assertThat(snapshots(h)).singleElement().satisfies(s -> {
                assertThat(s.getVersion()).as("the last published version + 1").isEqualTo(4);
                assertThat(s.getStep()).as("a new model: its own steps").isEqualTo(2);
                assertThat(state(s))
                        .as("freshly initialised, then trained on its new batches")
                        .isEqualTo(fresh);
            });
            h.processElement(new StreamRecord<>(data.get(7)));
            h.processElement(new StreamRecord<>(expiryMarker("m")));
            h.processElement(new StreamRecord<>(expiryMarker("m"))); // a second marker without a model changes nothing
            assertThat(snapshots(h)).extracting(ModelSnapshot::getVersion).containsExactly(4L, 5L);
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);

            h.processElement(new StreamRecord<>(data.get(0)));
            h.processElement(new StreamRecord<>(data.get(1)));
            assertThat(snapshots(h)).extracting(ModelSnapshot::getVersion).containsExactly(4L, 5L, 6L);
        }
    }

    @Test
    void retiredVersion_isForgottenAfterItsTtl_soAnIdReturningLaterStartsAtVersionOneAgain() throws Exception {
        List<ExampleBatch> data = batches(4, 12);
        try (var h = templateHarness()) {
            h.setStateTtlProcessingTime(0);
            h.open();
            h.processElement(new StreamRecord<>(data.get(0)));
            h.processElement(new StreamRecord<>(data.get(1)));
            h.processElement(new StreamRecord<>(expiryMarker("m")));
            assertThat(snapshots(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L);

            h.setStateTtlProcessingTime(60_000); // template_models.retired_version_ttl_ms = 60000
            h.processElement(new StreamRecord<>(data.get(2)));
            h.processElement(new StreamRecord<>(data.get(3)));
            assertThat(snapshots(h))
                    .as("the documented trade-off of the TTL")
                    .extracting(ModelSnapshot::getVersion)
                    .containsExactly(1L, 1L);
        }
    }

    @Test
    void restoredTrainer_continuesBitForBit_likeAnUninterruptedRun() throws Exception {
        List<ExampleBatch> data = batches(20, 1);

        ModelSnapshot uninterrupted;
        try (var h = harness(0, 0, 5)) {
            h.open();
            for (ExampleBatch b : data) {
                h.processElement(new StreamRecord<>(b));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            uninterrupted = snapshots(h).get(snapshots(h).size() - 1);
        }

        OperatorSubtaskState checkpoint;
        try (var h = harness(0, 0, 5)) {
            h.open();
            for (ExampleBatch b : data.subList(0, 12)) {
                h.processElement(new StreamRecord<>(b));
            }
            checkpoint = h.snapshot(1, 1);
            // Work after the checkpoint is lost with this operator instance, as in a failure.
            h.processElement(new StreamRecord<>(data.get(12)));
        }
        ModelSnapshot restored;
        List<TrainingMetrics> metricsAfterRestore;
        try (var h = harness(0, 0, 5)) {
            h.initializeState(checkpoint);
            h.open();
            for (ExampleBatch b : data.subList(12, 20)) {
                h.processElement(new StreamRecord<>(b));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            restored = snapshots(h).get(snapshots(h).size() - 1);
            metricsAfterRestore = h.extractOutputValues();
        }

        assertThat(restored.getState()).isEqualTo(uninterrupted.getState());
        assertThat(state(restored).step()).isEqualTo(20);
        assertThat(state(restored).examplesSeen()).isEqualTo(160);
        assertThat(restored.getVersion()).isEqualTo(uninterrupted.getVersion());
        assertThat(restored.getSourceOffsets())
                .isEqualTo(uninterrupted.getSourceOffsets())
                .containsEntry("ex-0", 160L);
        // The window open at the checkpoint (batches 11, 12) is completed from state: windows 15 and 20.
        assertThat(metricsAfterRestore).extracting(TrainingMetrics::getStep).containsExactly(15L, 20L);
    }

    @Test
    void streamingState_equalsTheTrainerRunDirectly_onTheSameBatches() throws Exception {
        List<ExampleBatch> data = batches(10, 2);
        Trainer trainer = new Trainer(TestConfigs.parse(LOGISTIC));
        ModelState direct = trainer.initState();
        for (ExampleBatch b : data) {
            trainer.train(direct, ModelTrainer.toBatch(b));
        }

        try (var h = harness(0, 0, 100)) {
            h.open();
            for (ExampleBatch b : data) {
                h.processElement(new StreamRecord<>(b));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(state(snapshots(h).get(0))).isEqualTo(direct);
        }
    }

    @Test
    void metricsAreEmittedEveryWBatches_andLossFallsOnALearnableStream() throws Exception {
        try (var h = harness(0, 0, 10)) {
            h.open();
            for (ExampleBatch b : batches(100, 3)) {
                h.processElement(new StreamRecord<>(b));
            }
            List<TrainingMetrics> m = h.extractOutputValues();

            assertThat(m).hasSize(10);
            assertThat(m)
                    .extracting(TrainingMetrics::getStep)
                    .containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);
            assertThat(m.get(0).getWindowExamples()).isEqualTo(80);
            assertThat(m.get(9).getLoss()).isLessThan(m.get(0).getLoss() / 2);
            assertThat(m.get(9).getAccuracy()).isGreaterThan(0.9);
            assertThat(m.get(9).getAuc()).isNotNull();
            assertThat(m.get(9).getAlert()).isNull();
        }
    }

    @Test
    void snapshotsEveryNSteps_haveStrictlyIncreasingVersions_andProvenance() throws Exception {
        try (var h = harness(4, 0, 100)) {
            h.open();
            for (ExampleBatch b : batches(10, 4)) {
                h.processElement(new StreamRecord<>(b));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));

            List<ModelSnapshot> s = snapshots(h);
            assertThat(s).extracting(ModelSnapshot::getVersion).containsExactly(1L, 2L, 3L);
            assertThat(s).extracting(ModelSnapshot::getStep).containsExactly(4L, 8L, 10L);
            assertThat(s.get(2).getConfigYaml()).isEqualTo(CATALOG.yaml("m"));
            assertThat(s.get(2).getSchemaVersion()).isEqualTo(2);
            assertThat(s.get(2).getBuildVersion()).isNotBlank();
            assertThat(TestConfigs.parse(s.get(2).getConfigYaml())).isEqualTo(TestConfigs.parse(LOGISTIC));
        }
    }

    @Test
    void snapshotEveryTSeconds_isTakenByATimer_whenTheModelHasTrainedSinceTheLast() throws Exception {
        try (var h = harness(0, 10, 100)) {
            h.setProcessingTime(0);
            h.open();
            List<ExampleBatch> data = batches(3, 5);
            h.processElement(new StreamRecord<>(data.get(0)));
            h.setProcessingTime(9_999);
            assertThat(snapshots(h)).isEmpty();
            h.setProcessingTime(10_000);
            assertThat(snapshots(h)).extracting(ModelSnapshot::getStep).containsExactly(1L);

            h.setProcessingTime(30_000); // idle: nothing new to publish
            assertThat(snapshots(h)).hasSize(1);

            h.processElement(new StreamRecord<>(data.get(1))); // 20 s after the last snapshot: due now
            assertThat(snapshots(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L, 2L);
        }
    }

    @Test
    void rejectedBatch_leavesTheModelUnchanged_isCounted_andRaisesAnAlert() throws Exception {
        TrainingExample huge = new TrainingExample();
        huge.modelId = "r";
        huge.dense = new float[] {3e38f};
        huge.label = 3e38f;
        huge.topic = "ex";
        TrainingExample fine = new TrainingExample();
        fine.modelId = "r";
        fine.dense = new float[] {1f};
        fine.label = 2f;
        fine.topic = "ex";
        fine.offset = 1;

        try (var h = harness(0, 0, 2)) {
            h.open();
            h.processElement(new StreamRecord<>(BatchAssembler.assemble("r", 1, List.of(huge), "count")));
            h.processElement(new StreamRecord<>(BatchAssembler.assemble("r", 1, List.of(fine), "count")));
            h.processWatermark(new Watermark(Long.MAX_VALUE));

            // The rejection publishes its window at once (the alert is prompt); the fine batch is in the next one.
            List<TrainingMetrics> windows = h.extractOutputValues();
            assertThat(windows).hasSize(2);
            TrainingMetrics m = windows.get(0);
            assertThat(m.getSkippedBatches()).isEqualTo(1);
            assertThat(m.getAlert()).contains("1 of 1 batches rejected").contains("non-finite");
            assertThat(m.getWindowExamples()).isZero();
            assertThat(windows.get(1).getWindowExamples()).isEqualTo(1);
            assertThat(windows.get(1).getAlert()).isNull();
            ModelState s = state(snapshots(h).get(0));
            assertThat(s.step()).isEqualTo(1);
            assertThat(s.skippedBatches()).isEqualTo(1);
            for (float p : s.params()) {
                assertThat(Float.isFinite(p)).isTrue();
            }
        }
    }

    @Test
    void modelsAreTrainedIndependently_perKey() throws Exception {
        try (var h = harness(0, 0, 100)) {
            h.open();
            List<ExampleBatch> data = batches(4, 6);
            TrainingExample r = new TrainingExample();
            r.modelId = "r";
            r.dense = new float[] {1f};
            r.label = 1f;
            r.topic = "ex";
            h.processElement(new StreamRecord<>(data.get(0)));
            h.processElement(new StreamRecord<>(BatchAssembler.assemble("r", 1, List.of(r), "count")));
            h.processElement(new StreamRecord<>(data.get(1)));
            h.processWatermark(new Watermark(Long.MAX_VALUE));

            assertThat(snapshots(h))
                    .extracting(s -> s.getModelId() + ":" + s.getStep() + ":" + s.getVersion())
                    .containsExactlyInAnyOrder("m:2:1", "r:1:1");
        }
    }
}

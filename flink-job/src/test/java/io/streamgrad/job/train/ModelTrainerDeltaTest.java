package io.streamgrad.job.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.batch.BatchAssembler;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.job.reliability.DeltaChains;
import io.streamgrad.job.warmstart.WarmStartSet;
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

/**
 * Delta versions from the trainer operator (Flink's test harness, real keyed state and checkpoints): every version is
 * a full snapshot or a delta, and a delta applied to the version before rebuilds the version bit for bit, also across
 * a checkpoint restore taken between two versions (the dirty set is checkpointed).
 */
class ModelTrainerDeltaTest {
    private static final int FEATURES = 4096;
    private static final String SPARSE = """
            model: {type: logistic, features: %d}
            loss: binary_cross_entropy
            optimizer: {type: adam, learning_rate: 0.05}
            batch_size: 8
            sparse_updates: true
            seed: 7
            """.formatted(FEATURES);
    private static final String DENSE = SPARSE.replace("sparse_updates: true", "sparse_updates: false");
    private static final ModelCatalog CATALOG = TestConfigs.catalog("s", SPARSE, "d", DENSE);

    private static KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, TrainingMetrics> harness(
            long everySteps, JobConfig.Deltas deltas) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ModelTrainer(CATALOG, everySteps, 0, 1000, WarmStartSet.none(), deltas)),
                b -> b.modelId,
                Types.STRING);
    }

    /** Sparse batches of 8 examples with 6 of the 4096 features each. */
    private static List<ExampleBatch> batches(String id, int count, long seed) {
        Random rnd = new Random(seed);
        List<ExampleBatch> out = new ArrayList<>();
        long offset = 0;
        for (int b = 0; b < count; b++) {
            List<TrainingExample> ex = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                TrainingExample e = new TrainingExample();
                e.modelId = id;
                e.indices = rnd.ints(0, FEATURES).distinct().limit(6).sorted().toArray();
                e.values = new float[e.indices.length];
                for (int k = 0; k < e.values.length; k++) {
                    e.values[k] = (float) rnd.nextGaussian();
                }
                e.label = rnd.nextBoolean() ? 1 : 0;
                e.topic = "ex";
                e.offset = offset++;
                ex.add(e);
            }
            out.add(BatchAssembler.assemble(id, FEATURES, ex, "count"));
        }
        return out;
    }

    private static List<ModelSnapshot> fulls(KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, ?> h) {
        var q = h.getSideOutput(ModelTrainer.SNAPSHOTS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    private static List<ModelDelta> deltas(KeyedOneInputStreamOperatorTestHarness<String, ExampleBatch, ?> h) {
        var q = h.getSideOutput(ModelTrainer.DELTAS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void everyDeltaVersion_rebuildsBitIdentically_acrossARestoreBetweenVersions() throws Exception {
        JobConfig.Deltas on = new JobConfig.Deltas(true, 5, 3600, true);
        List<ExampleBatch> data = batches("s", 24, 3);
        List<ModelSnapshot> models = new ArrayList<>();
        List<ModelDelta> updates = new ArrayList<>();
        OperatorSubtaskState checkpoint;
        try (var h = harness(2, on)) {
            h.open();
            for (ExampleBatch b : data.subList(0, 7)) {
                h.processElement(new StreamRecord<>(b));
            }
            // Versions 1..3 published ("committed"); batch 7's rows are in the dirty set, not yet in a version.
            models.addAll(fulls(h));
            updates.addAll(deltas(h));
            checkpoint = h.snapshot(1, 1);
            for (ExampleBatch b : data.subList(7, 12)) { // lost with the crash: published, never committed
                h.processElement(new StreamRecord<>(b));
            }
        }
        try (var h = harness(2, on)) {
            h.initializeState(checkpoint);
            h.open();
            for (ExampleBatch b : data.subList(7, 24)) {
                h.processElement(new StreamRecord<>(b));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE)); // end of input: a final full version
            models.addAll(fulls(h));
            updates.addAll(deltas(h));
        }
        DeltaChains.Checked c = DeltaChains.assertEveryVersionRebuilds(models, updates);
        assertThat(c.versions())
                .as("24 steps, a version every 2, and one at the end")
                .isEqualTo(13);
        assertThat(c.deltas())
                .as("full every 5 versions: 1, 6, 11 and the final 13")
                .isEqualTo(9);
        assertThat(updates).extracting(ModelDelta::getVersion).containsExactly(2L, 3L, 4L, 5L, 7L, 8L, 9L, 10L, 12L);
        // The delta carries only the rows two batches touched (at most 2 * 8 * 6 weights and the bias).
        assertThat(updates)
                .allSatisfy(d -> assertThat(d.getIndices().remaining() / 4).isBetween(1, 2 * 8 * 6 + 1));
    }

    @Test
    void withoutFullCopies_eachVersionGoesToExactlyOneTopic() throws Exception {
        try (var h = harness(1, new JobConfig.Deltas(true, 3, 3600, false))) {
            h.open();
            for (ExampleBatch b : batches("s", 7, 5)) {
                h.processElement(new StreamRecord<>(b));
            }
            assertThat(fulls(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L, 4L, 7L);
            assertThat(deltas(h)).extracting(ModelDelta::getVersion).containsExactly(2L, 3L, 5L, 6L);
            assertThat(deltas(h)).allSatisfy(d -> {
                assertThat(d.getBaseVersion()).isEqualTo(d.getVersion() - 1);
                assertThat(d.getFullVersion()).isEqualTo(d.getVersion() < 4 ? 1 : 4);
                assertThat(d.getNumParams()).isEqualTo(FEATURES + 1);
            });
        }
    }

    @Test
    void denseModel_publishesFullVersionsOnly() throws Exception {
        try (var h = harness(1, new JobConfig.Deltas(true, 0, 3600, false))) {
            h.open();
            for (ExampleBatch b : batches("d", 4, 5)) {
                h.processElement(new StreamRecord<>(b));
            }
            assertThat(fulls(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L, 2L, 3L, 4L);
            assertThat(deltas(h)).isEmpty();
        }
    }

    @Test
    void deltasOff_publishesFullVersionsOnly() throws Exception {
        try (var h = harness(1, JobConfig.Deltas.OFF)) {
            h.open();
            for (ExampleBatch b : batches("s", 3, 5)) {
                h.processElement(new StreamRecord<>(b));
            }
            assertThat(fulls(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L, 2L, 3L);
            assertThat(deltas(h)).isEmpty();
        }
    }

    @Test
    void idleModelWhoseNewestVersionIsADelta_publishesAFullVersionAfterFullEverySeconds() throws Exception {
        try (var h = harness(1, new JobConfig.Deltas(true, 0, 10, false))) {
            h.setProcessingTime(1_000);
            h.open();
            for (ExampleBatch b : batches("s", 3, 5)) {
                h.processElement(new StreamRecord<>(b));
            }
            assertThat(fulls(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L);
            assertThat(deltas(h)).extracting(ModelDelta::getVersion).containsExactly(2L, 3L);
            h.setProcessingTime(10_999);
            assertThat(fulls(h)).hasSize(1);
            h.setProcessingTime(11_000); // 10 s after full version 1, no batch since
            assertThat(fulls(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L, 4L);
            assertThat(fulls(h).get(1).getStep()).as("same state as version 3").isEqualTo(3);
            h.setProcessingTime(60_000); // newest is full: nothing more
            assertThat(fulls(h)).hasSize(2);
            assertThat(deltas(h)).hasSize(2);
        }
    }

    @Test
    void fullEverySeconds_startsANewChainAtThatTime() throws Exception {
        try (var h = harness(1, new JobConfig.Deltas(true, 0, 10, false))) {
            h.setProcessingTime(0);
            h.open();
            List<ExampleBatch> data = batches("s", 4, 5);
            h.processElement(new StreamRecord<>(data.get(0)));
            h.processElement(new StreamRecord<>(data.get(1)));
            h.setProcessingTime(10_000); // the full-version timer: version 3, full
            h.processElement(new StreamRecord<>(data.get(2)));
            h.processElement(new StreamRecord<>(data.get(3)));
            assertThat(fulls(h)).extracting(ModelSnapshot::getVersion).containsExactly(1L, 3L);
            assertThat(deltas(h)).extracting(ModelDelta::getVersion).containsExactly(2L, 4L, 5L);
            assertThat(deltas(h)).extracting(ModelDelta::getFullVersion).containsExactly(1L, 3L, 3L);
        }
    }
}

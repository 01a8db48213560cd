package io.streamgrad.job.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Trainer;
import org.junit.jupiter.api.Test;

/** The full-or-delta decision and the dirty set's bookkeeping, without Flink. */
class DeltaPolicyTest {
    private static final String SPARSE = """
            model: {type: logistic, features: 64}
            loss: binary_cross_entropy
            optimizer: {type: sgd, learning_rate: 0.1}
            sparse_updates: true
            """;

    private static Batch oneRow(int... features) {
        float[] v = new float[features.length];
        java.util.Arrays.fill(v, 1f);
        return Batch.sparse(1, 64, new int[] {0, features.length}, features, v, new float[] {1f}, null);
    }

    @Test
    void firstVersion_isFull_thenDeltasUntilFullEveryVersions() {
        DeltaPolicy p = new DeltaPolicy(new JobConfig.Deltas(true, 3, 3600, false));
        DeltaTracking t = new DeltaTracking();
        assertThat(p.isDelta(t, 1, 0, false)).isFalse();
        p.publishedFull(t, 1, 0);
        assertThat(p.isDelta(t, 2, 0, false)).isTrue();
        p.publishedDelta(t, 2);
        assertThat(p.isDelta(t, 3, 0, false)).isTrue();
        p.publishedDelta(t, 3);
        assertThat(p.isDelta(t, 4, 0, false)).as("3 versions after full 1").isFalse();
        assertThat(p.isDelta(t, 5, 0, false))
                .as("not based on the newest version")
                .isFalse();
    }

    @Test
    void fullEverySeconds_andForcedFull() {
        DeltaPolicy p = new DeltaPolicy(new JobConfig.Deltas(true, 0, 10, false));
        DeltaTracking t = new DeltaTracking();
        p.publishedFull(t, 1, 1_000);
        assertThat(p.isDelta(t, 2, 10_999, false)).isTrue();
        assertThat(p.isDelta(t, 2, 11_000, false)).isFalse();
        assertThat(p.isDelta(t, 2, 5_000, true)).isFalse();
        assertThat(p.publishedDelta(t, 2))
                .as("the idle timer: due 10 s after the full version")
                .isEqualTo(11_000);
        assertThat(p.publishedDelta(t, 3)).as("already pending").isZero();
    }

    @Test
    void changedRows_accumulateUntilPublished_andRepeatsAreCompacted() {
        DeltaPolicy p = new DeltaPolicy(new JobConfig.Deltas(true, 0, 3600, false));
        Trainer trainer = new Trainer(TestConfigs.parse(SPARSE));
        ModelState s = trainer.initState();
        DeltaTracking t = new DeltaTracking();
        p.publishedFull(t, 1, 0);
        for (int i = 0; i < 600; i++) {
            p.beforeBatch(t, s.step(), s.skippedBatches());
            trainer.train(s, oneRow(3, 5));
            p.afterBatch(t, trainer, s.step(), s.skippedBatches(), 65);
        }
        assertThat(t.fullNext).isFalse();
        DeltaPolicy.compact(t);
        assertThat(java.util.Arrays.copyOf(t.dirty, t.dirtyCount))
                .as("features 3 and 5 and the bias (index 64)")
                .containsExactly(3, 5, 64);
        assertThat(t.dirty.length).as("buffer stays small: repeats compacted").isLessThanOrEqualTo(2048);
    }

    @Test
    void untrackedUpdates_orTooManyRows_forceAFullVersion() {
        DeltaPolicy p = new DeltaPolicy(new JobConfig.Deltas(true, 0, 3600, false));
        Trainer trainer = new Trainer(TestConfigs.parse(SPARSE));
        ModelState s = trainer.initState();
        DeltaTracking t = new DeltaTracking();
        p.publishedFull(t, 1, 0);
        p.beforeBatch(t, 5, 0); // the model trained 5 steps while tracking was off
        assertThat(t.fullNext).isTrue();

        DeltaTracking many = new DeltaTracking();
        p.publishedFull(many, 1, 0);
        for (int f = 0; f < 64; f++) {
            p.beforeBatch(many, s.step(), s.skippedBatches());
            trainer.train(s, oneRow(f));
            p.afterBatch(many, trainer, s.step(), s.skippedBatches(), 65);
        }
        // 1024-entry buffer: 64 steps x 2 rows fit without compaction; force a compaction by a tiny buffer.
        many.dirty = java.util.Arrays.copyOf(many.dirty, many.dirtyCount);
        p.beforeBatch(many, s.step(), s.skippedBatches());
        trainer.train(s, oneRow(0));
        p.afterBatch(many, trainer, s.step(), s.skippedBatches(), 65);
        assertThat(many.fullNext)
                .as("65 distinct rows of 65 parameters: a delta is not worth it")
                .isTrue();
        assertThat(p.isDelta(many, 2, 0, false)).isFalse();
    }

    @Test
    void eligibility_sparseUpdatesOnLinearFamiliesOnly() {
        DeltaPolicy p = new DeltaPolicy(new JobConfig.Deltas(true, 0, 3600, false));
        assertThat(p.tracks(TestConfigs.parse(SPARSE))).isTrue();
        assertThat(p.whyFullOnly(TestConfigs.parse(SPARSE.replace("sparse_updates: true", "sparse_updates: false"))))
                .contains("sparse_updates is false");
        String mlp = """
                model: {type: mlp, features: 4, hidden: [3]}
                loss: mse
                optimizer: {type: sgd}
                sparse_updates: true
                """;
        assertThat(p.tracks(TestConfigs.parse(mlp))).isFalse();
        assertThat(p.whyFullOnly(TestConfigs.parse(mlp))).contains("mlp");
        assertThat(new DeltaPolicy(JobConfig.Deltas.OFF).tracks(TestConfigs.parse(SPARSE)))
                .isFalse();
    }
}

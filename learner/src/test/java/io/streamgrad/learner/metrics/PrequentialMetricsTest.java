package io.streamgrad.learner.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamgrad.learner.train.TrainerConfig.Task;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrequentialMetricsTest {

    @Test
    void binary_confusionMetrics_matchHandCount() {
        PrequentialMetrics m = new PrequentialMetrics(Task.BINARY, 1);
        // p >= 0.5 is positive. labels 1,1,1,0,0,0 ; predictions: TP, TP, FN, FP, TN, TN.
        m.add(new float[] {0.9f, 0.5f, 0.2f, 0.7f, 0.1f, 0.4f}, new float[] {1, 1, 1, 0, 0, 0}, null, 6, 0.25);

        Map<String, Double> s = m.snapshot();
        assertThat(s.get("examples")).isEqualTo(6.0);
        assertThat(s.get("loss")).isEqualTo(0.25);
        assertThat(s.get("accuracy")).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(s.get("precision")).isCloseTo(2.0 / 3, within(1e-12)); // TP 2, FP 1
        assertThat(s.get("recall")).isCloseTo(2.0 / 3, within(1e-12)); // TP 2, FN 1
        assertThat(s.get("f1")).isCloseTo(2.0 / 3, within(1e-12));
        // Pairs (pos, neg) with pos scored higher: 0.9 beats all 3; 0.5 beats 0.1, 0.4; 0.2 beats 0.1 -> 6 of 9.
        assertThat(s.get("auc")).isCloseTo(6.0 / 9, within(1e-12));
        assertThat(s).containsOnlyKeys("examples", "loss", "accuracy", "precision", "recall", "f1", "auc");
    }

    @Test
    void auc_classicExample() {
        // scikit-learn's roc_auc_score documentation example: y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] -> 0.75.
        PrequentialMetrics m = new PrequentialMetrics(Task.BINARY, 1);
        m.add(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, new float[] {0, 0, 1, 1}, null, 4, 0);

        assertThat(m.auc()).isEqualTo(0.75);
    }

    @Test
    void auc_tiesCountHalf_asMannWhitneyWithAverageRanks() {
        // Scores 0.2(neg) 0.5(pos) 0.5(neg) 0.8(pos). Average ranks: 0.2 -> 1, both 0.5 -> 2.5, 0.8 -> 4.
        // U = (2.5 + 4) - 2*3/2 = 3.5; AUC = 3.5 / (2*2) = 0.875.
        PrequentialMetrics m = new PrequentialMetrics(Task.BINARY, 1);
        m.add(new float[] {0.5f, 0.5f, 0.2f, 0.8f}, new float[] {1, 0, 0, 1}, null, 4, 0);

        assertThat(m.auc()).isEqualTo(0.875);
    }

    @Test
    void auc_allScoresTied_isOneHalf_andNegativeZeroTiesWithZero() {
        PrequentialMetrics m = new PrequentialMetrics(Task.BINARY, 1);
        m.add(new float[] {0f, -0f, 0f, -0f}, new float[] {1, 0, 0, 1}, null, 4, 0);

        assertThat(m.auc()).isEqualTo(0.5);
    }

    @Test
    void auc_acrossBatches_equalsOneBatch() {
        PrequentialMetrics split = new PrequentialMetrics(Task.BINARY, 1);
        split.add(new float[] {0.9f, 0.5f}, new float[] {1, 1}, null, 2, 0);
        split.add(new float[] {0.2f, 0.7f, 0.1f, 0.4f}, new float[] {1, 0, 0, 0}, null, 4, 0);

        assertThat(split.auc()).isCloseTo(6.0 / 9, within(1e-12));
    }

    @Test
    void auc_weighted_equalsAucWithRepeatedExamples() {
        PrequentialMetrics weighted = new PrequentialMetrics(Task.BINARY, 1);
        weighted.add(new float[] {0.3f, 0.6f, 0.5f}, new float[] {1, 0, 1}, new float[] {2, 1, 1}, 3, 0);
        PrequentialMetrics repeated = new PrequentialMetrics(Task.BINARY, 1);
        repeated.add(new float[] {0.3f, 0.3f, 0.6f, 0.5f}, new float[] {1, 1, 0, 1}, null, 4, 0);

        assertThat(weighted.auc()).isEqualTo(repeated.auc()).isEqualTo(0.0);
        assertThat(weighted.accuracy()).isEqualTo(repeated.accuracy()).isEqualTo(0.25);
    }

    @Test
    void auc_oneClassOnly_isLeftOutOfSnapshot() {
        PrequentialMetrics m = new PrequentialMetrics(Task.BINARY, 1);
        m.add(new float[] {0.2f, 0.9f}, new float[] {1, 1}, null, 2, 0.1);

        assertThat(m.auc()).isNaN();
        assertThat(m.snapshot()).doesNotContainKey("auc").containsKey("accuracy");
    }

    @Test
    void binary_noPredictedPositives_precisionIsZero() {
        PrequentialMetrics m = new PrequentialMetrics(Task.BINARY, 1);
        m.add(new float[] {0.1f, 0.2f}, new float[] {1, 0}, null, 2, 0);

        assertThat(m.snapshot())
                .containsEntry("precision", 0.0)
                .containsEntry("recall", 0.0)
                .containsEntry("f1", 0.0);
    }

    @Test
    void multiclass_accuracyAndMacroF1_matchHandCount() {
        PrequentialMetrics m = new PrequentialMetrics(Task.MULTICLASS, 3);
        // labels 0,0,1,1,2 ; argmax predictions 0,1,1,1,0.
        float[] p = {
            0.7f, 0.2f, 0.1f,
            0.3f, 0.6f, 0.1f,
            0.1f, 0.8f, 0.1f,
            0.2f, 0.5f, 0.3f,
            0.5f, 0.2f, 0.3f
        };
        m.add(p, new float[] {0, 0, 1, 1, 2}, null, 5, 0.5);

        // class 0: TP1 FP1 FN1 -> F1 = 2/4 = 0.5; class 1: TP2 FP1 FN0 -> 4/5 = 0.8; class 2: TP0 FN1 -> 0.
        Map<String, Double> s = m.snapshot();
        assertThat(s.get("accuracy")).isCloseTo(3.0 / 5, within(1e-12));
        assertThat(s.get("f1")).isCloseTo((0.5 + 0.8 + 0.0) / 3, within(1e-12));
        assertThat(s).containsOnlyKeys("examples", "loss", "accuracy", "f1");
    }

    @Test
    void multiclass_macroF1_leavesOutClassesThatNeverOccur() {
        PrequentialMetrics m = new PrequentialMetrics(Task.MULTICLASS, 4);
        m.add(new float[] {0.9f, 0.1f, 0, 0, 0.1f, 0.9f, 0, 0}, new float[] {0, 1}, null, 2, 0);

        assertThat(m.snapshot().get("f1")).isEqualTo(1.0);
    }

    @Test
    void multiclass_equalMaxima_takeLowestIndex() {
        PrequentialMetrics m = new PrequentialMetrics(Task.MULTICLASS, 3);
        m.add(new float[] {0.4f, 0.4f, 0.2f}, new float[] {0}, null, 1, 0);

        assertThat(m.accuracy()).isEqualTo(1.0);
    }

    @Test
    void regression_rmseAndMae_weighted() {
        PrequentialMetrics m = new PrequentialMetrics(Task.REGRESSION, 1);
        // errors 1, -2, 3 with weights 1, 1, 2: MSE = (1 + 4 + 18) / 4, MAE = (1 + 2 + 6) / 4.
        m.add(new float[] {2, 0, 6}, new float[] {1, 2, 3}, new float[] {1, 1, 2}, 3, 1.5);

        Map<String, Double> s = m.snapshot();
        assertThat(s.get("rmse")).isCloseTo(Math.sqrt(23.0 / 4), within(1e-12));
        assertThat(s.get("mae")).isCloseTo(9.0 / 4, within(1e-12));
        assertThat(s).containsOnlyKeys("examples", "loss", "rmse", "mae");
    }

    @Test
    void loss_isExampleWeightedMeanOverBatches() {
        PrequentialMetrics m = new PrequentialMetrics(Task.REGRESSION, 1);
        m.add(new float[] {0, 0}, new float[] {0, 0}, null, 2, 1.0);
        m.add(new float[] {0}, new float[] {0}, null, 1, 4.0);

        assertThat(m.meanLoss()).isEqualTo(2.0);
    }

    @Test
    void reset_startsAnEmptyWindow() {
        PrequentialMetrics m = new PrequentialMetrics(Task.BINARY, 1);
        m.add(new float[] {0.9f, 0.1f}, new float[] {1, 0}, null, 2, 0.3);
        m.reset();
        m.add(new float[] {0.2f, 0.8f}, new float[] {1, 0}, null, 2, 0.7);

        assertThat(m.snapshot())
                .containsEntry("examples", 2.0)
                .containsEntry("accuracy", 0.0)
                .containsEntry("auc", 0.0)
                .containsEntry("loss", 0.7);
        m.reset();
        assertThat(m.snapshot()).containsOnlyKeys("examples").containsEntry("examples", 0.0);
    }
}

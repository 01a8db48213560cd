package io.streamgrad.job.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metrics window alone: step results and a clock value in, window decisions and records out. */
class MetricsWindowTest {
    private static final TrainerConfig LOGISTIC = TestConfigs.parse(TestConfigs.logisticYaml(2, 2));

    private static StepResult applied(double loss, float... predictions) {
        return new StepResult(true, null, loss, 0.5, 0.1, predictions, 1, false, 1.0);
    }

    private static StepResult rejected(String reason, boolean rolledBack) {
        return new StepResult(false, reason, Double.NaN, Double.NaN, 0.1, new float[0], 1, rolledBack, 0.5);
    }

    private static ExampleBatch batch(float[] labels) {
        ExampleBatch b = new ExampleBatch();
        b.modelId = "m";
        b.size = labels.length;
        b.dim = 2;
        b.labels = labels;
        b.weights = new float[labels.length];
        java.util.Arrays.fill(b.weights, 1f);
        return b;
    }

    @Test
    void record_closesAfterEveryNBatches() {
        MetricsWindow w = new MetricsWindow(3);
        TrainerProgress p = new TrainerProgress();
        DivergenceGuard g = new DivergenceGuard();
        assertThat(w.record(applied(0.1), p, g)).isFalse();
        assertThat(w.record(applied(0.1), p, g)).isFalse();
        assertThat(w.record(applied(0.1), p, g)).isTrue();
        assertThat(p.windowBatches).isEqualTo(3);
    }

    @Test
    void record_firstRejection_closesAtOnce_butNotAfterAWindowThatAlerted() {
        MetricsWindow w = new MetricsWindow(100);
        TrainerProgress p = new TrainerProgress();
        DivergenceGuard g = new DivergenceGuard();

        assertThat(w.record(rejected("non-finite loss", false), p, g)).isTrue();
        assertThat(p.windowRejected).isEqualTo(1);
        assertThat(p.windowAlert).isEqualTo("non-finite loss");

        g.lastWindowAlerted = true;
        assertThat(w.record(rejected("non-finite loss", false), p, g)).isFalse();
    }

    @Test
    void record_rollback_isCountedWithItsReason() {
        MetricsWindow w = new MetricsWindow(100);
        TrainerProgress p = new TrainerProgress();
        DivergenceGuard g = new DivergenceGuard();

        w.record(rejected("rolled back to step 4", true), p, g);

        assertThat(g.windowRollbacks).isEqualTo(1);
        assertThat(g.windowRollback).isEqualTo("rolled back to step 4");
    }

    @Test
    void close_reportsTheScoredBatches_atTheGivenTime_andStartsANewWindow() {
        MetricsWindow w = new MetricsWindow(2);
        TrainerProgress p = new TrainerProgress();
        p.step = 2;
        p.examplesSeen = 4;
        p.windowStartMs = 1_000;
        DivergenceGuard g = new DivergenceGuard();
        ExampleBatch b1 = batch(new float[] {1, 0});
        ExampleBatch b2 = batch(new float[] {1, 1});
        StepResult r1 = applied(0.2, 0.9f, 0.1f);
        StepResult r2 = applied(0.4, 0.8f, 0.3f);
        w.record(r1, p, g);
        w.record(r2, p, g);

        TrainingMetrics t = w.close(
                "m",
                LOGISTIC,
                p,
                g,
                List.of(MetricsWindow.scored(b1, r1), MetricsWindow.scored(b2, r2)),
                Double.NaN,
                3_000);

        assertThat(t.getModelId()).isEqualTo("m");
        assertThat(t.getStep()).isEqualTo(2);
        assertThat(t.getWindowBatches()).isEqualTo(2);
        assertThat(t.getWindowExamples()).isEqualTo(4);
        assertThat(t.getExamplesPerSecond()).isEqualTo(2.0); // 4 examples in 2 s
        assertThat(t.getGradientNorm()).isEqualTo(0.5);
        assertThat(t.getLearningRate()).isEqualTo(0.1);
        assertThat(t.getAccuracy()).isEqualTo(0.75); // 0.3 < 0.5 on a positive: one miss in four
        assertThat(t.getAlert()).isNull();
        assertThat(t.getCreatedAt().toEpochMilli()).isEqualTo(3_000);
        assertThat(p.windowBatches).isZero();
        assertThat(p.windowStartMs).isEqualTo(3_000);
        assertThat(p.lastMetricNames).contains("accuracy", "loss");
        assertThat(g.lastWindowAlerted).isFalse();
    }

    @Test
    void close_withoutAppliedBatches_reportsTheGivenRate_andNaNGradientNorm() {
        MetricsWindow w = new MetricsWindow(5);
        TrainerProgress p = new TrainerProgress();
        DivergenceGuard g = new DivergenceGuard();
        w.record(rejected("non-finite gradient", false), p, g);

        TrainingMetrics t = w.close("m", LOGISTIC, p, g, List.of(), 0.05, 0);

        assertThat(t.getLearningRate()).isEqualTo(0.05);
        assertThat(t.getGradientNorm()).isNaN();
        assertThat(t.getWindowExamples()).isZero();
        assertThat(t.getAlert()).startsWith("divergence guard: 1 of 1 batches rejected");
        assertThat(g.lastWindowAlerted).isTrue();
        assertThat(p.windowRejected).isZero();
        assertThat(p.windowAlert).isNull();
    }

    @Test
    void alert_namesRejections_rollbacks_theScale_andWhatToDo() {
        TrainerProgress p = new TrainerProgress();
        p.windowBatches = 4;
        p.windowRejected = 3;
        p.windowAlert = "non-finite loss";
        DivergenceGuard g = new DivergenceGuard();
        g.windowRollbacks = 1;
        g.windowRollback = "rolled back to step 2";
        g.lrScale = 0.5;
        g.rollbacks = 2;

        assertThat(MetricsWindow.alert(p, g))
                .isEqualTo("divergence guard: 3 of 4 batches rejected in this window"
                        + " (a rejected batch does not change the model); last reason: non-finite loss; 1 rollback in this"
                        + " window, the last: rolled back to step 2; learning-rate scale 0.5, rollbacks so far 2. Lower"
                        + " optimizer.learning_rate, enable clipping, set divergence.max_bad_batches, or check the input"
                        + " scale");
    }

    @Test
    void alert_withoutRejections_isNull() {
        assertThat(MetricsWindow.alert(new TrainerProgress(), new DivergenceGuard()))
                .isNull();
    }

    @Test
    void scored_copiesThePredictions_theTrainerReusesItsArray() {
        float[] predictions = {0.7f, 0.2f, 99f}; // the trainer's array may be longer than the batch
        ExampleBatch b = batch(new float[] {1, 0});
        ScoredBatch s = MetricsWindow.scored(b, applied(0.3, predictions));
        predictions[0] = 0f;

        assertThat(s.predictions).containsExactly(0.7f, 0.2f);
        assertThat(s.labels).isSameAs(b.labels);
        assertThat(s.loss).isEqualTo(0.3);
    }

    @Test
    void zeroBatchesPerWindow_isRefused() {
        assertThatThrownBy(() -> new MetricsWindow(0)).hasMessageContaining("metricsEveryBatches must be >= 1");
    }
}

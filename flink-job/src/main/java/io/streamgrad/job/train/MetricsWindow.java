package io.streamgrad.job.train;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.learner.metrics.PrequentialMetrics;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.TrainerConfig;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * A model's prequential metrics window, without Flink: counts each batch into the open window, says when the window
 * closes, and turns it into one {@link TrainingMetrics} record (with the divergence alert text).
 *
 * <p>A window closes after {@code everyBatches} batches, and at once on a rejected batch after a window without
 * alert, so the alert is published with that batch, not up to {@code everyBatches} batches later; later rejections
 * wait for their window's end, so a model that keeps rejecting does not flood the metrics topic.
 *
 * <p>The window's checkpointed state lives in the model's {@link TrainerProgress} (counters, start time, last
 * published values), its {@link DivergenceGuard} (rollbacks, whether the last window alerted) and the scored batches
 * the caller keeps ({@link ScoredBatch}, one per applied batch). The time is passed in. Serializable: it holds only
 * its length and travels with the operator in the job graph.
 */
final class MetricsWindow implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final int everyBatches;

    MetricsWindow(int everyBatches) {
        if (everyBatches < 1) {
            throw new IllegalArgumentException("metricsEveryBatches must be >= 1, got " + everyBatches);
        }
        this.everyBatches = everyBatches;
    }

    /**
     * The record to keep for an applied batch: the predictions the model made before training on it (copied: the
     * trainer reuses its array), the labels, weights, loss, gradient norm and learning rate.
     */
    static ScoredBatch scored(ExampleBatch in, StepResult r) {
        ScoredBatch s = new ScoredBatch();
        s.size = in.size;
        s.predictions = Arrays.copyOf(r.predictions(), in.size * r.outputs());
        s.labels = in.labels;
        s.weights = in.weights;
        s.loss = r.loss();
        s.gradientNorm = r.gradientNorm();
        s.learningRate = r.learningRate();
        return s;
    }

    /**
     * Counts one batch into the open window: a rejected one with its reason (and, if it rolled the model back,
     * that too). Returns whether the window is to be closed now.
     */
    boolean record(StepResult r, TrainerProgress p, DivergenceGuard g) {
        if (!r.applied()) {
            p.windowRejected++;
            p.windowAlert = r.rejectReason();
            if (r.rolledBack()) {
                g.windowRollbacks++;
                g.windowRollback = r.rejectReason();
            }
        }
        p.windowBatches++;
        return p.windowBatches >= everyBatches || (!r.applied() && !g.lastWindowAlerted);
    }

    /**
     * Closes the open window at {@code nowMs}: its metrics over {@code scored} (the caller then drops them), and a
     * new window starts. {@code lastRate} is reported when no batch of the window was applied.
     */
    TrainingMetrics close(
            String modelId,
            TrainerConfig config,
            TrainerProgress p,
            DivergenceGuard g,
            Iterable<ScoredBatch> scored,
            double lastRate,
            long nowMs) {
        PrequentialMetrics m = PrequentialMetrics.forConfig(config);
        double gradNormSum = 0;
        int n = 0;
        double rate = lastRate;
        for (ScoredBatch s : scored) {
            m.add(s.predictions, s.labels, s.weights, s.size, s.loss);
            gradNormSum += s.gradientNorm;
            rate = s.learningRate;
            n++;
        }
        Map<String, Double> values = m.snapshot();
        long examples = m.examples();
        double seconds = Math.max(1e-3, (nowMs - p.windowStartMs) / 1000.0);
        String alert = alert(p, g);
        TrainingMetrics t = TrainingMetrics.newBuilder()
                .setModelId(modelId)
                .setStep(p.step)
                .setExamplesSeen(p.examplesSeen)
                .setWindowBatches(p.windowBatches)
                .setWindowExamples(examples)
                .setLoss(values.getOrDefault(PrequentialMetrics.LOSS, Double.NaN))
                .setAccuracy(values.get(PrequentialMetrics.ACCURACY))
                .setAuc(values.get(PrequentialMetrics.AUC))
                .setF1(values.get(PrequentialMetrics.F1))
                .setRmse(values.get(PrequentialMetrics.RMSE))
                .setMae(values.get(PrequentialMetrics.MAE))
                .setGradientNorm(n == 0 ? Double.NaN : gradNormSum / n)
                .setLearningRate(rate)
                .setExamplesPerSecond(examples / seconds)
                .setSkippedBatches(p.skippedBatches)
                .setAlert(alert)
                .setCreatedAt(Instant.ofEpochMilli(nowMs))
                .build();
        p.lastMetricNames = values.keySet().toArray(new String[0]);
        p.lastMetricValues =
                values.values().stream().mapToDouble(Double::doubleValue).toArray();
        p.windowBatches = 0;
        p.windowRejected = 0;
        p.windowAlert = null;
        p.windowStartMs = nowMs;
        g.lastWindowAlerted = alert != null;
        g.windowRollbacks = 0;
        g.windowRollback = null;
        return t;
    }

    /**
     * The window's alert, or null when no batch was rejected in it: how many were rejected, the last reason, the
     * rollbacks made (with what the last one did) and the learning-rate scale, and what to do.
     */
    static String alert(TrainerProgress p, DivergenceGuard g) {
        if (p.windowRejected == 0) {
            return null;
        }
        StringBuilder a = new StringBuilder("divergence guard: ")
                .append(p.windowRejected)
                .append(" of ")
                .append(p.windowBatches)
                .append(" batches rejected in this window (a rejected batch does not change "
                        + "the model); last reason: ")
                .append(p.windowAlert);
        if (g.windowRollbacks > 0) {
            a.append("; ")
                    .append(g.windowRollbacks)
                    .append(g.windowRollbacks == 1 ? " rollback" : " rollbacks")
                    .append(" in this window");
            if (!g.windowRollback.equals(p.windowAlert)) {
                a.append(", the last: ").append(g.windowRollback);
            }
        }
        a.append("; learning-rate scale ")
                .append(g.lrScale)
                .append(", rollbacks so far ")
                .append(g.rollbacks)
                .append(". Lower optimizer.learning_rate, enable clipping, set divergence.max_bad_batches, or check"
                        + " the input scale");
        return a.toString();
    }
}

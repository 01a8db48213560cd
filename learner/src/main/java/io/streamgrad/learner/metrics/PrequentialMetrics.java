package io.streamgrad.learner.metrics;

import io.streamgrad.learner.train.TrainerConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accumulates quality metrics over a window of scored batches: in training, each batch is scored before the
 * model learns from it (prequential evaluation, Dawid 1984; Gama, Sebastião &amp; Rodrigues 2013), in evaluation
 * the model is fixed. {@link #reset()} starts a new window.
 *
 * <p>Every metric is weighted by the example weights (all 1 unless the data gives weights):
 * <ul>
 *   <li>{@code loss}: sum of {@code weight_i * loss_i} over the window divided by the number of examples (the
 *   convention of {@link io.streamgrad.learner.loss.Loss}: a batch's loss is the mean of weighted example
 *   losses, so batches contribute {@code batchLoss * n});</li>
 *   <li>binary (predictions are positive-class probabilities, labels 0/1): {@code accuracy} at threshold 0.5
 *   ({@code p >= 0.5} is positive), {@code precision}, {@code recall}, {@code f1} (each 0 when its denominator is
 *   0, as scikit-learn's {@code zero_division=0}), and {@code auc}: the exact ROC AUC, i.e. the Mann–Whitney U
 *   statistic divided by {@code n+ * n-} with tied scores counting one half — computed by sorting the window's
 *   scores; left out while the window holds only one class;</li>
 *   <li>multi-class (predictions are k class probabilities, labels class indices): {@code accuracy} of the argmax
 *   (the lowest index among equal maxima) and {@code f1}: the macro F1, the unweighted mean of per-class F1 over
 *   the classes that occur as label or prediction (scikit-learn's {@code f1_score(average='macro')});</li>
 *   <li>regression: {@code rmse} and {@code mae}.</li>
 * </ul>
 * {@code examples} is the number of examples in the window. A metric whose value is undefined (no examples, zero
 * total weight, one class for AUC) is absent from {@link #snapshot()}.
 *
 * <p>Memory: O(1) except for AUC, which keeps the window's scores (12 bytes per example). Not thread-safe.
 */
public final class PrequentialMetrics {
    public static final String LOSS = "loss";
    public static final String ACCURACY = "accuracy";
    public static final String PRECISION = "precision";
    public static final String RECALL = "recall";
    public static final String F1 = "f1";
    public static final String AUC = "auc";
    public static final String RMSE = "rmse";
    public static final String MAE = "mae";
    public static final String EXAMPLES = "examples";

    private final TrainerConfig.Task task;
    private final int classes;

    private long examples;
    private double lossSum;
    private double weightSum;
    private double correct;
    // binary confusion
    private double tp;
    private double fp;
    private double fn;
    // multi-class confusion, per class
    private final double[] classTp;
    private final double[] classFp;
    private final double[] classFn;
    // regression
    private double squaredError;
    private double absoluteError;
    // binary scores of the window, for AUC
    private float[] scores = new float[0];
    private float[] scoreWeights = new float[0];
    private boolean[] positives = new boolean[0];
    private int scored;

    /**
     * @param task    the kind of labels
     * @param classes k for multi-class; ignored otherwise
     */
    public PrequentialMetrics(TrainerConfig.Task task, int classes) {
        this.task = task;
        this.classes = task == TrainerConfig.Task.MULTICLASS ? classes : 1;
        if (task == TrainerConfig.Task.MULTICLASS && classes < 2) {
            throw new IllegalArgumentException("multi-class metrics need classes >= 2, got " + classes);
        }
        this.classTp = new double[this.classes];
        this.classFp = new double[this.classes];
        this.classFn = new double[this.classes];
    }

    public static PrequentialMetrics forConfig(TrainerConfig config) {
        return new PrequentialMetrics(config.task(), config.model().classes());
    }

    public TrainerConfig.Task task() {
        return task;
    }

    /**
     * Adds one scored batch.
     *
     * @param predictions linked predictions, row-major {@code n x k} ({@code k} = {@code classes} for
     *                    multi-class, 1 otherwise)
     * @param labels      labels of the batch
     * @param weights     example weights, or null for 1
     * @param n           examples in the batch
     * @param meanLoss    the batch's mean weighted loss
     */
    public void add(float[] predictions, float[] labels, float[] weights, int n, double meanLoss) {
        examples += n;
        lossSum += meanLoss * n;
        switch (task) {
            case BINARY -> addBinary(predictions, labels, weights, n);
            case MULTICLASS -> addMulticlass(predictions, labels, weights, n);
            case REGRESSION -> addRegression(predictions, labels, weights, n);
        }
    }

    private void addBinary(float[] p, float[] y, float[] w, int n) {
        ensureScoreCapacity(scored + n);
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1.0 : w[i];
            boolean positive = y[i] >= 0.5f;
            boolean predicted = p[i] >= 0.5f;
            weightSum += wi;
            if (positive == predicted) {
                correct += wi;
            }
            if (predicted && positive) {
                tp += wi;
            } else if (predicted) {
                fp += wi;
            } else if (positive) {
                fn += wi;
            }
            scores[scored] = p[i];
            scoreWeights[scored] = (float) wi;
            positives[scored] = positive;
            scored++;
        }
    }

    private void addMulticlass(float[] p, float[] y, float[] w, int n) {
        int k = classes;
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1.0 : w[i];
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (p[i * k + c] > p[i * k + best]) {
                    best = c;
                }
            }
            int label = (int) y[i];
            weightSum += wi;
            if (best == label) {
                correct += wi;
                classTp[label] += wi;
            } else {
                classFp[best] += wi;
                if (label >= 0 && label < k) {
                    classFn[label] += wi;
                }
            }
        }
    }

    private void addRegression(float[] p, float[] y, float[] w, int n) {
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1.0 : w[i];
            double e = (double) p[i] - y[i];
            weightSum += wi;
            squaredError += wi * e * e;
            absoluteError += wi * Math.abs(e);
        }
    }

    private void ensureScoreCapacity(int need) {
        if (need > scores.length) {
            int cap = Math.max(need, Math.max(64, scores.length * 2));
            scores = Arrays.copyOf(scores, cap);
            scoreWeights = Arrays.copyOf(scoreWeights, cap);
            positives = Arrays.copyOf(positives, cap);
        }
    }

    /** Examples in the window. */
    public long examples() {
        return examples;
    }

    /** The window's mean loss; NaN when empty. */
    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    /** Weighted accuracy; NaN for regression or an empty window. */
    public double accuracy() {
        return task == TrainerConfig.Task.REGRESSION || weightSum == 0 ? Double.NaN : correct / weightSum;
    }

    /**
     * The exact ROC AUC of the window's binary scores (weighted Mann–Whitney: over all positive/negative pairs,
     * the weight share where the positive scores higher, ties counting half); NaN with only one class.
     */
    public double auc() {
        if (task != TrainerConfig.Task.BINARY || scored == 0) {
            return Double.NaN;
        }
        // Sort by score with the example index carried in the low bits of a long key.
        long[] keys = new long[scored];
        for (int i = 0; i < scored; i++) {
            keys[i] = ((long) sortableBits(scores[i]) << 32) | i;
        }
        Arrays.sort(keys);
        double pos = 0;
        double neg = 0;
        double negBelow = 0;
        double numerator = 0;
        int g = 0;
        while (g < scored) {
            int bits = (int) (keys[g] >> 32);
            double groupPos = 0;
            double groupNeg = 0;
            int e = g;
            while (e < scored && (int) (keys[e] >> 32) == bits) {
                int i = (int) keys[e];
                if (positives[i]) {
                    groupPos += scoreWeights[i];
                } else {
                    groupNeg += scoreWeights[i];
                }
                e++;
            }
            numerator += groupPos * negBelow + 0.5 * groupPos * groupNeg;
            negBelow += groupNeg;
            pos += groupPos;
            neg += groupNeg;
            g = e;
        }
        return pos == 0 || neg == 0 ? Double.NaN : numerator / (pos * neg);
    }

    /** An int whose signed order is the float order; -0.0 and 0.0 map to the same value (a tie). */
    private static int sortableBits(float f) {
        int bits = Float.floatToIntBits(f + 0.0f);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** The metrics of the window, with stable keys (see the class comment); undefined ones are absent. */
    public Map<String, Double> snapshot() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(EXAMPLES, (double) examples);
        if (examples == 0) {
            return m;
        }
        m.put(LOSS, meanLoss());
        if (weightSum == 0) {
            return m;
        }
        switch (task) {
            case BINARY -> {
                m.put(ACCURACY, correct / weightSum);
                double precision = tp + fp == 0 ? 0 : tp / (tp + fp);
                double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
                m.put(PRECISION, precision);
                m.put(RECALL, recall);
                m.put(F1, 2 * tp + fp + fn == 0 ? 0 : 2 * tp / (2 * tp + fp + fn));
                double auc = auc();
                if (!Double.isNaN(auc)) {
                    m.put(AUC, auc);
                }
            }
            case MULTICLASS -> {
                m.put(ACCURACY, correct / weightSum);
                double f1Sum = 0;
                int present = 0;
                for (int c = 0; c < classes; c++) {
                    double denom = 2 * classTp[c] + classFp[c] + classFn[c];
                    if (denom > 0) {
                        f1Sum += 2 * classTp[c] / denom;
                        present++;
                    }
                }
                m.put(F1, present == 0 ? 0 : f1Sum / present);
            }
            case REGRESSION -> {
                m.put(RMSE, Math.sqrt(squaredError / weightSum));
                m.put(MAE, absoluteError / weightSum);
            }
        }
        return m;
    }

    /** Starts a new window. */
    public void reset() {
        examples = 0;
        lossSum = 0;
        weightSum = 0;
        correct = 0;
        tp = 0;
        fp = 0;
        fn = 0;
        Arrays.fill(classTp, 0);
        Arrays.fill(classFp, 0);
        Arrays.fill(classFn, 0);
        squaredError = 0;
        absoluteError = 0;
        scored = 0;
    }
}

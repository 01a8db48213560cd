package io.streamgrad.learner.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ParameterDelta;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The coordinates a lazy step reports as changed ({@link Trainer#changedIndices()}) cover every parameter whose bits
 * changed, checked against the independent O(n) reference {@link ParameterDelta#between}: a delta gathered from them
 * rebuilds the new parameters bit for bit.
 */
class TrainerChangedIndicesTest {
    private static final int FEATURES = 4096;

    private static TrainerConfig config(String model, String loss, String optimizer, boolean sparse) {
        return ConfigParser.parse("""
                model: %s
                loss: %s
                optimizer: %s
                regularization: {l2: 0.001}
                sparse_updates: %s
                """.formatted(model, loss, optimizer, sparse));
    }

    private static Batch sparseBatch(long seed, int classes) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 16;
        int nnz = 5;
        int[] rowPtr = new int[n + 1];
        int[] idx = new int[n * nnz];
        float[] val = new float[n * nnz];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int[] cols = r.ints(0, FEATURES).distinct().limit(nnz).sorted().toArray();
            for (int k = 0; k < nnz; k++) {
                idx[i * nnz + k] = cols[k];
                val[i * nnz + k] = (float) r.nextGaussian();
            }
            rowPtr[i + 1] = (i + 1) * nnz;
            y[i] = classes > 1 ? r.nextInt(classes) : r.nextInt(2);
        }
        return Batch.sparse(n, FEATURES, rowPtr, idx, val, y, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"logistic", "softmax", "fm", "linear"})
    void lazyStep_changedIndicesCoverEveryChangedParameter(String kind) {
        int classes = kind.equals("softmax") ? 3 : 1;
        String model = switch (kind) {
            case "softmax" -> "{type: softmax, features: " + FEATURES + ", classes: 3}";
            case "fm" -> "{type: fm, features: " + FEATURES + ", factors: 4}";
            default -> "{type: " + kind + ", features: " + FEATURES + "}";
        };
        String loss = switch (kind) {
            case "softmax" -> "categorical_cross_entropy";
            case "linear" -> "mse";
            default -> "binary_cross_entropy";
        };
        for (String optimizer : new String[] {"{type: adam, learning_rate: 0.05}", "{type: ftrl}", "{type: sgd}"}) {
            Trainer t = new Trainer(config(model, loss, optimizer, true));
            ModelState s = t.initState();
            for (int b = 0; b < 6; b++) {
                float[] before = s.params().clone();
                assertThat(t.train(s, sparseBatch(b, classes)).applied()).isTrue();
                assertThat(t.changedAll()).isFalse();
                ParameterDelta reference = ParameterDelta.between(before, s.params());
                int[] changed = Arrays.copyOf(t.changedIndices(), t.changedCount());
                assertThat(changed).as("%s %s batch %d", kind, optimizer, b).doesNotHaveDuplicates();
                for (int k = 0; k < reference.count(); k++) {
                    assertThat(changed).contains(reference.index(k));
                }
                float[] rebuilt = before.clone();
                ParameterDelta.gather(s.params(), changed, changed.length).applyTo(rebuilt);
                assertThat(bits(rebuilt)).containsExactly(bits(s.params()));
                assertThat(changed.length).isLessThan(s.params().length / 4);
            }
        }
    }

    @Test
    void denseStep_reportsChangedAll() {
        Trainer t = new Trainer(
                config("{type: logistic, features: " + FEATURES + "}", "binary_cross_entropy", "{type: sgd}", false));
        ModelState s = t.initState();
        assertThat(t.train(s, sparseBatch(1, 1)).applied()).isTrue();
        assertThat(t.changedAll()).isTrue();
    }

    @Test
    void rejectedBatch_changesNothing() {
        Trainer t = new Trainer(
                config("{type: logistic, features: " + FEATURES + "}", "binary_cross_entropy", "{type: sgd}", true));
        ModelState s = t.initState();
        t.train(s, sparseBatch(1, 1));
        Batch good = sparseBatch(2, 1);
        float[] values = good.values().clone();
        values[0] = Float.NaN;
        Batch bad = Batch.sparse(good.size(), FEATURES, good.rowPtr(), good.indices(), values, good.labels(), null);
        assertThat(t.train(s, bad).applied()).isFalse();
        assertThat(t.changedAll()).isFalse();
        assertThat(t.changedCount()).isZero();
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }
}

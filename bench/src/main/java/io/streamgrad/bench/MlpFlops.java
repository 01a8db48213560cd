package io.streamgrad.bench;

import java.util.List;

/**
 * Floating-point operations of one training example through a fully connected network, counting the matrix
 * products only (activations, the loss and the optimizer are O(parameters) or O(units), not O(products)).
 *
 * <p>For layer widths {@code d0, d1, ..., dL} (input first) and one example, with {@code P = sum_l d(l-1)*d(l)}
 * multiply-adds in the weight matrices:
 * <ul>
 *   <li>forward {@code X W}: {@code 2 P};</li>
 *   <li>backward, weight gradients {@code X^T dZ}: {@code 2 P};</li>
 *   <li>backward, input gradients {@code dZ W^T}: {@code 2 (P - d0*d1)} (the first layer's input gradient is not
 *       needed).</li>
 * </ul>
 * Total {@code 6P - 2 d0 d1}. For 784-256-128-10: {@code P = 234,752}, total {@code 1,007,104} flops per
 * example (about 1.0 MFLOP).
 */
public final class MlpFlops {
    private MlpFlops() {}

    /** Multiply-adds of one forward pass: {@code sum d(l-1)*d(l)}. */
    public static long weightProducts(List<Integer> widths) {
        long p = 0;
        for (int l = 1; l < widths.size(); l++) {
            p += (long) widths.get(l - 1) * widths.get(l);
        }
        return p;
    }

    /** Flops of forward + backward for one example: {@code 6P - 2 d0 d1}. */
    public static long trainingFlopsPerExample(List<Integer> widths) {
        if (widths.size() < 2) {
            throw new IllegalArgumentException("need at least an input and an output width, got " + widths);
        }
        return 6 * weightProducts(widths) - 2L * widths.get(0) * widths.get(1);
    }

    /** Parameters (weights and biases) of the benchmarks' MLP: 235,146. */
    public static int benchParams() {
        List<Integer> w = benchWidths();
        int p = 0;
        for (int l = 1; l < w.size(); l++) {
            p += (w.get(l - 1) + 1) * w.get(l);
        }
        return p;
    }

    /** The benchmarks' 784-256-128-10. */
    public static List<Integer> benchWidths() {
        return List.of(
                DenseData.FEATURES, BenchConfigs.MLP_HIDDEN.get(0), BenchConfigs.MLP_HIDDEN.get(1), DenseData.CLASSES);
    }
}

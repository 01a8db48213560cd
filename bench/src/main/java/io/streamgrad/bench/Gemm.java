package io.streamgrad.bench;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's own float32 matrix products, the ceiling the MLP is measured against: one square product, and the exact
 * sequence of products one training step of an MLP needs (the same shapes, transposes and call count), with
 * preallocated outputs so that nothing but the products and their per-call JNI cost is timed.
 */
public final class Gemm {
    private Gemm() {}

    /** {@code C = A B} for {@code A [m,k]}, {@code B [k,n]}; {@code 2mkn} flops per call. */
    public static final class Square {
        private final INDArray a;
        private final INDArray b;
        private final INDArray c;
        private final long flops;

        public Square(int m, int k, int n, long seed) {
            Nd4j.getRandom().setSeed(seed);
            this.a = Nd4j.rand(DataType.FLOAT, m, k);
            this.b = Nd4j.rand(DataType.FLOAT, k, n);
            this.c = Nd4j.create(DataType.FLOAT, m, n);
            this.flops = 2L * m * k * n;
        }

        public long flops() {
            return flops;
        }

        public double run() {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            return c.getFloat(0);
        }
    }

    /**
     * The products of one MLP training step at batch {@code n}: forward {@code Z_l = A_(l-1) W_l}; backward
     * {@code dW_l = A_(l-1)^T dZ_l} for every layer and {@code dA_(l-1) = dZ_l W_l^T} for all but the first.
     * {@link MlpFlops#trainingFlopsPerExample} times {@code n} flops per call.
     */
    public static final class MlpStep {
        private final int layers;
        private final INDArray[] acts; // A_0 = X, A_1 .. A_L
        private final INDArray[] grads; // dA_l / dZ_l, same shapes as acts
        private final INDArray[] weights;
        private final INDArray[] weightGrads;
        private final long flops;

        public MlpStep(List<Integer> widths, int n, long seed) {
            Nd4j.getRandom().setSeed(seed);
            this.layers = widths.size() - 1;
            this.acts = new INDArray[layers + 1];
            this.grads = new INDArray[layers + 1];
            this.weights = new INDArray[layers + 1];
            this.weightGrads = new INDArray[layers + 1];
            for (int l = 0; l <= layers; l++) {
                acts[l] = Nd4j.rand(DataType.FLOAT, n, widths.get(l));
                grads[l] = Nd4j.rand(DataType.FLOAT, n, widths.get(l));
                if (l > 0) {
                    weights[l] = Nd4j.rand(DataType.FLOAT, widths.get(l - 1), widths.get(l));
                    weightGrads[l] = Nd4j.create(DataType.FLOAT, widths.get(l - 1), widths.get(l));
                }
            }
            this.flops = (long) n * MlpFlops.trainingFlopsPerExample(widths);
        }

        public long flops() {
            return flops;
        }

        public double run() {
            for (int l = 1; l <= layers; l++) {
                Nd4j.gemm(acts[l - 1], weights[l], acts[l], false, false, 1.0, 0.0);
            }
            for (int l = layers; l >= 1; l--) {
                Nd4j.gemm(acts[l - 1], grads[l], weightGrads[l], true, false, 1.0, 0.0);
                if (l > 1) {
                    Nd4j.gemm(grads[l], weights[l], grads[l - 1], false, true, 1.0, 0.0);
                }
            }
            return weightGrads[1].getFloat(0);
        }
    }
}

package io.streamgrad.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The non-gemm pieces an ND4J MLP step over a caller-owned {@code float[]} pays for, each timed alone: moving the
 * parameters and the gradient between the Java heap and ND4J's off-heap buffer, and the element-wise activation
 * ops (one native call each). Together with {@link Gemm.MlpStep} they bound what {@code model.forward} +
 * {@code model.backward} can cost.
 */
public final class Nd4jCosts {
    private final float[] heap;
    private final INDArray offHeap;
    private final INDArray z;
    private final INDArray a;
    private final INDArray mask;

    /** Buffers for {@code numParams} parameters and an {@code n x width} hidden activation. */
    public Nd4jCosts(int numParams, int n, int width) {
        this.heap = new float[numParams];
        this.offHeap = Nd4j.createUninitializedDetached(DataType.FLOAT, numParams);
        this.z = Nd4j.rand(DataType.FLOAT, n, width).subi(0.5);
        this.a = Nd4j.create(DataType.FLOAT, n, width);
        this.mask = Nd4j.create(DataType.FLOAT, n, width);
    }

    /** Java heap to off-heap, the whole parameter vector (as MlpModel.forward does). */
    public double copyIn() {
        offHeap.data().asNioFloat().put(heap, 0, heap.length);
        return heap[0];
    }

    /** Off-heap to Java heap, the whole gradient (as MlpModel.backward does). */
    public double copyOut() {
        offHeap.data().asNioFloat().get(heap, 0, heap.length);
        return heap[0];
    }

    public double relu() {
        Nd4j.exec(new RectifiedLinear(z, a, 0.0));
        return 0;
    }

    /** {@code dA *= relu'(z)} as the custom op {@code relu_bp} (what MlpModel and DL4J's ReLU use). */
    public double reluDerivative() {
        Nd4j.exec(new RectifiedLinearDerivative(z, a, a));
        return 0;
    }

    /** The same with two legacy ops: {@code mask = step(z)}, {@code dA *= mask}. */
    public double reluDerivativeStepMul() {
        Nd4j.exec(new Step(z, mask));
        a.muli(mask);
        return 0;
    }

    /** The same as a Java loop over the two off-heap buffers (no native call). */
    public double reluDerivativeJava() {
        java.nio.FloatBuffer zb = z.data().asNioFloat();
        java.nio.FloatBuffer ab = a.data().asNioFloat();
        for (int i = 0, n = (int) z.length(); i < n; i++) {
            if (!(zb.get(i) > 0f)) {
                ab.put(i, 0f);
            }
        }
        return 0;
    }
}

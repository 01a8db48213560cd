package io.streamgrad.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small operations done through ND4J (one JNI call each) and as plain Java loops, to show why the sparse models
 * (logistic, softmax, FTRL, FM on hashed features) are written in plain Java: each touches about 30 coordinates
 * per example, far below the size where a native call's fixed cost is repaid.
 *
 * <ul>
 *   <li>{@code axpy50}: {@code y += x} on 50 floats — ND4J {@code addi} vs a loop;</li>
 *   <li>{@code dot64x30}: the logits of 64 rows with 30 features each — ND4J gemm {@code [64,30]x[30,1]} vs a
 *       loop;</li>
 *   <li>{@code gemm1}: a {@code 1x1x1} gemm, the bare cost of one call into OpenBLAS through ND4J.</li>
 * </ul>
 */
public final class CallOverhead {
    private final INDArray x50 = Nd4j.rand(DataType.FLOAT, 50);
    private final INDArray y50 = Nd4j.rand(DataType.FLOAT, 50);
    private final float[] jx50 = x50.toFloatVector();
    private final float[] jy50 = y50.toFloatVector();

    private final INDArray a = Nd4j.rand(DataType.FLOAT, 64, 30);
    private final INDArray w = Nd4j.rand(DataType.FLOAT, 30, 1);
    private final INDArray out = Nd4j.create(DataType.FLOAT, 64, 1);
    private final float[] ja = a.dup('c').data().asFloat();
    private final float[] jw = w.data().asFloat();
    private final float[] jout = new float[64];

    private final INDArray one1 = Nd4j.rand(DataType.FLOAT, 1, 1);
    private final INDArray one2 = Nd4j.rand(DataType.FLOAT, 1, 1);
    private final INDArray one3 = Nd4j.create(DataType.FLOAT, 1, 1);

    public double nd4jAxpy50() {
        y50.addi(x50);
        return y50.getFloat(0);
    }

    public double javaAxpy50() {
        for (int i = 0; i < 50; i++) {
            jy50[i] += jx50[i];
        }
        return jy50[0];
    }

    public double nd4jDot64x30() {
        Nd4j.gemm(a, w, out, false, false, 1.0, 0.0);
        return out.getFloat(0);
    }

    public double javaDot64x30() {
        for (int r = 0; r < 64; r++) {
            float s = 0;
            for (int j = 0; j < 30; j++) {
                s += ja[r * 30 + j] * jw[j];
            }
            jout[r] = s;
        }
        return jout[0];
    }

    public double nd4jGemm1() {
        Nd4j.gemm(one1, one2, one3, false, false, 1.0, 0.0);
        return 0;
    }
}

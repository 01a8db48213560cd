package io.streamgrad.learner.model;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.util.Rng;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarReverseSubtraction;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A multi-layer perceptron: hidden layers {@code model.hidden} with activation relu | tanh | sigmoid, then a
 * linear output layer of {@code max(1, classes)} units (a regression value, a logit, or k class logits; the loss
 * owns the link). Forward and backward run as ND4J float gemms.
 *
 * <p>Parameter layout, layer after layer ({@code l = 0..L-1}, fan_in × fan_out = d × h1, h1 × h2, ..., hL × k):
 * {@code W_l} (fan_in × fan_out, row-major: {@code W_l[i][o]} at {@code off_l + i*fan_out + o}), then
 * {@code b_l} (fan_out) at {@code off_l + fan_in*fan_out}. Because b follows W, each layer's block is the
 * row-major (fan_in + 1) × fan_out matrix {@code [W; b]}; with a column of ones appended to the layer input,
 * one gemm computes {@code A W + b}, and one gemm computes both {@code dW} and {@code db}.
 *
 * <p>Initialisation, layer after layer: {@code W_l} by {@code model.init} with that layer's fans, in index order;
 * biases zero. {@code zeros} is refused when there are hidden layers: every hidden unit would stay identical
 * (and relu units dead).
 *
 * <p>The products call OpenBLAS's {@code cblas_sgemm} directly on the off-heap buffers (the library ND4J's CPU
 * backend uses, with its thread setting), each operand described by its pointer, storage order and leading
 * dimension: no ND4J op object, shape check or layout copy per call. Through {@code Nd4j.gemm} the same products
 * cost more (docs/BENCHMARKS.md#dense-kernels).
 *
 * <p>Cost per batch: one bulk copy of the parameters in, the inputs in, the outputs out; per layer one gemm
 * (into the activation buffer) plus one in-place activation op forward, and up to two gemms plus two or three
 * elementwise ops backward; one bulk copy of the gradient in and out. No per-element JNI calls, and no new
 * off-heap buffers after the largest batch size has been seen (smaller batches use views of the same memory).
 * Sparse batches are densified (MLP inputs are at most a few thousand wide). Sparse updates do not apply: every
 * parameter gets a gradient each batch, so {@link #backward} adds all indices to {@code touched}.
 *
 * <p>ND4J is touched only on the first {@link #forward}: building the model (to validate a config, count
 * parameters or initialise them) loads no native code.
 */
final class MlpModel implements Model {
    static final String ACTIVATIONS = String.join(", ", Activation.names());

    private final ModelSpec spec;
    private final int d;
    private final int k;
    private final int layers;
    private final int[] fanIn;
    private final int[] fanOut;
    private final int[] offset;
    private final int numParams;
    private final Activation activation;
    private final Init init;
    private final BitSet biases;

    // ND4J state, created on first use.
    private INDArray paramsArr;
    private INDArray gradArr;
    private Mat[] wbM;
    private Mat[] wM;
    private Mat[] gWbM;
    private Workspace ws;
    private float[] denseStage = new float[0];
    /** What the activations in the workspace were computed from (identity: the contract says "same batch"). */
    private Batch forwardBatch;

    private float[] forwardParams;

    MlpModel(ModelSpec spec) {
        SpecChecks.features(spec);
        if (spec.classes() < 0) {
            throw new IllegalArgumentException("model.classes: must be >= 0 (0 or 1: one output; k >= 2: k class "
                    + "logits), got " + spec.classes());
        }
        List<Integer> hidden = spec.hidden();
        for (int i = 0; i < hidden.size(); i++) {
            Integer h = hidden.get(i);
            if (h == null || h < 1) {
                throw new IllegalArgumentException("model.hidden: every layer width must be >= 1, got " + h
                        + " at position " + i + " of " + hidden);
            }
        }
        this.activation = Activation.parse(spec.activation());
        this.init = Init.parse(spec.init());
        if (init == Init.ZEROS && !hidden.isEmpty()) {
            throw new IllegalArgumentException("model.init: zeros makes every hidden unit of an mlp identical (and "
                    + "relu units dead), so it would never learn; use xavier_uniform, xavier_normal or he");
        }
        this.spec = spec;
        this.d = spec.features();
        this.k = spec.outputs();
        this.layers = hidden.size() + 1;
        this.fanIn = new int[layers];
        this.fanOut = new int[layers];
        this.offset = new int[layers];
        long total = 0;
        for (int l = 0; l < layers; l++) {
            fanIn[l] = l == 0 ? d : hidden.get(l - 1);
            fanOut[l] = l == layers - 1 ? k : hidden.get(l);
            offset[l] = (int) Math.min(total, SpecChecks.MAX_PARAMS);
            total += ((long) fanIn[l] + 1) * fanOut[l];
        }
        if (total > SpecChecks.MAX_PARAMS) {
            throw new IllegalArgumentException("model.hidden: an mlp " + d + "-" + hidden + "-" + k + " needs " + total
                    + " parameters, more than a Java array holds; use narrower layers or fewer features");
        }
        this.numParams = (int) total;
        this.biases = new BitSet(numParams);
        for (int l = 0; l < layers; l++) {
            int b = offset[l] + fanIn[l] * fanOut[l];
            biases.set(b, b + fanOut[l]);
        }
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public int numParams() {
        return numParams;
    }

    @Override
    public int numOutputs() {
        return k;
    }

    /** The layout, for tests and tools: start of layer {@code l}'s block ({@code W_l} then {@code b_l}). */
    int layerOffset(int l) {
        return offset[l];
    }

    int layerFanIn(int l) {
        return fanIn[l];
    }

    int layerFanOut(int l) {
        return fanOut[l];
    }

    int layerCount() {
        return layers;
    }

    @Override
    public void initParams(float[] params, Rng rng) {
        SpecChecks.params(params, numParams);
        for (int l = 0; l < layers; l++) {
            int weights = fanIn[l] * fanOut[l];
            init.fill(params, offset[l], weights, fanIn[l], fanOut[l], rng);
            Arrays.fill(params, offset[l] + weights, offset[l] + weights + fanOut[l], 0f);
        }
    }

    @Override
    public boolean isBias(int i) {
        return biases.get(i);
    }

    @Override
    public void forward(float[] params, Batch batch, float[] rawOut) {
        SpecChecks.params(params, numParams);
        SpecChecks.batch(batch, d, k, rawOut, "rawOut");
        int n = batch.size();
        if (n == 0) {
            return;
        }
        ensureNd4j();
        Views v = views(n);
        paramsArr.data().asNioFloat().put(params, 0, numParams);
        loadInput(batch, v);
        for (int l = 0; l < layers; l++) {
            Mat in = l == 0 ? v.xM : v.aAugM[l - 1];
            Mat out = l == layers - 1 ? v.outM : v.aM[l];
            Mat.gemm(in, false, wbM[l], false, out, 0f);
            if (l < layers - 1) {
                activation.forwardInPlace(v.a[l]);
            }
        }
        ws.outBuf.asNioFloat().get(rawOut, 0, n * k);
        forwardBatch = batch;
        forwardParams = params;
    }

    @Override
    public void backward(float[] params, Batch batch, float[] dRaw, float[] grad, TouchedSet touched) {
        SpecChecks.params(grad, numParams);
        SpecChecks.batch(batch, d, k, dRaw, "dRaw");
        if (touched != null) {
            touched.addRange(0, numParams);
        }
        backprop(params, batch, dRaw, grad, true);
    }

    @Override
    public void gradient(float[] params, Batch batch, float[] dRaw, float[] grad) {
        SpecChecks.params(grad, numParams);
        SpecChecks.batch(batch, d, k, dRaw, "dRaw");
        backprop(params, batch, dRaw, grad, false);
    }

    /**
     * The backward pass: {@code accumulate} adds into {@code grad} (copied in, products with beta = 1), otherwise
     * {@code grad} is overwritten (products with beta = 0, nothing copied in).
     */
    private void backprop(float[] params, Batch batch, float[] dRaw, float[] grad, boolean accumulate) {
        int n = batch.size();
        if (n == 0) {
            if (!accumulate) {
                Arrays.fill(grad, 0f);
            }
            return;
        }
        if (batch != forwardBatch || params != forwardParams || ws.current.n != n) {
            // The activations belong to another batch: recompute them rather than return a wrong gradient.
            forward(params, batch, new float[n * k]);
        }
        Views v = ws.current;
        // The gemms accumulate (beta = 1) into the incoming gradient, so "adds into grad" costs one copy each way.
        if (accumulate) {
            gradArr.data().asNioFloat().put(grad, 0, numParams);
        }
        ws.dOutBuf.asNioFloat().put(dRaw, 0, n * k);
        Mat dz = v.dOutM;
        for (int l = layers - 1; l >= 0; l--) {
            Mat in = l == 0 ? v.xM : v.aAugM[l - 1];
            Mat.gemm(in, true, dz, false, gWbM[l], accumulate ? 1f : 0f);
            if (l > 0) {
                Mat.gemm(dz, false, wM[l], true, v.daM[l - 1], 0f);
                activation.backwardInPlace(v.a[l - 1], v.da[l - 1], v.tmp[l - 1]);
                dz = v.daM[l - 1];
            }
        }
        gradArr.data().asNioFloat().get(grad, 0, numParams);
    }

    private void ensureNd4j() {
        if (paramsArr != null) {
            return;
        }
        NativeCpuCheck.requireSupported(); // before the first ND4J call loads the native library
        paramsArr = Nd4j.createUninitializedDetached(DataType.FLOAT, numParams);
        gradArr = Nd4j.createUninitializedDetached(DataType.FLOAT, numParams);
        wbM = new Mat[layers];
        wM = new Mat[layers];
        gWbM = new Mat[layers];
        for (int l = 0; l < layers; l++) {
            wbM[l] = Mat.rowMajor(paramsArr.data(), offset[l], fanIn[l] + 1, fanOut[l]);
            wM[l] = Mat.rowMajor(paramsArr.data(), offset[l], fanIn[l], fanOut[l]);
            gWbM[l] = Mat.rowMajor(gradArr.data(), offset[l], fanIn[l] + 1, fanOut[l]);
        }
    }

    private static INDArray fView(DataBuffer buf, long rows, long cols) {
        return Nd4j.create(buf, new long[] {rows, cols}, new long[] {1, rows}, 0, 'f');
    }

    /** Copies the batch into {@code [X, 1]} (row-major n × (d+1)), densifying a sparse batch. */
    private void loadInput(Batch batch, Views v) {
        int n = batch.size();
        int width = d + 1;
        FloatBuffer fb = ws.xBuf.asNioFloat();
        if (!batch.isSparse()) {
            float[] x = batch.dense();
            for (int r = 0; r < n; r++) {
                fb.put(x, r * d, d);
                fb.put(1f);
            }
            return;
        }
        int need = n * width;
        if (denseStage.length < need) {
            denseStage = new float[need];
        }
        float[] xs = denseStage;
        Arrays.fill(xs, 0, need, 0f);
        int[] ptr = batch.rowPtr();
        int[] idx = batch.indices();
        float[] val = batch.values();
        for (int r = 0; r < n; r++) {
            int base = r * width;
            for (int p = ptr[r], to = ptr[r + 1]; p < to; p++) {
                int j = idx[p];
                if (j < 0 || j >= d) {
                    throw SpecChecks.badIndex(r, j, d);
                }
                xs[base + j] += val[p]; // duplicates sum, as Batch#toDenseArray does
            }
            xs[base + d] = 1f;
        }
        fb.put(xs, 0, need);
    }

    /** The activation buffers, sized for the largest batch seen; smaller batches use views of the same memory. */
    private Views views(int n) {
        if (ws == null || ws.capacity < n) {
            ws = new Workspace(n);
        }
        if (ws.current != null && ws.current.n == n) {
            return ws.current;
        }
        Views v = ws.byN.computeIfAbsent(n, this::newViews);
        // A hidden layer's augmented output [A, 1] is column-major, so its ones column is the n floats after A.
        // Another batch size moved that column; rewrite it.
        for (int l = 0; l < layers - 1; l++) {
            int h = fanOut[l];
            FloatBuffer fb = ws.aBuf[l].asNioFloat();
            fb.position(n * h);
            for (int r = 0; r < n; r++) {
                fb.put(1f);
            }
        }
        ws.current = v;
        return v;
    }

    private Views newViews(int n) {
        Views v = new Views(n, layers - 1);
        for (int l = 0; l < layers - 1; l++) {
            int h = fanOut[l];
            v.tmp[l] = fView(ws.tmpBuf[l], n, h);
            v.a[l] = fView(ws.aBuf[l], n, h);
            v.da[l] = fView(ws.daBuf[l], n, h);
        }
        v.xM = Mat.rowMajor(ws.xBuf, 0, n, d + 1);
        for (int l = 0; l < layers - 1; l++) {
            int h = fanOut[l];
            v.aM[l] = Mat.colMajor(ws.aBuf[l], n, h);
            v.aAugM[l] = Mat.colMajor(ws.aBuf[l], n, h + 1);
            v.daM[l] = Mat.colMajor(ws.daBuf[l], n, h);
        }
        v.outM = Mat.rowMajor(ws.outBuf, 0, n, k);
        v.dOutM = Mat.rowMajor(ws.dOutBuf, 0, n, k);
        return v;
    }

    /** Off-heap buffers for batches of up to {@code capacity} examples. */
    private final class Workspace {
        final int capacity;
        final DataBuffer xBuf;
        final DataBuffer[] tmpBuf;
        final DataBuffer[] aBuf;
        final DataBuffer[] daBuf;
        final DataBuffer outBuf;
        final DataBuffer dOutBuf;
        final Map<Integer, Views> byN = new HashMap<>();
        Views current;

        Workspace(int capacity) {
            this.capacity = capacity;
            xBuf = buffer((long) capacity * (d + 1));
            int hiddenLayers = layers - 1;
            tmpBuf = new DataBuffer[hiddenLayers];
            aBuf = new DataBuffer[hiddenLayers];
            daBuf = new DataBuffer[hiddenLayers];
            for (int l = 0; l < hiddenLayers; l++) {
                long h = fanOut[l];
                tmpBuf[l] = buffer(capacity * h);
                aBuf[l] = buffer(capacity * (h + 1));
                daBuf[l] = buffer(capacity * h);
            }
            outBuf = buffer((long) capacity * k);
            dOutBuf = buffer((long) capacity * k);
        }

        private DataBuffer buffer(long length) {
            return Nd4j.createUninitializedDetached(DataType.FLOAT, length).data();
        }
    }

    /** Array views of the workspace for one batch size {@code n}. */
    private static final class Views {
        final int n;
        final INDArray[] a;
        final INDArray[] tmp;
        final INDArray[] da;
        Mat xM;
        final Mat[] aM;
        final Mat[] aAugM;
        final Mat[] daM;
        Mat outM;
        Mat dOutM;

        Views(int n, int hiddenLayers) {
            this.n = n;
            a = new INDArray[hiddenLayers];
            tmp = new INDArray[hiddenLayers];
            da = new INDArray[hiddenLayers];
            aM = new Mat[hiddenLayers];
            aAugM = new Mat[hiddenLayers];
            daM = new Mat[hiddenLayers];
        }
    }

    /**
     * A float matrix in an off-heap buffer as BLAS sees it: a pointer to its first element, its logical shape,
     * its storage order and its leading dimension.
     */
    static final class Mat {
        final FloatPointer ptr;
        final int rows;
        final int cols;
        final boolean colMajor;
        final int ld;

        private Mat(DataBuffer buf, long offset, int rows, int cols, boolean colMajor, int ld) {
            long need = offset + (colMajor ? (long) (cols - 1) * ld + rows : (long) (rows - 1) * ld + cols);
            if (rows < 1 || cols < 1 || need > buf.length()) {
                throw new IllegalStateException("matrix " + rows + "x" + cols + " at " + offset + " does not fit a "
                        + buf.length() + "-float buffer");
            }
            this.ptr = new FloatPointer((FloatPointer) buf.addressPointer()).position(offset);
            this.rows = rows;
            this.cols = cols;
            this.colMajor = colMajor;
            this.ld = ld;
        }

        /** Row-major {@code rows x cols} at {@code offset}, rows {@code cols} apart. */
        static Mat rowMajor(DataBuffer buf, long offset, int rows, int cols) {
            return new Mat(buf, offset, rows, cols, false, cols);
        }

        /** Column-major {@code rows x cols} at the start of {@code buf}, columns {@code rows} apart. */
        static Mat colMajor(DataBuffer buf, int rows, int cols) {
            return new Mat(buf, 0, rows, cols, true, rows);
        }

        /**
         * {@code C = op(A) op(B) + beta C} by one {@code cblas_sgemm}, in C's storage order: an operand stored in
         * the other order is its own transpose in C's order, so its transpose flag flips.
         */
        static void gemm(Mat a, boolean transA, Mat b, boolean transB, Mat c, float beta) {
            int m = c.rows;
            int n = c.cols;
            int k = transA ? a.rows : a.cols;
            if ((transA ? a.cols : a.rows) != m || (transB ? b.cols : b.rows) != k || (transB ? b.rows : b.cols) != n) {
                throw new IllegalStateException("gemm shapes: op(A) " + (transA ? a.cols : a.rows) + "x" + k
                        + ", op(B) " + (transB ? b.cols : b.rows) + "x" + (transB ? b.rows : b.cols) + ", C " + m
                        + "x" + n);
            }
            boolean ta = transA ^ (a.colMajor != c.colMajor);
            boolean tb = transB ^ (b.colMajor != c.colMajor);
            openblas_nolapack.cblas_sgemm(
                    c.colMajor ? openblas_nolapack.CblasColMajor : openblas_nolapack.CblasRowMajor,
                    ta ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    tb ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    m,
                    n,
                    k,
                    1f,
                    a.ptr,
                    a.ld,
                    b.ptr,
                    b.ld,
                    beta,
                    c.ptr,
                    c.ld);
        }
    }

    /**
     * Hidden-layer activation, applied in place to the gemm output, and its derivative written from the
     * activation {@code a} alone ({@code relu'} = [a &gt; 0], {@code tanh'} = 1 - a^2, {@code sigmoid'} = a (1 - a)),
     * so the pre-activations need not be kept. The derivatives use ND4J's vectorised legacy scalar and pairwise
     * ops, measured cheaper than the fused {@code relu_bp}, {@code tanh_bp} and {@code sigmoid_bp} custom ops
     * (docs/BENCHMARKS.md#dense-kernels).
     */
    enum Activation {
        RELU("relu"),
        TANH("tanh"),
        SIGMOID("sigmoid");

        private final String configName;

        Activation(String configName) {
            this.configName = configName;
        }

        /** Every {@code model.activation} value. */
        static List<String> names() {
            return java.util.Arrays.stream(values()).map(a -> a.configName).toList();
        }

        static Activation parse(String name) {
            if (name != null) {
                for (Activation a : values()) {
                    if (a.configName.equals(name)) {
                        return a;
                    }
                }
            }
            throw new IllegalArgumentException(
                    "model.activation: unknown value '" + name + "'; allowed: " + ACTIVATIONS);
        }

        void forwardInPlace(INDArray z) {
            switch (this) {
                case RELU -> Nd4j.exec(new RectifiedLinear(z, z, 0.0));
                case TANH -> Nd4j.exec(new Tanh(z, z));
                case SIGMOID -> Nd4j.exec(new Sigmoid(z, z));
                default -> throw new AssertionError(this);
            }
        }

        /** {@code dA *= f'(z)}, with {@code f'} written in terms of {@code a = f(z)}; {@code tmp} is scratch. */
        void backwardInPlace(INDArray a, INDArray dA, INDArray tmp) {
            switch (this) {
                case RELU -> Nd4j.exec(new Step(a, tmp, 0.0)); // relu(z) > 0 exactly when z > 0
                case TANH -> {
                    Nd4j.exec(new MulOp(a, a, tmp));
                    Nd4j.exec(new ScalarReverseSubtraction(tmp, tmp, 1.0));
                }
                case SIGMOID -> {
                    Nd4j.exec(new ScalarReverseSubtraction(a, tmp, 1.0));
                    Nd4j.exec(new MulOp(tmp, a, tmp));
                }
                default -> throw new AssertionError(this);
            }
            Nd4j.exec(new MulOp(dA, tmp, dA));
        }
    }
}

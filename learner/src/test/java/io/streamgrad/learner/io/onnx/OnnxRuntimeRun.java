package io.streamgrad.learner.io.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an exported ONNX file in ONNX Runtime's Java API (the real native runtime, CPU provider), as a serving
 * client would: feeds {@code features} and reads every output. Shared with the app's tests (learner test-jar).
 */
public final class OnnxRuntimeRun {
    private OnnxRuntimeRun() {}

    /** What one session run gave: each output row-major, and the shapes the model declares. */
    public record Outputs(Map<String, float[]> values, Map<String, long[]> declaredShapes, Map<String, String> meta) {
        public float[] get(String name) {
            return values.get(name);
        }
    }

    /** Runs the model bytes on {@code n} dense rows of {@code d} features ({@code x}, row-major). */
    public static Outputs run(byte[] model, float[] x, int n, int d) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options);
                    OnnxTensor input =
                            OnnxTensor.createTensor(env, FloatBuffer.wrap(Arrays.copyOf(x, n * d)), new long[] {n, d});
                    OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, input))) {
                Map<String, long[]> shapes = new LinkedHashMap<>();
                for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                    shapes.put(e.getKey(), ((TensorInfo) e.getValue().getInfo()).getShape());
                }
                for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                    shapes.put(e.getKey(), ((TensorInfo) e.getValue().getInfo()).getShape());
                }
                Map<String, float[]> values = new LinkedHashMap<>();
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    values.put(e.getKey(), v);
                }
                Map<String, String> meta =
                        new LinkedHashMap<>(session.getMetadata().getCustomMetadata());
                return new Outputs(values, shapes, meta);
            }
        }
    }

    /**
     * The largest {@code |a - b| / max(1, |b|)} over the arrays ({@code b} the reference): relative error where
     * |b| >= 1, absolute error below (probabilities and near-zero values are compared absolutely).
     */
    public static double maxRelativeError(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs((double) a[i] - b[i]) / Math.max(1.0, Math.abs((double) b[i]));
            if (Double.isNaN(err)) {
                return Double.NaN;
            }
            worst = Math.max(worst, err);
        }
        return worst;
    }
}

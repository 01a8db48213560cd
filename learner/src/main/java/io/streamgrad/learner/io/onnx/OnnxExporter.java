package io.streamgrad.learner.io.onnx;

import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import io.streamgrad.learner.loss.LossKind;
import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.model.Models;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A trained model as an ONNX file (https://onnx.ai): the same predictions as {@code streamgrad predict} from any
 * ONNX runtime (onnxruntime in Python, C++, C#, JavaScript...). Every model kind exports: {@code linear},
 * {@code logistic}, {@code softmax}, {@code mlp} (relu, tanh, sigmoid) and {@code fm}.
 *
 * <p>The graph (ONNX IR version {@value #IR_VERSION}, default-domain opset {@value #OPSET}; docs/ONNX.md):
 * <ul>
 *   <li>input {@value #INPUT}: float32 {@code [N, features]}, one dense row per example ({@code N} is symbolic);
 *       a hashed or named-feature model takes the dense vector of hashed features (docs/ONNX.md says how to
 *       build it);</li>
 *   <li>output {@value #OUTPUT}: float32 {@code [N, outputs]}, what {@code predict} returns: the value (mse,
 *       huber), the probability of class 1 (binary_cross_entropy: sigmoid) or the k class probabilities
 *       (categorical_cross_entropy: softmax over axis 1);</li>
 *   <li>output {@value #RAW_OUTPUT}: float32 {@code [N, outputs]}, the model's output before the link (value,
 *       logit, class logits).</li>
 * </ul>
 * The weights are initializers copied from the snapshot's parameter vector in the learner's layouts (documented on
 * the model classes): a linear model is {@code Gemm(X, W^T, b)}; an mlp is one {@code Gemm} per layer with its
 * activation between; a factorization machine is Rendle's eq. 5, {@code w0 + X w + 1/2 sum_f ((X V)^2 - X^2 V^2)}.
 * The learner computes some sums in double precision and ONNX runtimes in float, so predictions agree to float
 * rounding, not bit for bit (the tests bound the difference at 1e-5 relative).
 *
 * <p>No protobuf or ONNX library is needed: the messages are written by {@link ProtoWriter} with the field numbers
 * of onnx/onnx.proto. Thread-safe (stateless).
 */
public final class OnnxExporter {
    /** The graph input: float32 [N, features]. */
    public static final String INPUT = "features";

    /** The linked predictions, as {@code predict} writes them: float32 [N, outputs]. */
    public static final String OUTPUT = "prediction";

    /** The raw model outputs before the link: float32 [N, outputs]. */
    public static final String RAW_OUTPUT = "raw";

    /** The default-domain ("ai.onnx") operator set the graph uses. */
    public static final int OPSET = 13;

    /** The ONNX IR version written (7 is the first with opset 13; every current runtime reads it). */
    public static final int IR_VERSION = 7;

    /** A protobuf message cannot exceed 2 GiB; the weights are stored inside the file. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE;

    // onnx.proto enum values
    private static final int FLOAT = 1;
    private static final int INT64 = 7;
    private static final int ATTR_INT = 2;

    private OnnxExporter() {}

    /** Writes {@code snapshot}'s model to {@code file} (via a temporary file moved into place). */
    public static void write(Snapshot snapshot, Path file) throws IOException {
        SnapshotFile.writeAtomically(file, export(snapshot));
    }

    /**
     * The ONNX model of {@code snapshot} as bytes.
     *
     * @throws IllegalArgumentException when the parameters do not match the snapshot's config, or the weights are
     *     too large for one ONNX file
     */
    public static byte[] export(Snapshot snapshot) {
        ModelSpec spec = snapshot.config().model();
        float[] p = snapshot.state().params();
        int expected = Models.create(spec).numParams();
        if (p.length != expected) {
            throw new IllegalArgumentException("model '" + snapshot.modelId() + "' version " + snapshot.version()
                    + ": the state has " + p.length + " parameters, its config's " + spec.type() + " model has "
                    + expected + "; the snapshot is inconsistent and cannot be exported");
        }
        long bytes = 4L * p.length;
        if (bytes > MAX_FILE_BYTES - (1 << 20)) {
            throw new IllegalArgumentException("model '" + snapshot.modelId() + "' has " + p.length + " parameters ("
                    + bytes + " bytes), more than one ONNX file holds (2 GiB); export a model with fewer features ("
                    + spec.type().sizeKeys() + ")");
        }
        Graph g = new Graph();
        int d = spec.features();
        int k = spec.outputs();
        switch (spec.type()) {
            case LINEAR, LOGISTIC, SOFTMAX -> linear(g, p, d, k);
            case MLP -> mlp(g, p, spec, d, k);
            case FM -> fm(g, p, d, spec.factors());
        }
        String link = link(g, snapshot.config().loss());

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("streamgrad.model_id", snapshot.modelId());
        meta.put("streamgrad.version", Long.toString(snapshot.version()));
        meta.put("streamgrad.step", Long.toString(snapshot.state().step()));
        meta.put("streamgrad.examples_seen", Long.toString(snapshot.state().examplesSeen()));
        meta.put("streamgrad.model_type", spec.type().yamlName());
        meta.put("streamgrad.loss", snapshot.config().loss().yamlName());
        meta.put("streamgrad.features", Integer.toString(d));
        meta.put("streamgrad.outputs", Integer.toString(k));
        meta.put("streamgrad.link", link);
        meta.put("streamgrad.config_yaml", snapshot.configYaml());

        String doc = String.format(
                Locale.ROOT,
                "streamgrad %s model '%s' version %d (step %d, loss %s). Input '%s': float32 [N, %d], one dense row "
                        + "per example (hashed/named features: the dense hashed vector, see docs/ONNX.md). Output "
                        + "'%s': float32 [N, %d], %s. Output '%s': the same before the link.",
                spec.type().yamlName(),
                snapshot.modelId(),
                snapshot.version(),
                snapshot.state().step(),
                snapshot.config().loss().yamlName(),
                INPUT,
                d,
                OUTPUT,
                k,
                linkDoc(link),
                RAW_OUTPUT);

        ProtoWriter graph = new ProtoWriter();
        for (ProtoWriter node : g.nodes) {
            graph.message(1, node);
        }
        graph.string(2, "streamgrad_" + spec.type().yamlName());
        for (ProtoWriter init : g.initializers) {
            graph.message(5, init);
        }
        graph.string(10, doc);
        graph.message(11, valueInfo(INPUT, d, "one dense row of " + d + " features per example"));
        graph.message(12, valueInfo(OUTPUT, k, linkDoc(link)));
        graph.message(12, valueInfo(RAW_OUTPUT, k, "the model's output before the link"));

        ProtoWriter model = new ProtoWriter()
                .int64(1, IR_VERSION)
                .string(2, "streamgrad")
                .string(3, producerVersion())
                .string(4, "io.streamgrad")
                .int64(5, snapshot.version())
                .string(6, doc)
                .message(7, graph)
                .message(8, new ProtoWriter().int64(2, OPSET));
        meta.forEach((key, value) ->
                model.message(14, new ProtoWriter().string(1, key).string(2, value)));
        return model.toByteArray();
    }

    /** {@code raw = X W^T + b}: W is k rows of d at {@code c*d + j}, then the k biases. */
    private static void linear(Graph g, float[] p, int d, int k) {
        String w = g.floats("W", p, 0, new long[] {k, d});
        String b = g.floats("b", p, k * d, new long[] {k});
        g.node("Gemm", List.of(INPUT, w, b), RAW_OUTPUT, new ProtoWriter[] {intAttr("transB", 1)});
    }

    /** One {@code Gemm} per layer: {@code W_l} (fan_in x fan_out, row-major) then {@code b_l}, layer after layer. */
    private static void mlp(Graph g, float[] p, ModelSpec spec, int d, int k) {
        String act = switch (spec.activation()) {
            case "relu" -> "Relu";
            case "tanh" -> "Tanh";
            case "sigmoid" -> "Sigmoid";
            default ->
                throw new IllegalArgumentException("model.activation: '" + spec.activation()
                        + "' has no ONNX operator here; allowed: relu, tanh, sigmoid");
        };
        List<Integer> hidden = spec.hidden();
        int layers = hidden.size() + 1;
        String in = INPUT;
        int off = 0;
        for (int l = 0; l < layers; l++) {
            int fanIn = l == 0 ? d : hidden.get(l - 1);
            int fanOut = l == layers - 1 ? k : hidden.get(l);
            String w = g.floats("W" + l, p, off, new long[] {fanIn, fanOut});
            String b = g.floats("b" + l, p, off + fanIn * fanOut, new long[] {fanOut});
            off += (fanIn + 1) * fanOut;
            if (l == layers - 1) {
                g.node("Gemm", List.of(in, w, b), RAW_OUTPUT, new ProtoWriter[0]);
            } else {
                String z = g.node("Gemm", List.of(in, w, b), "z" + l, new ProtoWriter[0]);
                in = g.node(act, List.of(z), "a" + l, new ProtoWriter[0]);
            }
        }
    }

    /** {@code w0 + X w + 1/2 sum_f ((X V)_f^2 - (X^2 V^2)_f)}: w0 at 0, w at 1..d, V (d x f, row-major) after. */
    private static void fm(Graph g, float[] p, int d, int f) {
        String w0 = g.floats("w0", p, 0, new long[] {1});
        String w = g.floats("w", p, 1, new long[] {d, 1});
        String v = g.floats("V", p, 1 + d, new long[] {d, f});
        String half = g.floats("half", new float[] {0.5f}, 0, new long[] {1});
        String axes = g.int64s("axis1", new long[] {1});
        String lin = g.node("Gemm", List.of(INPUT, w, w0), "linear", new ProtoWriter[0]);
        String xv = g.node("MatMul", List.of(INPUT, v), "xv", new ProtoWriter[0]);
        String xv2 = g.node("Mul", List.of(xv, xv), "xv_sq", new ProtoWriter[0]);
        String x2 = g.node("Mul", List.of(INPUT, INPUT), "x_sq", new ProtoWriter[0]);
        String v2 = g.node("Mul", List.of(v, v), "v_sq", new ProtoWriter[0]);
        String x2v2 = g.node("MatMul", List.of(x2, v2), "x_sq_v_sq", new ProtoWriter[0]);
        String diff = g.node("Sub", List.of(xv2, x2v2), "pair_terms", new ProtoWriter[0]);
        String sum = g.node("ReduceSum", List.of(diff, axes), "pair_sum", new ProtoWriter[] {intAttr("keepdims", 1)});
        String pair = g.node("Mul", List.of(sum, half), "pairwise", new ProtoWriter[0]);
        g.node("Add", List.of(lin, pair), RAW_OUTPUT, new ProtoWriter[0]);
    }

    /** Adds the link node ({@value #RAW_OUTPUT} to {@value #OUTPUT}); returns its name for the metadata. */
    private static String link(Graph g, LossKind loss) {
        return switch (loss) {
            case MSE, HUBER -> {
                g.node("Identity", List.of(RAW_OUTPUT), OUTPUT, new ProtoWriter[0]);
                yield "identity";
            }
            case BINARY_CROSS_ENTROPY -> {
                g.node("Sigmoid", List.of(RAW_OUTPUT), OUTPUT, new ProtoWriter[0]);
                yield "sigmoid";
            }
            case CATEGORICAL_CROSS_ENTROPY -> {
                g.node("Softmax", List.of(RAW_OUTPUT), OUTPUT, new ProtoWriter[] {intAttr("axis", 1)});
                yield "softmax";
            }
        };
    }

    private static String linkDoc(String link) {
        return switch (link) {
            case "sigmoid" -> "the probability of class 1 (sigmoid of the logit)";
            case "softmax" -> "the class probabilities (softmax of the logits)";
            default -> "the predicted value";
        };
    }

    private static ProtoWriter intAttr(String name, long value) {
        return new ProtoWriter().string(1, name).int64(3, value).int64(20, ATTR_INT);
    }

    /** A float32 tensor value-info {@code [N, width]} (TypeProto.Tensor with a symbolic batch dimension). */
    private static ProtoWriter valueInfo(String name, int width, String doc) {
        ProtoWriter shape = new ProtoWriter()
                .message(1, new ProtoWriter().string(2, "N"))
                .message(1, new ProtoWriter().int64(1, width));
        ProtoWriter tensor = new ProtoWriter().int64(1, FLOAT).message(2, shape);
        return new ProtoWriter()
                .string(1, name)
                .message(2, new ProtoWriter().message(1, tensor))
                .string(3, doc);
    }

    private static String producerVersion() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The nodes and initializers of the graph being built, in topological order. */
    private static final class Graph {
        final List<ProtoWriter> nodes = new ArrayList<>();
        final List<ProtoWriter> initializers = new ArrayList<>();

        String node(String op, List<String> inputs, String output, ProtoWriter[] attributes) {
            ProtoWriter n = new ProtoWriter();
            for (String in : inputs) {
                n.string(1, in);
            }
            n.string(2, output);
            n.string(3, op + "_" + nodes.size());
            n.string(4, op);
            for (ProtoWriter a : attributes) {
                n.message(5, a);
            }
            nodes.add(n);
            return output;
        }

        /** A float32 initializer of {@code src[from ..]} with shape {@code dims}, little-endian raw data. */
        String floats(String name, float[] src, int from, long[] dims) {
            long count = 1;
            for (long dim : dims) {
                count *= dim;
            }
            ByteBuffer raw = ByteBuffer.allocate(Math.toIntExact(4 * count)).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(src, from, (int) count);
            initializers.add(tensor(name, FLOAT, dims, raw.array()));
            return name;
        }

        String int64s(String name, long[] values) {
            ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            raw.asLongBuffer().put(values);
            initializers.add(tensor(name, INT64, new long[] {values.length}, raw.array()));
            return name;
        }

        private static ProtoWriter tensor(String name, int dataType, long[] dims, byte[] raw) {
            ProtoWriter t = new ProtoWriter();
            for (long dim : dims) {
                t.int64(1, dim);
            }
            return t.int64(2, dataType).string(8, name).bytes(9, raw);
        }
    }
}

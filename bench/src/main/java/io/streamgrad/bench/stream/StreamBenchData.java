package io.streamgrad.bench.stream;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.data.ReadOptions;
import io.streamgrad.learner.data.ReadReport;
import io.streamgrad.learner.util.Rng;
import io.streamgrad.schemas.SchemaHistory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The seeded synthetic examples of {@code streamgrad bench-stream}, held once in compact arrays and turned both into
 * Kafka records (Avro single-object {@code Example} or {@code MiniBatch}, the job's input) and into a learner
 * {@link Dataset} (the offline trainer's input), so both sides train on exactly the same numbers.
 *
 * <ul>
 *   <li>{@link #mnistShaped}: 784 dense features uniform in [0, 1), 10 classes, the label the arg-max of a seeded
 *       random linear teacher on the centred features (the values do not change the cost of dense algebra; the
 *       shapes do).</li>
 *   <li>{@link #hashedClicks}: a {@code dim}-feature hashed space, each example with 20..40 distinct active
 *       features of value 1 (uniform over the space, the worst case for cache locality), a binary label drawn
 *       from a seeded logistic teacher with logit standard deviation about 2 (learnable, not separable).</li>
 * </ul>
 *
 * <p>The Avro bodies are written field by field with Avro's own {@link BinaryEncoder} in the order of the
 * schemas in {@code schemas/src/main/avro} (the producer side of a benchmark must not be its bottleneck: building
 * boxed {@code List<Float>}s per example would be); {@code StreamBenchCommandTest} checks the bytes decode, with the
 * job's own codec, to the same examples.
 */
final class StreamBenchData {
    private static final byte[] EXAMPLE_HEADER = header(Example.getClassSchema());
    private static final byte[] MINI_BATCH_HEADER = header(MiniBatch.getClassSchema());

    final String modelId;
    final int size;
    final int dim;
    /** Row-major {@code size x dim}, or null for sparse data. */
    final float[] dense;
    /** CSR rows (all values 1), or null for dense data. */
    final int[] rowPtr;

    final int[] indices;
    final float[] labels;

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 16);
    private BinaryEncoder encoder;

    private StreamBenchData(
            String modelId, int size, int dim, float[] dense, int[] rowPtr, int[] indices, float[] labels) {
        this.modelId = modelId;
        this.size = size;
        this.dim = dim;
        this.dense = dense;
        this.rowPtr = rowPtr;
        this.indices = indices;
        this.labels = labels;
    }

    static StreamBenchData mnistShaped(String modelId, int n, int features, int classes, long seed) {
        Rng rng = new Rng(seed);
        float[] teacher = new float[features * classes];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = (float) rng.nextGaussian();
        }
        float[] x = new float[Math.multiplyExact(n, features)];
        float[] y = new float[n];
        double[] z = new double[classes];
        for (int r = 0; r < n; r++) {
            java.util.Arrays.fill(z, 0);
            for (int j = 0; j < features; j++) {
                float v = (float) rng.nextDouble();
                x[r * features + j] = v;
                double c = v - 0.5;
                for (int k = 0; k < classes; k++) {
                    z[k] += c * teacher[j * classes + k];
                }
            }
            int best = 0;
            for (int k = 1; k < classes; k++) {
                best = z[k] > z[best] ? k : best;
            }
            y[r] = best;
        }
        return new StreamBenchData(modelId, n, features, x, null, null, y);
    }

    static StreamBenchData hashedClicks(String modelId, int n, int dim, int meanNnz, long seed) {
        Rng rng = new Rng(seed);
        float[] w = new float[dim];
        double scale = 2.0 / Math.sqrt(meanNnz);
        for (int j = 0; j < dim; j++) {
            w[j] = (float) (scale * rng.nextGaussian());
        }
        int spread = meanNnz / 3;
        int[] ptr = new int[n + 1];
        int[] idx = new int[Math.multiplyExact(n, meanNnz + spread)];
        float[] y = new float[n];
        int p = 0;
        for (int r = 0; r < n; r++) {
            int nnz = meanNnz - spread + rng.nextInt(2 * spread + 1);
            double logit = 0;
            int start = p;
            while (p - start < nnz) {
                int j = rng.nextInt(dim);
                boolean seen = false;
                for (int q = start; q < p && !seen; q++) {
                    seen = idx[q] == j;
                }
                if (!seen) {
                    idx[p++] = j;
                    logit += w[j];
                }
            }
            ptr[r + 1] = p;
            y[r] = rng.nextDouble() < 1.0 / (1.0 + Math.exp(-logit)) ? 1f : 0f;
        }
        return new StreamBenchData(modelId, n, dim, null, ptr, java.util.Arrays.copyOf(idx, p), y);
    }

    boolean isSparse() {
        return dense == null;
    }

    /** Example {@code i} as one Avro single-object {@code Example} record. */
    byte[] example(int i, long eventTimeMs) {
        buffer.reset();
        buffer.writeBytes(EXAMPLE_HEADER);
        BinaryEncoder e = encoder();
        try {
            writeExample(e, i, eventTimeMs);
            e.flush();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return buffer.toByteArray();
    }

    /** Examples {@code [from, to)} as one Avro single-object {@code MiniBatch} record. */
    byte[] miniBatch(int from, int to, long eventTimeMs) {
        buffer.reset();
        buffer.writeBytes(MINI_BATCH_HEADER);
        BinaryEncoder e = encoder();
        try {
            e.writeString(modelId);
            e.writeArrayStart();
            e.setItemCount(to - from);
            for (int i = from; i < to; i++) {
                e.startItem();
                writeExample(e, i, eventTimeMs);
            }
            e.writeArrayEnd();
            e.flush();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return buffer.toByteArray();
    }

    /** The Example schema's fields, in order: model_id, event_time, dense, indices, values, named, label, weight. */
    private void writeExample(BinaryEncoder e, int i, long eventTimeMs) throws IOException {
        e.writeString(modelId);
        e.writeLong(eventTimeMs);
        e.writeArrayStart();
        if (dense != null) {
            e.setItemCount(dim);
            for (int j = 0; j < dim; j++) {
                e.startItem();
                e.writeFloat(dense[i * dim + j]);
            }
        } else {
            e.setItemCount(0);
        }
        e.writeArrayEnd();
        int nnz = dense != null ? 0 : rowPtr[i + 1] - rowPtr[i];
        e.writeArrayStart();
        e.setItemCount(nnz);
        for (int k = 0; k < nnz; k++) {
            e.startItem();
            e.writeInt(indices[rowPtr[i] + k]);
        }
        e.writeArrayEnd();
        e.writeArrayStart();
        e.setItemCount(nnz);
        for (int k = 0; k < nnz; k++) {
            e.startItem();
            e.writeFloat(1f);
        }
        e.writeArrayEnd();
        e.writeMapStart();
        e.setItemCount(0);
        e.writeMapEnd();
        e.writeFloat(labels[i]);
        e.writeFloat(1f);
    }

    /** The same examples as an in-memory dataset for the offline trainer. */
    Dataset dataset() {
        Dataset.Builder b = new Dataset.Builder(dim);
        ReadReport report = new ReadReport("bench-stream:" + modelId, size, size, 0, List.of());
        if (dense != null) {
            float[] row = new float[dim];
            for (int r = 0; r < size; r++) {
                System.arraycopy(dense, r * dim, row, 0, dim);
                b.addDense(labels[r], 1f, row);
            }
            return b.build(ReadOptions.Density.DENSE, report);
        }
        float[] ones = new float[dim == 0 ? 0 : Math.min(dim, 4096)];
        java.util.Arrays.fill(ones, 1f);
        int[] row = new int[0];
        for (int r = 0; r < size; r++) {
            int nnz = rowPtr[r + 1] - rowPtr[r];
            if (row.length < nnz) {
                row = new int[nnz];
            }
            System.arraycopy(indices, rowPtr[r], row, 0, nnz);
            b.add(labels[r], 1f, row, ones, nnz);
        }
        return b.build(ReadOptions.Density.SPARSE, report);
    }

    private BinaryEncoder encoder() {
        encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
        return encoder;
    }

    /** The single-object header: C3 01, then the writer schema's CRC-64-AVRO fingerprint, little-endian. */
    private static byte[] header(org.apache.avro.Schema schema) {
        long fp = SchemaHistory.fingerprint(schema);
        byte[] h = new byte[10];
        h[0] = (byte) 0xC3;
        h[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) (fp >>> (8 * i));
        }
        return h;
    }
}

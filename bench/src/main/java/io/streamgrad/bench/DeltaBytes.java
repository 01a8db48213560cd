package io.streamgrad.bench;

import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code ./streamgrad bench-deltas}: bytes of a published delta version against the full snapshot of the same
 * version, for a hashed logistic model (2^20 features, {@code sparse_updates: true}, Adagrad) as the rows touched per
 * version vary. Each version trains batches of 64 examples with 10 uniform hashed features each until about the
 * target number of rows changed; the delta is built the way the job builds it (the trainer's changed coordinates,
 * {@link ParameterDelta#gather}) and checked: applied to the previous version's parameters it gives the new ones bit
 * for bit. Both records are measured as published (single-object Avro encoding, no compression).
 */
public final class DeltaBytes {
    static final int FEATURES = 1 << 20;
    static final int NNZ = 10;

    private DeltaBytes() {}

    public static void main(String[] args) {
        int[] targets = {100, 1_000, 10_000, 100_000};
        run(targets, System.out);
    }

    /** One line per target, after a header. */
    static void run(int[] targets, PrintStream out) {
        Trainer trainer = new Trainer(ConfigParser.parse("""
                model: {type: logistic, features: %d}
                loss: binary_cross_entropy
                optimizer: {type: adagrad, learning_rate: 0.05}
                batch_size: 64
                sparse_updates: true
                """.formatted(FEATURES)));
        ModelState state = trainer.initState();
        SplittableRandom rnd = new SplittableRandom(20261207L);
        var deltas = SingleObjectCodec.modelDelta();
        var snapshots = SingleObjectCodec.modelSnapshot();
        out.printf(
                "hashed logistic, 2^20 features (%d parameters), Adagrad, sparse_updates: true%n",
                state.params().length);
        out.printf(
                "%-14s %-12s %14s %16s %10s %12s %6s%n",
                "target rows", "rows", "delta bytes", "full bytes", "full/delta", "bytes/row", "exact");
        long version = 1;
        for (int target : targets) {
            float[] before = state.params().clone();
            int[] dirty = new int[1024];
            int count = 0;
            int examples = 0;
            while (examples * NNZ < target) {
                int n = Math.min(64, Math.max(1, (target - examples * NNZ + NNZ - 1) / NNZ));
                trainer.train(state, batch(rnd, n));
                examples += n;
                int c = trainer.changedCount();
                if (count + c > dirty.length) {
                    dirty = Arrays.copyOf(dirty, Math.max(2 * dirty.length, count + c));
                }
                System.arraycopy(trainer.changedIndices(), 0, dirty, count, c);
                count += c;
            }
            version++;
            ParameterDelta d = ParameterDelta.gather(state.params(), dirty, count);
            float[] rebuilt = before.clone();
            d.applyTo(rebuilt);
            boolean exact = Arrays.equals(bits(rebuilt), bits(state.params()));
            byte[] delta = deltas.encode(ModelDelta.newBuilder()
                    .setModelId("ctr")
                    .setVersion(version)
                    .setBaseVersion(version - 1)
                    .setFullVersion(1)
                    .setStep(state.step())
                    .setExamplesSeen(state.examplesSeen())
                    .setCreatedAt(Instant.ofEpochMilli(0))
                    .setNumParams(d.numParams())
                    .setIndices(ByteBuffer.wrap(d.indicesBytes()))
                    .setValues(ByteBuffer.wrap(d.valuesBytes()))
                    .setRemoved(ByteBuffer.wrap(d.removedBytes()))
                    .setMetrics(Map.of("logloss", 0.5))
                    .setSourceOffsets(Map.of("examples-0", 0L))
                    .build());
            byte[] full = snapshots.encode(ModelSnapshot.newBuilder()
                    .setModelId("ctr")
                    .setVersion(version)
                    .setStep(state.step())
                    .setExamplesSeen(state.examplesSeen())
                    .setCreatedAt(Instant.ofEpochMilli(0))
                    .setState(ByteBuffer.wrap(ModelStateCodec.encode(state)))
                    .setMetrics(Map.of("logloss", 0.5))
                    .setConfigYaml("")
                    .setSourceOffsets(Map.of("examples-0", 0L))
                    .build());
            out.printf(
                    "%-14d %-12d %14d %16d %10.1f %12.2f %6s%n",
                    target,
                    d.count(),
                    delta.length,
                    full.length,
                    (double) full.length / delta.length,
                    (double) delta.length / d.count(),
                    exact ? "yes" : "NO");
        }
    }

    /** {@code n} examples with {@link #NNZ} distinct uniform hashed features each. */
    private static Batch batch(SplittableRandom rnd, int n) {
        int[] rowPtr = new int[n + 1];
        int[] idx = new int[n * NNZ];
        float[] val = new float[n * NNZ];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int[] cols = rnd.ints(0, FEATURES).distinct().limit(NNZ).sorted().toArray();
            System.arraycopy(cols, 0, idx, i * NNZ, NNZ);
            for (int k = 0; k < NNZ; k++) {
                val[i * NNZ + k] = 1f;
            }
            rowPtr[i + 1] = (i + 1) * NNZ;
            y[i] = rnd.nextBoolean() ? 1 : 0;
        }
        return Batch.sparse(n, FEATURES, rowPtr, idx, val, y, null);
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }
}

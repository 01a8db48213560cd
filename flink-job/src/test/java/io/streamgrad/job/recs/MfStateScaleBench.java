package io.streamgrad.job.recs;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfSpec;
import io.streamgrad.learner.recs.RowCodec;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Training throughput of the mf trainer on RocksDB against the size of its tables: fills both tables with
 * {@code rows} rows (written straight into the trainer's map states, as training would leave them), then trains
 * {@code batches} batches whose ids are drawn uniformly from those rows and prints interactions per second. A
 * batch touches only its rows, so the figure should not fall with the table size. Not a test: run with the test
 * classpath, {@code java ... io.streamgrad.job.recs.MfStateScaleBench ROWS BATCHES}.
 */
public final class MfStateScaleBench {
    private static final String YAML = """
            model: {type: mf, dim: 16}
            loss: logistic
            negatives: {count: 4, pool: 1000}
            optimizer: {type: adagrad, learning_rate: 0.05}
            batch_size: 64
            seed: 3
            """;

    private MfStateScaleBench() {}

    public static void main(String[] args) throws Exception {
        int rows = Integer.parseInt(args[0]);
        int batches = Integer.parseInt(args[1]);
        MfSpec spec = MfConfig.parse(YAML);
        RecsModels models = new RecsModels("interactions", Map.of("m", YAML), 0, 10_000);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics>(
                new KeyedProcessOperator<>(new MfTrainer(models, 0, 1_000_000, new MfVersions.Policy(0, 0, 0, 1, 1))),
                r -> r.modelId,
                Types.STRING,
                128,
                1,
                0)) {
            // Bloom filters (a get for a key skips the SST files without it) and a fixed 256 MB block cache: the
            // operator harness gives RocksDB next to no managed memory, so its default cache would be tiny.
            org.apache.flink.configuration.Configuration rocks = new org.apache.flink.configuration.Configuration();
            rocks.setString("state.backend.rocksdb.use-bloom-filter", "true");
            rocks.setString("state.backend.rocksdb.memory.managed", "false");
            rocks.setString("state.backend.rocksdb.block.cache-size", "256mb");
            h.setStateBackend(
                    new EmbeddedRocksDBStateBackend(true).configure(rocks, MfStateScaleBench.class.getClassLoader()));
            h.open();
            Object b = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
            @SuppressWarnings("unchecked")
            KeyedStateBackend<String> backend = (KeyedStateBackend<String>) b;
            backend.setCurrentKey("m");
            long t0 = System.nanoTime();
            // the rows a trained model would hold: one training step on a fresh model gives their layout
            MfModel seed = new MfModel(spec);
            seed.train(java.util.List.of(Interaction.implicit("u", "i", 0)));
            byte[] user = RowCodec.encode(seed.users().lookup("u"));
            byte[] item = RowCodec.encode(seed.items().lookup("i"));
            for (String table : new String[] {"mfUsers", "mfItems"}) {
                MapState<String, byte[]> s = backend.getPartitionedState(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        new MapStateDescriptor<>(
                                table, Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
                byte[] row = table.equals("mfUsers") ? user : item;
                String prefix = table.equals("mfUsers") ? "u" : "i";
                Map<String, byte[]> chunk = new java.util.HashMap<>();
                for (int n = 0; n < rows; n++) {
                    chunk.put(prefix + n, row);
                    if (chunk.size() == 50_000 || n == rows - 1) {
                        s.putAll(chunk); // one RocksDB write batch
                        chunk.clear();
                    }
                }
            }
            double fillSeconds = (System.nanoTime() - t0) / 1e9;
            Random rnd = new Random(1);
            long offset = 0;
            int warm = Math.max(1, batches / 5);
            long start = 0;
            for (int bt = 0; bt < warm + batches; bt++) {
                if (bt == warm) {
                    start = System.nanoTime();
                }
                for (int i = 0; i < spec.batchSize(); i++) {
                    h.processElement(new StreamRecord<>(new InteractionRecord(
                            "m",
                            "u" + rnd.nextInt(rows),
                            "i" + rnd.nextInt(rows),
                            Double.NaN,
                            offset,
                            "interactions",
                            0,
                            offset++)));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "mf on RocksDB: %,d rows per table (filled in %.1f s), k=16 adagrad, batch 64, 4 negatives:"
                            + " %,d batches in %.2f s = %,.0f interactions/s (%.2f ms per batch); load average %.1f"
                            + " on %d cores; row %d bytes%n",
                    rows,
                    fillSeconds,
                    batches,
                    seconds,
                    batches * spec.batchSize() / seconds,
                    seconds * 1000 / batches,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors(),
                    user.length);
        }
    }
}

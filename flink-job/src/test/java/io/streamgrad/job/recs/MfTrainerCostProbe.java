package io.streamgrad.job.recs;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionGenerator;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * The job's mf trainer task thread against the offline trainer, in one thread, on the same batches: thread CPU per
 * interaction of {@link MfTrainerOperator} (in Flink's operator harness, versions every 8 steps as {@code bench-recs}
 * publishes them, a checkpoint every {@code --checkpoint-every} interactions) and of {@link MfModel#train}.
 *
 * <p>Not a test: {@code java -cp <flink-job test classpath> io.streamgrad.job.recs.MfTrainerCostProbe [hashmap|rocksdb]
 * [interactions] [checkpoint-every]}.
 */
public final class MfTrainerCostProbe {
    static final String YAML = """
            model: {type: mf, dim: 32, init_std: 0.1}
            loss: logistic
            negatives: {count: 4, pool: 1000, sampler: uniform_recent}
            optimizer: {type: adagrad, learning_rate: 0.1}
            regularization: {l2: 0.0001}
            evaluation: {top_k: 10}
            batch_size: 256
            seed: 7
            """;

    private static final int BATCH = 256;

    private MfTrainerCostProbe() {}

    /** Thread CPU per interaction, in microseconds, of one round over the same interactions. */
    record Result(
            String backend,
            int interactions,
            double offlineUs,
            double operatorUs,
            double flushUs,
            long checkpoints,
            double snapshotUs,
            long versions) {
        double ratio() {
            return offlineUs / operatorUs;
        }
    }

    public static void main(String[] argv) throws Exception {
        String backend = argv.length > 0 ? argv[0] : "hashmap";
        int n = argv.length > 1 ? Integer.parseInt(argv[1]) : 1_280_000;
        int checkpointEvery = argv.length > 2 ? Integer.parseInt(argv[2]) : 40_000;
        List<Interaction> data = data(n);
        for (int round = 0; round < 2; round++) { // round 0 warms the JIT
            Result r = run(backend, data, checkpointEvery);
            System.out.printf(
                    Locale.ROOT,
                    "round %d, %s, %,d interactions: offline %.2f us/interaction, operator %.2f us/interaction"
                            + " (of which the flush before the barrier %.2f; %d checkpoints, whose snapshot took %.2f"
                            + " more; %d versions): offline/operator %.2f%n",
                    round,
                    r.backend(),
                    r.interactions(),
                    r.offlineUs(),
                    r.operatorUs(),
                    r.flushUs(),
                    r.checkpoints(),
                    r.snapshotUs(),
                    r.versions(),
                    r.ratio());
        }
    }

    /** {@code bench-recs}'s interactions: 1.1 M users, 1,000 items, whole versions of 8 batches of 256. */
    static List<Interaction> data(int n) {
        int unit = BATCH * 8;
        return InteractionGenerator.generate(42, 1_100_000, 1_000, 8, Math.max(unit, n / unit * unit), 1.0, 0.5, 2.0);
    }

    static Result run(String backend, List<Interaction> data, int checkpointEvery) throws Exception {
        var threads = ManagementFactory.getThreadMXBean();
        int n = data.size();
        MfModel model = new MfModel(MfConfig.parse(YAML));
        long c0 = threads.getCurrentThreadCpuTime();
        for (int s = 0; s < n / BATCH; s++) {
            model.train(new ArrayList<>(data.subList(s * BATCH, (s + 1) * BATCH)));
        }
        double offline = (threads.getCurrentThreadCpuTime() - c0) / 1e3 / n;
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, TrainingMetrics>(
                new MfTrainerOperator(new MfTrainer(
                        new RecsModels("interactions", Map.of("m", YAML), 0, 10_000),
                        0,
                        100,
                        new MfVersions.Policy(8, 0, 1_000_000, 86_400, 10_000))),
                r -> r.modelId,
                Types.STRING,
                128,
                1,
                0)) {
            Path dir = Files.createTempDirectory("mf-cost-probe-");
            try {
                h.setStateBackend(
                        backend.equals("rocksdb") ? new EmbeddedRocksDBStateBackend(true) : new HashMapStateBackend());
                h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
                h.open();
                long checkpoints = 0;
                long snapshotNanos = 0;
                long flushNanos = 0;
                long versions = 0;
                c0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    Interaction x = data.get(i);
                    h.processElement(new StreamRecord<>(new InteractionRecord(
                            "m", x.user(), x.item(), Double.NaN, x.timeMs(), "interactions", 0, i)));
                    if ((i + 1) % 2_048 == 0) {
                        var out = h.getSideOutput(MfVersions.VERSIONS);
                        versions += out == null
                                ? 0
                                : out.stream()
                                        .filter(v -> ((StreamRecord<RecsVersion>) v)
                                                        .getValue()
                                                        .getPart()
                                                == 0)
                                        .count();
                        if (out != null) {
                            out.clear();
                        }
                        h.getOutput().clear();
                    }
                    if (checkpointEvery > 0 && (i + 1) % checkpointEvery == 0) {
                        // the flush runs in the task thread; a snapshot's asynchronous part does not (here it does:
                        // its time is left out)
                        long t = threads.getCurrentThreadCpuTime();
                        h.prepareSnapshotPreBarrier(++checkpoints);
                        long t1 = threads.getCurrentThreadCpuTime();
                        flushNanos += t1 - t;
                        h.snapshot(checkpoints, i);
                        snapshotNanos += threads.getCurrentThreadCpuTime() - t1;
                    }
                }
                double operator = (threads.getCurrentThreadCpuTime() - c0 - snapshotNanos) / 1e3 / n;
                return new Result(
                        backend,
                        n,
                        offline,
                        operator,
                        flushNanos / 1e3 / n,
                        checkpoints,
                        snapshotNanos / 1e3 / n,
                        versions);
            } finally {
                MfStateScaleBench.deleteTree(dir);
            }
        }
    }
}

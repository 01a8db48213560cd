package io.streamgrad.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JMH suite: the same cases as {@link BenchMain}, one training step (or one product) per invocation, inputs
 * built in {@code @Setup}, every result returned so JMH's blackhole keeps the work.
 *
 * <p>Scores are operations (batches, products) per second; multiply by the batch size for examples/s, and by
 * {@link MlpFlops#trainingFlopsPerExample} for the MLP's GFLOP/s. Run, after {@code mvn -pl bench -am package}:
 * <pre>
 * java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main StreamgradBenchmarks -f 1 -wi 3 -i 5
 * java -cp ... org.openjdk.jmh.Main 'StreamgradBenchmarks.mlp' -p impl=dl4j -p batch=128 -p threads=1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class StreamgradBenchmarks {

    /** ND4J's float32 gemm: 1024^3, or the eight products of one MLP step at a batch size. */
    @State(Scope.Thread)
    public static class GemmState {
        @Param({"square1024", "mlp32", "mlp128", "mlp512"})
        public String shape;

        @Param({"1"})
        public int threads;

        Gemm.Square square;
        Gemm.MlpStep step;

        @Setup(Level.Trial)
        public void setUp() {
            NativeThreads.set(threads);
            if ("square1024".equals(shape)) {
                square = new Gemm.Square(1024, 1024, 1024, BenchMain.SEED);
            } else {
                int batch = Integer.parseInt(shape.substring("mlp".length()));
                step = new Gemm.MlpStep(MlpFlops.benchWidths(), batch, BenchMain.SEED);
            }
        }
    }

    /** The 784-256-128-10 MLP with Adam: streamgrad's trainer or DL4J's network on the same data. */
    @State(Scope.Thread)
    public static class MlpState {
        @Param({"streamgrad", "dl4j"})
        public String impl;

        @Param({"32", "128", "512"})
        public int batch;

        @Param({"1"})
        public int threads;

        TrainLoop ours;
        Dl4jMlp theirs;
        int i;

        @Setup(Level.Trial)
        public void setUp() {
            NativeThreads.set(threads);
            DenseData.Dataset data = DenseData.mnistShaped(BenchMain.SEED, batch, BenchMain.pool(batch, 8192));
            switch (impl) {
                case "streamgrad" -> ours = new TrainLoop(BenchConfigs.mlp(batch), data.batches());
                case "dl4j" -> theirs = Dl4jMlp.over(data, BenchMain.SEED);
                default -> throw new IllegalArgumentException("impl: expected streamgrad | dl4j, got " + impl);
            }
        }
    }

    /** Logistic regression on 2^20 hashed features, ~30 non-zeros per row. */
    @State(Scope.Thread)
    public static class SparseLogisticState {
        @Param({"sgd", "ftrl"})
        public String optimizer;

        @Param({"64", "256"})
        public int batch;

        @Param({"true", "false"})
        public boolean sparseUpdates;
        /** Feature popularity: 0 uniform (worst case for caches), 1.0 Zipf (realistic hashed categories). */
        @Param({"0", "1.0"})
        public double zipf;

        TrainLoop loop;

        @Setup(Level.Trial)
        public void setUp() {
            loop = new TrainLoop(
                    BenchConfigs.logistic(SparseData.HASH_DIM, BenchConfigs.optimizer(optimizer), batch, sparseUpdates),
                    BenchMain.sparseData(batch, zipf).batches());
        }
    }

    /** A factorization machine, k = 16, on the same sparse data, lazy updates. */
    @State(Scope.Thread)
    public static class FmState {
        @Param({"sgd", "adagrad"})
        public String optimizer;

        @Param({"64", "256"})
        public int batch;

        @Param({"0", "1.0"})
        public double zipf;

        TrainLoop loop;

        @Setup(Level.Trial)
        public void setUp() {
            loop = new TrainLoop(
                    BenchConfigs.fm(SparseData.HASH_DIM, BenchConfigs.optimizer(optimizer), batch, true),
                    BenchMain.sparseData(batch, zipf).batches());
        }
    }

    @Benchmark
    public double gemm(GemmState s) {
        return s.square != null ? s.square.run() : s.step.run();
    }

    @Benchmark
    public double mlp(MlpState s) {
        return s.ours != null ? s.ours.step() : s.theirs.fit(s.i++);
    }

    @Benchmark
    public double logistic(SparseLogisticState s) {
        return s.loop.step();
    }

    @Benchmark
    public double fm(FmState s) {
        return s.loop.step();
    }
}

package io.streamgrad.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.data.Batch;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The benchmarks measure what they claim: their inputs, shapes, counts and formulas are checked here. */
class BenchSetupTest {

    @Test
    void sparseData_rowsHaveAbout30DistinctIndicesInsideTheHashSpace() {
        SparseData.Dataset d = SparseData.logistic(7L, SparseData.HASH_DIM, 30, 64, 20);

        assertThat(d.batches()).hasSize(20);
        long total = 0;
        for (Batch b : d.batches()) {
            assertThat(b.isSparse()).isTrue();
            assertThat(b.size()).isEqualTo(64);
            assertThat(b.dim()).isEqualTo(1 << 20);
            for (int r = 0; r < b.size(); r++) {
                int from = b.rowPtr()[r];
                int to = b.rowPtr()[r + 1];
                assertThat(to - from).isBetween(20, 40);
                Set<Integer> seen = new HashSet<>();
                for (int p = from; p < to; p++) {
                    assertThat(b.indices()[p]).isBetween(0, (1 << 20) - 1);
                    assertThat(seen.add(b.indices()[p]))
                            .as("index repeated in row %d", r)
                            .isTrue();
                    assertThat(b.values()[p]).isEqualTo(1f);
                }
                assertThat(b.labels()[r]).isIn(0f, 1f);
                total += to - from;
            }
        }
        assertThat(total / (20.0 * 64)).isBetween(28.5, 31.5);
    }

    @Test
    void sparseData_labelsFollowTheTeacher() {
        SparseData.Dataset d = SparseData.logistic(11L, SparseData.HASH_DIM, 30, 256, 40);

        // The teacher's own log-loss must be well below that of a coin (ln 2 = 0.693): the data is learnable.
        double loss = 0;
        long n = 0;
        for (Batch b : d.batches()) {
            for (int r = 0; r < b.size(); r++) {
                double logit = 0;
                for (int p = b.rowPtr()[r]; p < b.rowPtr()[r + 1]; p++) {
                    logit += d.trueWeights()[b.indices()[p]] * b.values()[p];
                }
                double prob = 1 / (1 + Math.exp(-logit));
                loss -= b.labels()[r] == 1f ? Math.log(prob) : Math.log(1 - prob);
                n++;
            }
        }
        assertThat(loss / n).isLessThan(0.5);
    }

    @Test
    void sparseData_zipfPopularity_concentratesOnHotFeaturesWithDistinctIndicesPerRow() {
        SparseData.Dataset uniform = SparseData.logistic(13L, SparseData.HASH_DIM, 30, 256, 8, 0);
        SparseData.Dataset zipf = SparseData.logistic(13L, SparseData.HASH_DIM, 30, 256, 8, 1.0);

        assertThat(distinctFeatures(zipf)).isLessThan(distinctFeatures(uniform) / 2);
        for (Batch b : zipf.batches()) {
            for (int r = 0; r < b.size(); r++) {
                Set<Integer> seen = new HashSet<>();
                for (int p = b.rowPtr()[r]; p < b.rowPtr()[r + 1]; p++) {
                    assertThat(b.indices()[p]).isBetween(0, (1 << 20) - 1);
                    assertThat(seen.add(b.indices()[p])).isTrue();
                }
            }
        }
        assertThatThrownBy(() -> SparseData.logistic(1L, 1000, 30, 8, 1, 1.0)).hasMessageContaining("power of two");
    }

    private static int distinctFeatures(SparseData.Dataset d) {
        Set<Integer> all = new HashSet<>();
        for (Batch b : d.batches()) {
            for (int p = 0; p < b.rowPtr()[b.size()]; p++) {
                all.add(b.indices()[p]);
            }
        }
        return all.size();
    }

    @Test
    void sparseData_sameSeed_sameBatches() {
        SparseData.Dataset a = SparseData.logistic(3L, 1 << 16, 30, 32, 3);
        SparseData.Dataset b = SparseData.logistic(3L, 1 << 16, 30, 32, 3);

        for (int i = 0; i < 3; i++) {
            assertThat(a.batches().get(i).indices())
                    .isEqualTo(b.batches().get(i).indices());
            assertThat(a.batches().get(i).labels()).isEqualTo(b.batches().get(i).labels());
        }
        assertThat(a.trueWeights()).isEqualTo(b.trueWeights());
    }

    @Test
    void denseData_hasMnistShapesAndValidClassLabels() {
        DenseData.Dataset d = DenseData.mnistShaped(5L, 32, 3);

        assertThat(d.batches()).hasSize(3);
        Set<Float> classes = new HashSet<>();
        for (Batch b : d.batches()) {
            assertThat(b.isSparse()).isFalse();
            assertThat(b.dense()).hasSize(32 * 784);
            for (float v : b.dense()) {
                assertThat(v).isBetween(0f, 1f);
            }
            for (int r = 0; r < 32; r++) {
                assertThat(b.labels()[r]).isIn(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f);
                classes.add(b.labels()[r]);
            }
        }
        assertThat(classes).as("the teacher uses several classes").hasSizeGreaterThan(3);
    }

    @Test
    void mlpFlops_countsForwardAndBothBackwardProducts() {
        List<Integer> w = MlpFlops.benchWidths();

        assertThat(w).containsExactly(784, 256, 128, 10);
        assertThat(MlpFlops.weightProducts(w)).isEqualTo(784 * 256 + 256 * 128 + 128 * 10);
        // forward 2P + weight gradients 2P + input gradients of layers 2 and 3 only.
        long p = 234_752;
        assertThat(MlpFlops.trainingFlopsPerExample(w))
                .isEqualTo(2 * p + 2 * p + 2 * (256 * 128 + 128 * 10))
                .isEqualTo(1_007_104);
    }

    @Test
    void dl4jNetwork_hasTheBenchmarkMlpsParameterCount() {
        MultiLayerNetwork net = Dl4jMlp.network(1L);

        long expected = (784 * 256 + 256) + (256 * 128 + 128) + (128 * 10 + 10);
        assertThat(net.numParams()).isEqualTo(expected).isEqualTo(235_146);
        assertThat(net.getnLayers()).isEqualTo(3);
    }

    @Test
    void dl4jNetwork_andStreamgradMlp_haveTheSameParameterCount() {
        TrainLoop ours = new TrainLoop(
                BenchConfigs.mlp(32), DenseData.mnistShaped(1L, 32, 1).batches());

        assertThat((long) ours.state().params().length)
                .isEqualTo(Dl4jMlp.network(1L).numParams())
                .isEqualTo(MlpFlops.benchParams());
    }

    @Test
    void benchmarkTrainers_trainWithoutRejectedBatches() {
        int dim = 1 << 12;
        List<Batch> sparse = SparseData.logistic(17L, dim, 30, 64, 8).batches();
        List<TrainLoop> loops = List.of(
                new TrainLoop(BenchConfigs.logistic(dim, BenchConfigs.sgd(), 64, true), sparse),
                new TrainLoop(BenchConfigs.logistic(dim, BenchConfigs.sgd(), 64, false), sparse),
                new TrainLoop(BenchConfigs.logistic(dim, BenchConfigs.ftrl(), 64, true), sparse),
                new TrainLoop(BenchConfigs.logistic(dim, BenchConfigs.ftrl(), 64, false), sparse),
                new TrainLoop(BenchConfigs.fm(dim, BenchConfigs.sgd(), 64, true), sparse),
                new TrainLoop(BenchConfigs.fm(dim, BenchConfigs.adagrad(), 64, true), sparse),
                new TrainLoop(
                        BenchConfigs.mlp(16), DenseData.mnistShaped(3L, 16, 2).batches()));

        for (TrainLoop loop : loops) {
            double first = 0;
            double last = 0;
            for (int i = 0; i < 40; i++) {
                double loss = loop.step();
                if (i < 8) {
                    first += loss;
                } else if (i >= 32) {
                    last += loss;
                }
            }
            String what = loop.trainer().config().model().type() + "/"
                    + loop.trainer().config().optimizer().type();
            assertThat(loop.state().skippedBatches()).as(what).isZero();
            assertThat(loop.state().examplesSeen()).as(what).isEqualTo(40L * loop.batchSize());
            assertThat(last)
                    .as(what + ": the loss over the same batches goes down")
                    .isFinite()
                    .isLessThan(first);
        }
    }

    @Test
    void dl4jMlp_trainsOnTheBenchmarkBatches() {
        DenseData.Dataset data = DenseData.mnistShaped(9L, 64, 2);
        Dl4jMlp mlp = Dl4jMlp.over(data, 9L);
        INDArray[] xy = Dl4jMlp.toArrays(data.batches().get(0), 10);

        assertThat(xy[0].shape()).containsExactly(64, 784);
        assertThat(xy[1].sum(1).toFloatVector()).containsOnly(1f);
        double first = mlp.fit(0);
        double later = first;
        for (int i = 0; i < 30; i++) {
            later = mlp.fit(0);
        }
        assertThat(later).isFinite().isLessThan(first);
    }

    @Test
    void gemm_mlpStepComputesTheCountedFlops() {
        Gemm.MlpStep step = new Gemm.MlpStep(MlpFlops.benchWidths(), 16, 1L);
        Gemm.Square square = new Gemm.Square(8, 4, 2, 1L);

        assertThat(step.flops()).isEqualTo(16L * 1_007_104);
        assertThat(step.run()).isFinite();
        assertThat(square.flops()).isEqualTo(2 * 8 * 4 * 2);
        assertThat(square.run()).isFinite();
    }

    @Test
    void stopwatch_reportsPositiveRatesPerWindow() {
        Stopwatch.Rate r = Stopwatch.measure(new Stopwatch.Plan(0.01, 0.01, 3), () -> Math.sqrt(2));

        assertThat(r.perSecond()).hasSize(3);
        assertThat(r.perCpuSecond()).hasSize(3);
        assertThat(r.cpuMedian()).isPositive();
        assertThat(r.min()).isPositive().isLessThanOrEqualTo(r.median()).isLessThanOrEqualTo(r.max());
        assertThat(r.times(2).median()).isEqualTo(2 * r.median());
        assertThat(r.ratioTo(r, true)).isEqualTo(1.0);
        assertThat(r.concat(r).perSecond()).hasSize(6);
    }

    @Test
    void options_parseThreadListsAndRejectBadValues() {
        BenchMain.Options o = BenchMain.Options.parse(new String[] {"--quick", "--threads", "1,2", "--only", "dl4j"});

        assertThat(o.quick).isTrue();
        assertThat(o.threads).containsExactly(1, 2);
        assertThat(o.only.pattern()).isEqualTo("dl4j");
        assertThat(BenchMain.Options.parse(new String[] {"--quick"}).threads).containsExactly(1);
        assertThat(BenchMain.Options.parse(new String[0]).threads).containsExactly(1, 2);
        assertThatThrownBy(() -> BenchMain.Options.parse(new String[] {"--threads", "0"}))
                .hasMessageContaining("--threads");
        assertThatThrownBy(() -> BenchMain.Options.parse(new String[] {"--bogus"}))
                .hasMessageContaining("--bogus");
    }

    @Test
    void benchConfigs_nameTheOptimizersTheBenchmarksUse() {
        assertThat(BenchConfigs.logistic(1 << 20, BenchConfigs.ftrl(), 64, true)
                        .regularization()
                        .l1())
                .isEqualTo(BenchConfigs.ftrl().l1());
        assertThat(BenchConfigs.mlp(128).model().hidden()).containsExactly(256, 128);
        assertThat(BenchConfigs.fm(1 << 20, BenchConfigs.sgd(), 64, true)
                        .model()
                        .factors())
                .isEqualTo(16);
        assertThatThrownBy(() -> BenchConfigs.optimizer("lbfgs")).hasMessageContaining("lbfgs");
    }
}

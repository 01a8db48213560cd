package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.loss.Losses;
import io.streamgrad.learner.model.TestData.Labels;
import io.streamgrad.learner.util.Rng;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sparse-friendly models give the same outputs and gradients for a batch in CSR form (with duplicate
 * indices) and in dense form, and with sparse updates they touch exactly the present features plus the biases.
 */
class SparseDenseTest {
    static Stream<ModelSpec> specs() {
        return Stream.of(TestData.linear(40), TestData.logistic(40), TestData.softmax(40, 3), TestData.fm(40, 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void csrAndDenseForms_giveSameOutputsAndGradients(ModelSpec spec) {
        Rng rng = new Rng(11);
        Model model = Models.create(spec);
        Batch sparse = TestData.sparse(rng, 9, spec.features(), 8, Labels.REGRESSION, 1);
        Batch dense = TestData.toDense(sparse);
        float[] params = TestData.randomParams(rng, model.numParams(), 0.5);
        int n = sparse.size();
        int k = model.numOutputs();
        float[] rawS = new float[n * k];
        float[] rawD = new float[n * k];
        model.forward(params, sparse, rawS);
        model.forward(params, dense, rawD);
        for (int i = 0; i < rawS.length; i++) {
            assertThat(rawS[i]).as("output %d", i).isCloseTo(rawD[i], org.assertj.core.api.Assertions.within(1e-5f));
        }

        float[] dRaw = TestData.randomParams(rng, n * k, 1.0);
        float[] gradS = new float[model.numParams()];
        float[] gradD = new float[model.numParams()];
        model.forward(params, sparse, rawS);
        model.backward(params, sparse, dRaw, gradS, null);
        model.forward(params, dense, rawD);
        model.backward(params, dense, dRaw, gradD, null);
        for (int i = 0; i < gradS.length; i++) {
            assertThat(gradS[i])
                    .as("gradient %d", i)
                    .isCloseTo(gradD[i], org.assertj.core.api.Assertions.within(1e-5f));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void sparseUpdates_touchExactlyPresentFeaturesAndBiases_andGiveTheSameGradientThere(ModelSpec spec) {
        Rng rng = new Rng(23);
        Model model = Models.create(spec);
        Batch sparse = TestData.sparse(rng, 5, spec.features(), 4, Labels.BINARY, 1);
        float[] params = TestData.randomParams(rng, model.numParams(), 0.5);
        int n = sparse.size();
        int k = model.numOutputs();
        float[] raw = new float[n * k];
        float[] dRaw = TestData.randomParams(rng, n * k, 1.0);

        TreeSet<Integer> present = new TreeSet<>();
        for (int p = 0; p < sparse.rowPtr()[n]; p++) {
            present.add(sparse.indices()[p]);
        }
        TreeSet<Integer> expected = expectedTouched(spec, present);

        float[] full = new float[model.numParams()];
        model.forward(params, sparse, raw);
        model.backward(params, sparse, dRaw, full, null);

        for (Batch b : new Batch[] {sparse, TestData.toDense(sparse)}) {
            TouchedSet touched = new TouchedSet(model.numParams());
            float[] grad = new float[model.numParams()];
            model.forward(params, b, raw);
            model.backward(params, b, dRaw, grad, touched);
            TreeSet<Integer> got = new TreeSet<>();
            for (int i = 0; i < touched.count(); i++) {
                got.add(touched.indices()[i]);
            }
            assertThat(touched.count()).as("no index twice").isEqualTo(got.size());
            assertThat(got)
                    .as("touched set, %s batch", b.isSparse() ? "sparse" : "dense")
                    .isEqualTo(expected);
            for (int i = 0; i < grad.length; i++) {
                if (!expected.contains(i)) {
                    assertThat(grad[i]).as("untouched gradient %d", i).isZero();
                    assertThat(full[i])
                            .as("full gradient %d outside the touched set", i)
                            .isZero();
                } else {
                    assertThat(grad[i])
                            .as("gradient %d", i)
                            .isCloseTo(full[i], org.assertj.core.api.Assertions.within(1e-5f));
                }
            }
        }
    }

    /** linear/softmax: W[c][j] for every class and present j, plus the k biases; fm: w0, w_j, V row j. */
    private static TreeSet<Integer> expectedTouched(ModelSpec spec, TreeSet<Integer> present) {
        int d = spec.features();
        TreeSet<Integer> t = new TreeSet<>();
        if (spec.type() == ModelKind.FM) {
            int f = spec.factors();
            t.add(0);
            for (int j : present) {
                t.add(1 + j);
                for (int q = 0; q < f; q++) {
                    t.add(1 + d + j * f + q);
                }
            }
            return t;
        }
        int k = spec.outputs();
        for (int j : present) {
            for (int c = 0; c < k; c++) {
                t.add(c * d + j);
            }
        }
        for (int c = 0; c < k; c++) {
            t.add(k * d + c);
        }
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void backward_addsIntoExistingGradient(ModelSpec spec) {
        Rng rng = new Rng(5);
        Model model = Models.create(spec);
        Batch batch = TestData.sparse(rng, 4, spec.features(), 5, Labels.REGRESSION, 1);
        float[] params = TestData.randomParams(rng, model.numParams(), 0.5);
        float[] raw = new float[4 * model.numOutputs()];
        float[] dRaw = TestData.randomParams(rng, raw.length, 1.0);
        float[] once = new float[model.numParams()];
        model.forward(params, batch, raw);
        model.backward(params, batch, dRaw, once, null);
        float[] start = TestData.randomParams(rng, model.numParams(), 1.0);
        float[] acc = start.clone();
        model.backward(params, batch, dRaw, acc, null);
        for (int i = 0; i < acc.length; i++) {
            assertThat(acc[i])
                    .as("gradient %d", i)
                    .isCloseTo(start[i] + once[i], org.assertj.core.api.Assertions.within(1e-5f));
        }
        assertThat(Arrays.equals(acc, start)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void hugeHashSpace_sparseStep_touchesOnlyPresentCoordinates() {
        int d = 1 << 20;
        Model model = Models.create(TestData.logistic(d));
        Rng rng = new Rng(3);
        Batch batch = TestData.sparse(rng, 128, d, 30, Labels.BINARY, 1);
        float[] params = new float[model.numParams()];
        model.initParams(params, rng);
        float[] raw = new float[128];
        model.forward(params, batch, raw);
        float[] dRaw = new float[128];
        Losses.create("binary_cross_entropy", 1).lossAndGradient(raw, batch.labels(), batch.weights(), 128, 1, dRaw);
        TouchedSet touched = new TouchedSet(model.numParams());
        float[] grad = new float[model.numParams()];
        model.backward(params, batch, dRaw, grad, touched);
        assertThat(touched.count()).isBetween(2, (int) batch.nnz() + 1);
        assertThat(touched.contains(d)).as("the bias").isTrue();
    }
}

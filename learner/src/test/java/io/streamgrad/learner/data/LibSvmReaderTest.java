package io.streamgrad.learner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class LibSvmReaderTest {
    static final TrainerConfig BINARY = ConfigParser.parse(
            "model: {type: logistic, features: 5}\nloss: binary_cross_entropy\noptimizer: {type: sgd}\n");
    static final TrainerConfig MULTI =
            ConfigParser.parse("model: {type: softmax, features: 5, classes: 3}\nloss: categorical_cross_entropy\n"
                    + "optimizer: {type: sgd}\n");
    static final TrainerConfig REGRESSION =
            ConfigParser.parse("model: {type: linear, features: 5}\nloss: mse\noptimizer: {type: sgd}\n");

    private static Dataset read(TrainerConfig c, ReadOptions o, String text) throws IOException {
        return new LibSvmReader(c, o).read(new BufferedReader(new StringReader(text)), "train.svm");
    }

    private static Dataset read(TrainerConfig c, String text) throws IOException {
        return read(c, ReadOptions.defaults().withDensity(ReadOptions.Density.SPARSE), text);
    }

    @Test
    void read_oneBasedIndices_storedZeroBased_commentsQidAndBlankLinesIgnored() throws IOException {
        Dataset d = read(BINARY, """
                # a header comment
                1 qid:3 1:0.5 5:-2 # trailing comment

                -1 3:1e-3\t2:4
                """);

        assertThat(d.size()).isEqualTo(2);
        Batch b = d.batch(0, 2);
        assertThat(b.isSparse()).isTrue();
        assertThat(b.rowPtr()).containsExactly(0, 2, 4);
        assertThat(b.indices()).containsExactly(0, 4, 2, 1);
        assertThat(b.values()).containsExactly(0.5f, -2f, 1e-3f, 4f);
        assertThat(b.labels()).containsExactly(1f, 0f);
        assertThat(b.weights()).containsExactly(1f, 1f);
        assertThat(d.report()).isEqualTo(new ReadReport("train.svm", 4, 2, 0, java.util.List.of()));
    }

    @Test
    void read_binaryLabels_acceptZeroOneAndPlusMinusOne() throws IOException {
        Dataset d = read(BINARY, "0 1:1\n1 1:1\n-1 1:1\n+1 1:1\n1.0 1:1\n");

        assertThat(d.batch(0, 5).labels()).containsExactly(0f, 1f, 0f, 1f, 1f);
    }

    @Test
    void read_nonBinaryLabel_failsWithFileLineAndFix() {
        assertThatThrownBy(() -> read(BINARY, "1 1:1\n2 1:1\n"))
                .isInstanceOf(DataFormatException.class)
                .hasMessage("train.svm:2: label '2' is not binary (binary_cross_entropy needs 0/1 or -1/+1 labels)");
    }

    @Test
    void read_classIndexOutOfRange_failsNamingClasses() {
        assertThatThrownBy(() -> read(MULTI, "0 1:1\n2 1:1\n3 1:1\n"))
                .hasMessage("train.svm:3: label '3' is not a class index (categorical_cross_entropy needs class "
                        + "indices 0..2 (model.classes: 3); renumber the classes from 0)");
        assertThatThrownBy(() -> read(MULTI, "1.5 1:1\n"))
                .hasMessageStartingWith("train.svm:1: label '1.5' is not " + "a class index");
    }

    @Test
    void read_regressionLabels_anyFiniteNumber() throws IOException {
        assertThat(read(REGRESSION, "-3.25 1:1\n1e3 2:1\n").batch(0, 2).labels())
                .containsExactly(-3.25f, 1000f);
        assertThatThrownBy(() -> read(REGRESSION, "NaN 1:1\n"))
                .hasMessageStartingWith("train.svm:1: label 'NaN' is " + "not finite");
    }

    @Test
    void read_badIndices_failWithReasonAndFix() {
        assertThatThrownBy(() -> read(BINARY, "1 0:1\n"))
                .hasMessage("train.svm:1: feature index 0: LibSVM " + "indices are 1-based (shift every index by 1)");
        assertThatThrownBy(() -> read(BINARY, "1 6:1\n"))
                .hasMessage("train.svm:1: feature index 6 exceeds "
                        + "model.features = 5 (indices are 1-based, so at most 5; raise model.features or re-index)");
        assertThatThrownBy(() -> read(BINARY, "1 x:1\n"))
                .hasMessageStartingWith("train.svm:1: feature index 'x' " + "is not a positive integer");
        assertThatThrownBy(() -> read(BINARY, "1 -2:1\n"))
                .hasMessageStartingWith("train.svm:1: feature index " + "'-2' is not a positive integer");
        assertThatThrownBy(() -> read(BINARY, "1 99999999999:1\n"))
                .hasMessageStartingWith("train.svm:1: feature " + "index 99999999999 is too large");
    }

    @Test
    void read_badValues_failWithReason() {
        assertThatThrownBy(() -> read(BINARY, "1 1:abc\n"))
                .hasMessage("train.svm:1: value 'abc' of feature 1 is " + "not a number");
        assertThatThrownBy(() -> read(BINARY, "1 1:inf\n"))
                .hasMessageStartingWith("train.svm:1: value 'inf' of " + "feature 1 is not a number");
        assertThatThrownBy(() -> read(BINARY, "1 1:NaN\n"))
                .hasMessageStartingWith("train.svm:1: value 'NaN' of " + "feature 1 is not finite");
        assertThatThrownBy(() -> read(BINARY, "1 1\n")).hasMessage("train.svm:1: token '1' is not index:value");
    }

    @Test
    void read_missingLabel_isErrorForTraining_butAllowedForPrediction() throws IOException {
        assertThatThrownBy(() -> read(BINARY, "1:0.5 2:1\n")).hasMessageStartingWith("train.svm:1: missing label");

        Dataset d = read(BINARY, ReadOptions.defaults().withRequireLabels(false), "1:0.5 2:1\n7 1:1\n");
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.label(0)).isNaN();
        assertThat(d.label(1)).isEqualTo(7f);
    }

    @Test
    void read_skipPolicy_countsBadLinesAndKeepsTheRest() throws IOException {
        Dataset d = read(BINARY, ReadOptions.defaults().withOnError(OnError.SKIP), "1 1:1\n2 1:1\n0 9:1\n0 2:2\n");

        assertThat(d.size()).isEqualTo(2);
        assertThat(d.batch(0, 2).labels()).containsExactly(1f, 0f);
        assertThat(d.report().skipped()).isEqualTo(2);
        assertThat(d.report().problems())
                .containsExactly(
                        "train.svm:2: label '2' is not binary (binary_cross_entropy needs 0/1 or -1/+1 labels)",
                        "train.svm:3: feature index 9 exceeds model.features = 5 (indices are 1-based, so at most 5; raise "
                                + "model.features or re-index)");
    }

    @Test
    void read_autoDensity_isCsrEvenWhenMostValuesArePresent_asTheJobBatchesSparseExamples() throws IOException {
        Dataset full = read(BINARY, ReadOptions.defaults(), "1 1:1 2:2 3:3 4:4 5:5\n0 4:4 5:5 1:1\n");
        Dataset forcedDense = read(
                BINARY,
                ReadOptions.defaults().withDensity(ReadOptions.Density.DENSE),
                "1 1:1 2:2 3:3\n0 4:4 5:5 1:1\n");

        assertThat(full.isDense()).isFalse();
        assertThat(full.batch(0, 2).rowPtr()).containsExactly(0, 5, 8);
        assertThat(forcedDense.batch(0, 2).dense()).containsExactly(1, 2, 3, 0, 0, 1, 0, 0, 4, 5);
    }

    @Test
    void read_duplicateIndices_areSummedInDenseForm() throws IOException {
        Dataset d = read(REGRESSION, ReadOptions.defaults().withDensity(ReadOptions.Density.DENSE), "1 2:1 2:0.5\n");

        assertThat(d.batch(0, 1).dense()).containsExactly(0, 1.5f, 0, 0, 0);
    }
}

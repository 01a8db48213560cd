package io.streamgrad.learner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class CsvReaderTest {
    private static final TrainerConfig THREE_FEATURES = ConfigParser.parse(
            "model: {type: logistic, features: 3}\nloss: binary_cross_entropy\noptimizer: {type: sgd}\n");
    private static final TrainerConfig HASHED = ConfigParser.parse(
            "model: {type: logistic, features: 1024}\nloss: binary_cross_entropy\noptimizer: {type: sgd}\n");

    private static Dataset read(TrainerConfig c, ReadOptions o, String text) throws IOException {
        return new CsvReader(c, o).read(new BufferedReader(new StringReader(text)), "data.csv");
    }

    private static Dataset read(TrainerConfig c, String text) throws IOException {
        return read(c, ReadOptions.defaults(), text);
    }

    @Test
    void read_featureCountEqualsModelFeatures_denseInHeaderOrderWithoutLabel() throws IOException {
        Dataset d = read(THREE_FEATURES, "a,label,b,c\n1,1,2,3\n4,0,5,6\n");

        assertThat(d.isDense()).isTrue();
        Batch b = d.batch(0, 2);
        assertThat(b.dense()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(b.labels()).containsExactly(1f, 0f);
    }

    @Test
    void read_autoDensity_denseCsvStaysDenseEvenWhenMostlyZero_hashedCsvIsCsr() throws IOException {
        Dataset zeros = read(THREE_FEATURES, "label,a,b,c\n1,0,0,3\n0,0,0,0\n");
        Dataset hashed = read(HASHED, "label,age,country\n1,42.5,DE\n0,1,FR\n");

        assertThat(zeros.isDense()).isTrue(); // the job batches dense-only examples dense: BatchLayout
        assertThat(zeros.batch(0, 2).dense()).containsExactly(0, 0, 3, 0, 0, 0);
        assertThat(hashed.isDense()).isFalse();
    }

    @Test
    void read_weightColumn_isNeitherFeatureNorLabel() throws IOException {
        Dataset d = read(
                THREE_FEATURES,
                ReadOptions.defaults().withWeightColumn("w"),
                "y,a,w,b,c\n1,1,0.5,2,3\n-1,4,2,5,6\n".replace("y,", "label,"));

        Batch b = d.batch(0, 2);
        assertThat(b.dense()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(b.weights()).containsExactly(0.5f, 2f);
        assertThat(b.labels()).containsExactly(1f, 0f);
    }

    @Test
    void read_otherFeatureCount_hashesNamedFeatures_numericAndCategorical() throws IOException {
        Dataset d = read(
                HASHED,
                ReadOptions.defaults().withDensity(ReadOptions.Density.SPARSE),
                "label,age,country,empty\n1,42.5,DE,\n");
        FeatureHasher h = new FeatureHasher(1024);
        int ageHash = h.hash("age");
        int countryHash = h.hash("country=DE");

        Batch b = d.batch(0, 1);
        assertThat(b.isSparse()).isTrue();
        assertThat(b.indices())
                .containsExactly(FeatureHasher.index(ageHash, 1024), FeatureHasher.index(countryHash, 1024));
        assertThat(b.values()).containsExactly(FeatureHasher.sign(ageHash) * 42.5f, FeatureHasher.sign(countryHash));
    }

    @Test
    void read_customLabelColumn_andQuotedFields() throws IOException {
        Dataset d = read(
                HASHED,
                ReadOptions.defaults().withLabelColumn("clicked"),
                "clicked,\"city, state\",note\n1,\"Portland, OR\",\"say \"\"hi\"\"\"\n");
        FeatureHasher h = new FeatureHasher(1024);

        assertThat(d.batch(0, 1).toDenseArray()[FeatureHasher.index(h.hash("city, state=Portland, OR"), 1024)])
                .isEqualTo(FeatureHasher.sign(h.hash("city, state=Portland, OR")));
        assertThat(d.batch(0, 1).toDenseArray()[FeatureHasher.index(h.hash("note=say \"hi\""), 1024)])
                .isEqualTo(FeatureHasher.sign(h.hash("note=say \"hi\"")));
    }

    @Test
    void read_missingLabelColumn_failsOnHeaderLine() {
        assertThatThrownBy(() -> read(THREE_FEATURES, "a,b,c\n1,2,3\n"))
                .isInstanceOf(DataFormatException.class)
                .hasMessage(
                        "data.csv:1: no label column 'label' in the header [a, b, c] (name it with --label-column)");
    }

    @Test
    void read_wrongFieldCount_failsWithLineNumber() {
        assertThatThrownBy(() -> read(THREE_FEATURES, "label,a,b,c\n1,1,2,3\n0,1,2\n"))
                .hasMessage("data.csv:3: has 3 fields, the header has 4 (quote fields that contain commas)");
    }

    @Test
    void read_denseModeNonNumericOrEmptyCell_fails() {
        assertThatThrownBy(() -> read(THREE_FEATURES, "label,a,b,c\n1,1,x,3\n"))
                .hasMessage("data.csv:2: column 'b' value 'x' is not a number");
        assertThatThrownBy(() -> read(THREE_FEATURES, "label,a,b,c\n1,1,,3\n"))
                .hasMessageStartingWith("data.csv:2: column 'b' is empty (dense mode");
    }

    @Test
    void read_badLabel_failsOrIsSkippedAndCounted() throws IOException {
        String text = "label,a,b,c\n1,1,2,3\nyes,1,2,3\n0,1,2,3\n";
        assertThatThrownBy(() -> read(THREE_FEATURES, text))
                .hasMessageStartingWith("data.csv:3: label 'yes' is not " + "a number");

        Dataset d = read(THREE_FEATURES, ReadOptions.defaults().withOnError(OnError.SKIP), text);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.report().skipped()).isEqualTo(1);
        assertThat(d.report().lines()).isEqualTo(4);
    }

    @Test
    void read_emptyFileOrDuplicateColumns_fail() {
        assertThatThrownBy(() -> read(THREE_FEATURES, "")).hasMessageStartingWith("data.csv:1: empty file");
        assertThatThrownBy(() -> read(THREE_FEATURES, "label,a,a,b\n"))
                .hasMessageStartingWith("data.csv:1: column " + "name 'a' appears twice");
    }

    @Test
    void looksNumeric_acceptsDecimalAndScientific_notWords() {
        assertThat(CsvReader.looksNumeric("1")).isTrue();
        assertThat(CsvReader.looksNumeric("-1.5e-3")).isTrue();
        assertThat(CsvReader.looksNumeric(".5")).isTrue();
        assertThat(CsvReader.looksNumeric("NaN")).isFalse();
        assertThat(CsvReader.looksNumeric("1e")).isFalse();
        assertThat(CsvReader.looksNumeric("DE")).isFalse();
        assertThat(CsvReader.looksNumeric("-")).isFalse();
    }
}

package io.streamgrad.job.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.Example;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.data.FeatureHasher;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.FastExampleReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleValidatorTest {
    private static final TrainerConfig BINARY = TestConfigs.parse(TestConfigs.logisticYaml(4, 2));
    private static final TrainerConfig MULTI = TestConfigs.parse(TestConfigs.softmaxYaml(4, 3, 2));
    private static final TrainerConfig REGRESSION = TestConfigs.parse(TestConfigs.linearYaml(4, 2));
    private final ExampleValidator validator =
            new ExampleValidator(NamedFeatures.hasher(), new Limits(1 << 20, 100, 8));

    private static Example.Builder example() {
        return Example.newBuilder()
                .setModelId("m")
                .setEventTime(Instant.ofEpochMilli(5))
                .setDense(List.of())
                .setIndices(List.of())
                .setValues(List.of())
                .setNamed(Map.of())
                .setLabel(1f)
                .setWeight(1f);
    }

    @Test
    void validDenseExample_isCopiedWithLabelWeightAndTime() throws Exception {
        TrainingExample t = validator.validate(
                example().setDense(List.of(1f, 2f, 3f, 4f)).setWeight(0.5f).build(), "m", BINARY);

        assertThat(t.dense).containsExactly(1f, 2f, 3f, 4f);
        assertThat(t.indices).isEmpty();
        assertThat(t.label).isEqualTo(1f);
        assertThat(t.weight).isEqualTo(0.5f);
        assertThat(t.eventTime).isEqualTo(5);
        assertThat(t.isDenseOnly()).isTrue();
    }

    @Test
    void denseOfWrongLength_isRejected_namingBothSizes() {
        assertThatThrownBy(() ->
                        validator.validate(example().setDense(List.of(1f, 2f)).build(), "m", BINARY))
                .isInstanceOf(InvalidExampleException.class)
                .hasMessageContaining("dense has 2 values")
                .hasMessageContaining("model.features=4");
    }

    @Test
    void nonFiniteFeature_isRejected() {
        assertThatThrownBy(() -> validator.validate(
                        example().setDense(List.of(1f, Float.NaN, 3f, 4f)).build(), "m", BINARY))
                .hasMessageContaining("dense[1] is NaN");
        assertThatThrownBy(() -> validator.validate(
                        example()
                                .setIndices(List.of(0))
                                .setValues(List.of(Float.POSITIVE_INFINITY))
                                .build(),
                        "m",
                        BINARY))
                .hasMessageContaining("values[0]");
    }

    @Test
    void sparseIndexOutOfRange_isRejected_sayingIndicesAreZeroBased() {
        assertThatThrownBy(() -> validator.validate(
                        example()
                                .setIndices(List.of(1, 4))
                                .setValues(List.of(1f, 1f))
                                .build(),
                        "m",
                        BINARY))
                .hasMessageContaining("indices[1]=4 is outside [0, 4)")
                .hasMessageContaining("0-based");
        assertThatThrownBy(() -> validator.validate(
                        example().setIndices(List.of(-1)).setValues(List.of(1f)).build(), "m", BINARY))
                .hasMessageContaining("indices[0]=-1");
    }

    @Test
    void indicesAndValuesOfDifferentLength_areRejected() {
        assertThatThrownBy(() -> validator.validate(
                        example()
                                .setIndices(List.of(1, 2))
                                .setValues(List.of(1f))
                                .build(),
                        "m",
                        BINARY))
                .hasMessageContaining("one value per index");
    }

    @Test
    void labels_areCheckedForTheTask() throws Exception {
        assertThatThrownBy(() -> validator.validate(example().setLabel(2f).build(), "m", BINARY))
                .hasMessageContaining("not 0 or 1");
        assertThatThrownBy(() -> validator.validate(example().setLabel(3f).build(), "m", MULTI))
                .hasMessageContaining("class index 0..2");
        assertThatThrownBy(() -> validator.validate(example().setLabel(1.5f).build(), "m", MULTI))
                .hasMessageContaining("class index");
        assertThatThrownBy(
                        () -> validator.validate(example().setLabel(Float.NaN).build(), "m", REGRESSION))
                .hasMessageContaining("must be finite");
        assertThat(validator.validate(example().setLabel(2f).build(), "m", MULTI).label)
                .isEqualTo(2f);
        assertThat(validator.validate(example().setLabel(-7.25f).build(), "m", REGRESSION).label)
                .isEqualTo(-7.25f);
    }

    @Test
    void negativeOrNonFiniteWeight_isRejected() {
        assertThatThrownBy(() -> validator.validate(example().setWeight(-1f).build(), "m", BINARY))
                .hasMessageContaining("weight -1.0");
        assertThatThrownBy(
                        () -> validator.validate(example().setWeight(Float.NaN).build(), "m", BINARY))
                .hasMessageContaining("weight NaN");
    }

    @Test
    void namedFeatures_areHashedLikeTheOfflineReaders_afterTheSparseOnes() throws Exception {
        TrainingExample t = validator.validate(
                example()
                        .setIndices(List.of(3))
                        .setValues(List.of(2f))
                        .setNamed(Map.of("country=fr", 1f, "age", 0.5f))
                        .build(),
                "m",
                BINARY);

        FeatureHasher h = new FeatureHasher(4);
        int age = h.hash("age");
        int country = h.hash("country=fr");
        assertThat(t.indices).containsExactly(3, FeatureHasher.index(age, 4), FeatureHasher.index(country, 4));
        assertThat(t.values).containsExactly(2f, 0.5f * FeatureHasher.sign(age), FeatureHasher.sign(country));
    }

    @Test
    void tooManyNonZeros_isRejected_namingTheLimit() {
        List<Integer> idx = List.of(0, 1, 2, 3, 0, 1, 2, 3, 0);
        List<Float> val = List.of(1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f);
        assertThatThrownBy(() -> validator.validate(
                        example().setIndices(idx).setValues(val).build(), "m", BINARY))
                .hasMessageContaining("limits.max_non_zeros_per_example=8");
    }

    @Test
    void denseRowsOfTheFastReader_areCheckedLikeAnyOther_atEveryPosition() throws Exception {
        // The fast reader's rows take a one-pass check and keep their array; a bad value must still be caught
        // wherever it is, and named as the value-by-value check names it.
        ExampleValidator strict = new ExampleValidator(NamedFeatures.hasher(), new Limits(1 << 20, 100, 8, 10.0, 1024));
        float[][] bad = {{Float.NaN}, {Float.POSITIVE_INFINITY}, {Float.NEGATIVE_INFINITY}, {10.000001f}, {-11f}};
        for (float[] b : bad) {
            for (int at = 0; at < 4; at++) {
                float[] row = {1f, -2f, 3f, 10f};
                row[at] = b[0];
                int pos = at;
                assertThatThrownBy(() -> strict.validate(
                                example()
                                        .setDense(new FastExampleReader.FloatList(row))
                                        .build(),
                                "m",
                                BINARY))
                        .isInstanceOf(InvalidExampleException.class)
                        .hasMessageContaining("dense[" + pos + "]");
            }
        }
        float[] limit = {10f, -10f, 0f, -0f};
        TrainingExample t = strict.validate(
                example().setDense(new FastExampleReader.FloatList(limit)).build(), "m", BINARY);
        assertThat(t.dense).containsExactly(10f, -10f, 0f, -0f);
        assertThat(ExampleValidator.allWithin(new float[0], 1.0)).isTrue();
    }
}

package io.streamgrad.job.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.schemas.SingleObjectCodec;
import io.streamgrad.schemas.V1Fixtures;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecodeAndValidateTest {
    private OneInputStreamOperatorTestHarness<SourceRecord, BatcherInput> harness;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new DecodeAndValidate(
                TestConfigs.catalog("m", TestConfigs.logisticYaml(3, 2), "r", TestConfigs.linearYaml(2, 4)),
                new Limits(4096, 3, 100)));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    static Example example(String model, float label, Float... dense) {
        return Example.newBuilder()
                .setModelId(model)
                .setEventTime(Instant.ofEpochMilli(0))
                .setDense(List.of(dense))
                .setIndices(List.of())
                .setValues(List.of())
                .setNamed(Map.of())
                .setLabel(label)
                .setWeight(1f)
                .build();
    }

    private void send(byte[] value) throws Exception {
        harness.processElement(new StreamRecord<>(
                new SourceRecord("ex", 2, offset++, 0L, "k".getBytes(StandardCharsets.UTF_8), value)));
    }

    private List<DeadLetter> deadLetters() {
        return harness.getSideOutput(DecodeAndValidate.DEAD_LETTERS) == null
                ? List.of()
                : harness.getSideOutput(DecodeAndValidate.DEAD_LETTERS).stream()
                        .map(StreamRecord::getValue)
                        .toList();
    }

    @Test
    void validAvroExample_becomesOneTrainingExample_withItsCoordinates() throws Exception {
        send(SingleObjectCodec.example().encode(example("m", 1f, 1f, 2f, 3f)));

        assertThat(examples(harness)).singleElement().satisfies(t -> {
            assertThat(t.modelId).isEqualTo("m");
            assertThat(t.dense).containsExactly(1f, 2f, 3f);
            assertThat(t.topic).isEqualTo("ex");
            assertThat(t.partition).isEqualTo(2);
            assertThat(t.offset).isZero();
        });
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void undecodableRecord_goesToDeadLetters_withOriginalBytesCoordinatesAndReason() throws Exception {
        byte[] garbage = "not an example".getBytes(StandardCharsets.UTF_8);
        send(garbage);

        assertThat(examples(harness)).isEmpty();
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.getTopic()).isEqualTo("ex");
            assertThat(d.getPartition()).isEqualTo(2);
            assertThat(d.getOffset()).isZero();
            assertThat(d.getValue()).isEqualTo(ByteBuffer.wrap(garbage));
            assertThat(d.getKey()).isEqualTo(ByteBuffer.wrap("k".getBytes(StandardCharsets.UTF_8)));
            assertThat(d.getReason()).startsWith("ex-2@0: ").contains("neither Avro");
            assertThat(d.getModelId()).isNull();
        });
    }

    @Test
    void exampleInvalidForItsModel_goesToDeadLetters_namingTheModel() throws Exception {
        send(SingleObjectCodec.example().encode(example("m", 1f, 1f, 2f)));

        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.getReason()).contains("dense has 2 values").contains("model.features=3");
            assertThat(d.getModelId()).isEqualTo("m");
        });
    }

    @Test
    void jsonRecordWithAReadableModelId_namesTheModelInItsDeadLetter() throws Exception {
        send("{\"model_id\": \"m\", \"dense\": [1, 2, 3], \"label\": \"NaN\"}".getBytes(StandardCharsets.UTF_8));
        send("{\"model_id\": \"m\", \"dense\": [1, 2, 3], \"lable\": 1}".getBytes(StandardCharsets.UTF_8));
        send("{\"model_id\": \"m\", \"examples\": [{\"model_id\": \"m\", \"dense\": [1e40, 2, 3], \"label\": 1}]}"
                .getBytes(StandardCharsets.UTF_8));
        send("{\"model_id\": 7, \"dense\": [1, 2, 3], \"label\": 1}".getBytes(StandardCharsets.UTF_8));

        assertThat(deadLetters())
                .extracting(DeadLetter::getModelId)
                .as("the model id where the record names one as a string, null where it does not")
                .containsExactly("m", "m", "m", null);
        assertThat(deadLetters().get(0).getReason()).contains("field 'label' is not a number");
        assertThat(deadLetters().get(1).getReason()).contains("unknown field 'lable'");
        assertThat(deadLetters().get(2).getReason()).contains("overflows float32");
    }

    @Test
    void unknownModel_goesToDeadLetters_sayingHowToAddIt() throws Exception {
        send(SingleObjectCodec.example().encode(example("ghost", 1f, 1f)));

        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.getReason()).contains("unknown model 'ghost'").contains("unknown_models: template");
            assertThat(d.getModelId()).isEqualTo("ghost");
        });
    }

    @Test
    void v1Example_isReadAndValidated() throws Exception {
        send(V1Fixtures.exampleV1Bytes("r", List.of(0.5f, 1f), 3f));

        assertThat(examples(harness)).singleElement().satisfies(t -> {
            assertThat(t.dense).containsExactly(0.5f, 1f);
            assertThat(t.weight).isEqualTo(1f);
            assertThat(t.label).isEqualTo(3f);
        });
    }

    @Test
    void jsonExample_isReadAndValidated() throws Exception {
        send("{\"model_id\": \"r\", \"indices\": [1], \"values\": [2.5], \"label\": 1.5}"
                .getBytes(StandardCharsets.UTF_8));

        assertThat(examples(harness)).singleElement().satisfies(t -> {
            assertThat(t.indices).containsExactly(1);
            assertThat(t.values).containsExactly(2.5f);
        });
    }

    @Test
    void miniBatch_isSplitIntoItsExamples_inOrder() throws Exception {
        send(SingleObjectCodec.miniBatch()
                .encode(new MiniBatch("r", List.of(example("r", 1f, 1f, 0f), example("r", 2f, 0f, 1f)))));

        assertThat(examples(harness)).extracting(t -> t.label).containsExactly(1f, 2f);
    }

    @Test
    void miniBatchWithOneBadExample_isRejectedWhole_namingTheExample() throws Exception {
        send(SingleObjectCodec.miniBatch()
                .encode(new MiniBatch("r", List.of(example("r", 1f, 1f, 0f), example("r", Float.NaN, 0f, 1f)))));

        assertThat(examples(harness)).isEmpty();
        assertThat(deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d.getReason())
                        .contains("examples[1]: label is NaN")
                        .contains("none of its 2 examples"));
    }

    @Test
    void miniBatchMixingModels_isRejected() throws Exception {
        send(SingleObjectCodec.miniBatch().encode(new MiniBatch("r", List.of(example("m", 1f, 1f, 0f)))));

        assertThat(deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d.getReason()).contains("examples[0].model_id 'm' differs"));
    }

    @Test
    void oversizedRecords_areRejected_namingTheLimit() throws Exception {
        send(new byte[5000]);
        send(SingleObjectCodec.miniBatch()
                .encode(new MiniBatch(
                        "r",
                        List.of(
                                example("r", 1f, 1f, 0f),
                                example("r", 1f, 1f, 0f),
                                example("r", 1f, 1f, 0f),
                                example("r", 1f, 1f, 0f)))));

        assertThat(deadLetters())
                .extracting(DeadLetter::getReason)
                .satisfiesExactly(
                        r -> assertThat(r).contains("limits.max_record_bytes=4096"),
                        r -> assertThat(r).contains("limits.max_examples_per_record=3"));
    }

    @Test
    void nullValue_goesToDeadLetters() throws Exception {
        send(null);

        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.getValue()).isNull();
            assertThat(d.getReason()).contains("empty record value");
        });
    }

    @Test
    void unknownModel_withATemplate_isTrainedWithTheTemplatesConfig() throws Exception {
        var template = ProcessFunctionTestHarnesses.forProcessFunction(new DecodeAndValidate(
                io.streamgrad.job.config.ModelCatalog.of(Map.of(), TestConfigs.parse(TestConfigs.linearYaml(2, 4))),
                new Limits(4096, 3, 100)));
        template.processElement(new StreamRecord<>(new SourceRecord(
                "ex", 0, 0, 0L, null, SingleObjectCodec.example().encode(example("new-model", 1f, 1f, 2f)))));

        assertThat(examples(template))
                .singleElement()
                .satisfies(t -> assertThat(t.modelId).isEqualTo("new-model"));
        template.close();
    }

    /** The decoder's output, every element a single example (these tests send no producer batch). */
    private static List<TrainingExample> examples(OneInputStreamOperatorTestHarness<SourceRecord, BatcherInput> h) {
        return h.extractOutputValues().stream().map(TrainingExample.class::cast).toList();
    }
}

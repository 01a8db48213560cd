package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.TrainingMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonRecordsTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private static TrainingMetrics metrics(double loss, Double auc) {
        return TrainingMetrics.newBuilder()
                .setModelId("ctr")
                .setStep(40)
                .setExamplesSeen(1280)
                .setWindowBatches(10)
                .setWindowExamples(320)
                .setLoss(loss)
                .setAccuracy(0.875)
                .setAuc(auc)
                .setGradientNorm(Double.POSITIVE_INFINITY)
                .setLearningRate(0.1)
                .setExamplesPerSecond(Double.NEGATIVE_INFINITY)
                .setSkippedBatches(2)
                .setAlert(null)
                .setCreatedAt(Instant.ofEpochMilli(1_765_000_000_123L))
                .build();
    }

    @Test
    void metrics_plainJsonWithTheAvroFieldNames_nonFiniteAsStrings_nullsAsNull_timestampsIso() throws Exception {
        JsonNode tree = PLAIN.readTree(JsonRecords.toJson(metrics(Double.NaN, null)));

        List<String> names = new ArrayList<>();
        tree.fieldNames().forEachRemaining(names::add);
        assertThat(names)
                .containsExactlyElementsOf(TrainingMetrics.getClassSchema().getFields().stream()
                        .map(f -> f.name())
                        .toList());
        assertThat(tree.get("model_id").textValue()).isEqualTo("ctr");
        assertThat(tree.get("step").isIntegralNumber()).isTrue();
        assertThat(tree.get("step").longValue()).isEqualTo(40);
        assertThat(tree.get("loss").textValue()).isEqualTo("NaN");
        assertThat(tree.get("gradient_norm").textValue()).isEqualTo("Infinity");
        assertThat(tree.get("examples_per_second").textValue()).isEqualTo("-Infinity");
        assertThat(tree.get("accuracy").doubleValue()).isEqualTo(0.875);
        assertThat(tree.get("learning_rate").toString()).isEqualTo("0.1"); // shortest form, not 0.1000000000000000055
        assertThat(tree.get("auc").isNull()).isTrue();
        assertThat(tree.get("created_at").textValue()).isEqualTo("2025-12-06T05:46:40.123Z");
    }

    @Test
    void metrics_roundTripThroughTheMetricsCodec_whichReadsBothEncodings() throws Exception {
        TrainingMetrics m = metrics(Double.NaN, 0.5);
        SingleObjectCodec<TrainingMetrics> codec = SingleObjectCodec.trainingMetrics();

        // Field by field (Avro's record equality treats NaN as unequal to itself).
        TrainingMetrics back = codec.decode(JsonRecords.toJson(m));
        assertThat(back.getLoss()).isNaN();
        assertThat(back.getGradientNorm()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(back.getExamplesPerSecond()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(JsonRecords.toTree(back)).isEqualTo(JsonRecords.toTree(m));
        assertThat(codec.decode(JsonRecords.toJson(metrics(0.25, null)))).isEqualTo(metrics(0.25, null));
    }

    @Test
    void deadLetter_bytesAsBase64_roundTrip() throws Exception {
        DeadLetter d = DeadLetter.newBuilder()
                .setTopic("examples")
                .setPartition(0)
                .setOffset(401)
                .setKey(null)
                .setValue(ByteBuffer.wrap("garbage\u00ff".getBytes(StandardCharsets.ISO_8859_1)))
                .setReason("examples-0@401: neither Avro nor JSON")
                .setModelId(null)
                .setFailedAt(Instant.ofEpochMilli(5))
                .build();

        JsonNode tree = PLAIN.readTree(JsonRecords.toJson(d));

        assertThat(tree.get("value").textValue()).isEqualTo("Z2FyYmFnZf8=");
        assertThat(tree.get("key").isNull()).isTrue();
        assertThat(tree.get("offset").longValue()).isEqualTo(401);
        assertThat(SingleObjectCodec.deadLetter().decode(JsonRecords.toJson(d))).isEqualTo(d);
    }

    @Test
    void fromJson_wrongShape_namesTheField() {
        byte[] json = "{\"model_id\": \"m\", \"step\": \"x\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SingleObjectCodec.trainingMetrics().decode(json))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'step' must be an integer");
    }
}

package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Records crafted to make a reader allocate, loop or silently misread. Before the bounds check, the first three
 * made Avro 1.12.1 throw OutOfMemoryError (or allocate 1 GiB) from 15 to 21 bytes of input.
 */
class HostileBytesTest {

    interface Body {
        void write(BinaryEncoder e) throws IOException;
    }

    static byte[] singleObject(Schema writer, Body body) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0xC3);
            out.write(0x01);
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(SchemaHistory.fingerprint(writer))
                    .array());
            BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
            body.write(e);
            e.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Example example() {
        return Example.newBuilder()
                .setModelId("m")
                .setEventTime(Instant.ofEpochMilli(42))
                .setDense(List.of(0.5f, -1f))
                .setIndices(List.of(3))
                .setValues(List.of(2f))
                .setNamed(Map.of("country=fr", 1f))
                .setLabel(1f)
                .setWeight(2f)
                .build();
    }

    @Test
    void denseArrayDeclaringAGigaItems_isRefusedBeforeAllocation_namingTheField() {
        byte[] b = singleObject(Example.getClassSchema(), e -> {
            e.writeString("m");
            e.writeLong(0);
            e.writeLong(1L << 30); // dense: 2^30 floats = 4 GiB
        });

        assertThat(b.length).isLessThan(25);
        assertThatThrownBy(() -> SingleObjectCodec.example().decode(b))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'dense' declares 1073741824 items")
                .hasMessageContaining("truncated or corrupt");
    }

    @Test
    void modelIdDeclaringTwoGigabytes_isRefusedBeforeAllocation() {
        byte[] b = singleObject(Example.getClassSchema(), e -> e.writeLong((1L << 31) - 10));

        assertThatThrownBy(() -> SingleObjectCodec.example().decode(b))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'model_id' declares a length of 2147483638 bytes");
    }

    @Test
    void negativeBlockCount_withHugeMagnitude_isRefused() {
        byte[] b = singleObject(Example.getClassSchema(), e -> {
            e.writeString("m");
            e.writeLong(0);
            e.writeLong(-(1L << 30));
            e.writeLong(4);
        });

        assertThatThrownBy(() -> SingleObjectCodec.example().decode(b))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'dense'");
    }

    @Test
    void miniBatch_nestedHostileCount_isRefused_namingThePath() {
        byte[] b = singleObject(MiniBatch.getClassSchema(), e -> {
            e.writeString("m");
            e.writeLong(1); // one example
            e.writeString("m");
            e.writeLong(0);
            e.writeLong(0); // dense: empty
            e.writeLong(1L << 40); // indices: 2^40
        });

        assertThatThrownBy(() -> SingleObjectCodec.miniBatch().decode(b))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("field 'examples[0].indices' declares 1099511627776 items");
    }

    @Test
    void everyTruncation_ofAValidRecord_isInvalidAndNamedTruncated() {
        byte[] whole = SingleObjectCodec.example().encode(example());
        SingleObjectCodec<Example> codec = SingleObjectCodec.example();
        for (int n = 10; n < whole.length; n++) {
            byte[] cut = Arrays.copyOf(whole, n);
            assertThatThrownBy(() -> codec.decode(cut))
                    .as("first %d of %d bytes", n, whole.length)
                    .isInstanceOf(InvalidRecordException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void bytesAfterTheRecord_areRefused_notSilentlyIgnored() {
        byte[] whole = SingleObjectCodec.example().encode(example());
        byte[] two = Arrays.copyOf(whole, whole.length * 2);
        System.arraycopy(whole, 0, two, whole.length, whole.length);

        assertThatThrownBy(() -> SingleObjectCodec.example().decode(two))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining(whole.length + " bytes after the end of the Avro Example body");
    }

    @Test
    void validRecords_ofEveryKnownWriterSchema_stillDecode() throws Exception {
        assertThat(SingleObjectCodec.example()
                        .decode(SingleObjectCodec.example().encode(example())))
                .isEqualTo(example());
        assertThat(SingleObjectCodec.example()
                        .decode(V1Fixtures.exampleV1Bytes("m", List.of(1f), 0f))
                        .getDense())
                .containsExactly(1f);
        MiniBatch mb = new MiniBatch("m", List.of(example(), example()));
        assertThat(SingleObjectCodec.miniBatch()
                        .decode(SingleObjectCodec.miniBatch().encode(mb)))
                .isEqualTo(mb);
    }

    @Test
    void json_duplicateField_isRefused() {
        byte[] b = "{\"model_id\": \"m\", \"label\": 1, \"label\": 0}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> new InputDecoder().decode(b))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("malformed JSON")
                .hasMessageContaining("Duplicate field 'label'");
    }

    @Test
    void json_secondObjectInTheSameRecord_isRefused() {
        byte[] b = "{\"model_id\": \"m\", \"label\": 1} {\"model_id\": \"m\", \"label\": 0}"
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> new InputDecoder().decode(b))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("malformed JSON");
    }

    @Test
    void json_nestedBeyondJacksonsDepthLimit_isRefused() {
        String deep = "{\"model_id\": \"m\", \"label\": 1, \"named\": " + "[".repeat(5000) + "]".repeat(5000) + "}";

        assertThatThrownBy(() -> new InputDecoder().decode(deep.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("malformed JSON");
    }

    private static String jsonReason(String json) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> new InputDecoder().decode(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(t).isInstanceOf(InvalidRecordException.class);
        assertThat(t.getMessage())
                .as("no parser internals in a dead letter's reason")
                .doesNotContain("REDACTED")
                .doesNotContain("Source:")
                .doesNotContain("Feature")
                .doesNotContain("com.fasterxml")
                .doesNotContain("`");
        return t.getMessage();
    }

    @Test
    void json_bareNaN_saysItIsNotAJsonNumberAndHowToFixIt() {
        assertThat(jsonReason("{\"model_id\": \"m\", \"dense\": [NaN], \"label\": 1}"))
                .contains("line 1, column")
                .contains("NaN is not a JSON number")
                .contains("impute or drop missing values");
    }

    @Test
    void json_truncatedObject_namesWhereWithoutParserInternals() {
        assertThat(jsonReason("{\"model_id\": \"m\", \"label\": 1")).startsWith("malformed JSON at line 1, column");
    }

    @Test
    void json_secondObject_saysSendOneObjectPerRecord() {
        assertThat(jsonReason("{\"model_id\": \"m\", \"label\": 1} {\"model_id\": \"m\", \"label\": 0}"))
                .contains("more than one JSON value")
                .contains("one JSON object per record");
    }

    @Test
    void json_duplicateField_saysSendEachFieldOnce() {
        assertThat(jsonReason("{\"model_id\": \"m\", \"label\": 1, \"label\": 0}"))
                .contains("Duplicate field 'label'")
                .contains("send each field once");
    }

    @Test
    void json_valueBeyondFloat32_saysItOverflows() {
        assertThat(jsonReason("{\"model_id\": \"m\", \"dense\": [1e40], \"label\": 1}"))
                .contains("field 'dense[0]' is 1.0E40")
                .contains("overflows float32")
                .doesNotContain("Infinity");
        assertThat(jsonReason("{\"model_id\": \"m\", \"dense\": [1], \"label\": -1e39}"))
                .contains("field 'label'")
                .contains("overflows float32");
    }
}

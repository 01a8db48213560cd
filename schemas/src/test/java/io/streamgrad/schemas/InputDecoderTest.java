package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class InputDecoderTest {
    private final InputDecoder decoder = new InputDecoder();

    @Test
    void avroExample_decodesAsOneExample_ofCurrentVersion() throws Exception {
        byte[] bytes = SingleObjectCodec.example().encode(SingleObjectCodecTest.example());

        InputDecoder.Decoded d = decoder.decode(bytes);

        assertThat(d.examples()).containsExactly(SingleObjectCodecTest.example());
        assertThat(d.isMiniBatch()).isFalse();
        assertThat(d.format()).isEqualTo("avro");
        assertThat(d.schemaVersion()).isEqualTo(2);
    }

    @Test
    void v1Example_decodes_withVersion1() throws Exception {
        InputDecoder.Decoded d = decoder.decode(V1Fixtures.exampleV1Bytes("old", List.of(1f), 1f));

        assertThat(d.schemaVersion()).isEqualTo(1);
        assertThat(d.examples().get(0).getWeight()).isEqualTo(1f);
    }

    @Test
    void avroMiniBatch_decodesIntoItsExamples_inOrder() throws Exception {
        Example a = SingleObjectCodecTest.example();
        Example b = Example.newBuilder(a).setLabel(0f).build();
        byte[] bytes = SingleObjectCodec.miniBatch().encode(new MiniBatch("m", List.of(a, b)));

        InputDecoder.Decoded d = decoder.decode(bytes);

        assertThat(d.isMiniBatch()).isTrue();
        assertThat(d.miniBatchModelId()).isEqualTo("m");
        assertThat(d.examples()).containsExactly(a, b);
    }

    @Test
    void v1MiniBatch_decodes() throws Exception {
        Schema mb = SchemaHistory.MINI_BATCH_V1;
        Schema ex = mb.getField("examples").schema().getElementType();
        GenericRecord e = new GenericData.Record(ex);
        e.put("model_id", "m");
        e.put("event_time", 0L);
        e.put("dense", List.of(1f, 2f));
        e.put("indices", List.of());
        e.put("values", List.of());
        e.put("label", 1f);
        GenericRecord r = new GenericData.Record(mb);
        r.put("model_id", "m");
        r.put("examples", List.of(e));
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), mb).encode(r);
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);

        InputDecoder.Decoded d = decoder.decode(bytes);

        assertThat(d.schemaVersion()).isEqualTo(1);
        assertThat(d.examples()).singleElement().satisfies(x -> {
            assertThat(x.getDense()).containsExactly(1f, 2f);
            assertThat(x.getWeight()).isEqualTo(1f);
        });
    }

    @Test
    void jsonExample_decodes_withDefaults() throws Exception {
        byte[] json = "{\"model_id\": \"m\", \"indices\": [3, 7], \"values\": [1, 0.5], \"label\": 1}"
                .getBytes(StandardCharsets.UTF_8);

        InputDecoder.Decoded d = decoder.decode(json);

        Example e = d.examples().get(0);
        assertThat(d.format()).isEqualTo("json");
        assertThat(e.getIndices()).containsExactly(3, 7);
        assertThat(e.getValues()).containsExactly(1f, 0.5f);
        assertThat(e.getWeight()).isEqualTo(1f);
        assertThat(e.getDense()).isEmpty();
        assertThat(e.getEventTime().toEpochMilli()).isZero();
    }

    @Test
    void jsonMiniBatch_decodes() throws Exception {
        byte[] json = ("{\"model_id\": \"m\", \"examples\": [{\"model_id\": \"m\", \"dense\": [1], \"label\": 0},"
                        + " {\"model_id\": \"m\", \"dense\": [2], \"label\": 1, \"named\": {\"a\": 2}}]}")
                .getBytes(StandardCharsets.UTF_8);

        InputDecoder.Decoded d = decoder.decode(json);

        assertThat(d.isMiniBatch()).isTrue();
        assertThat(d.examples()).hasSize(2);
        assertThat(d.examples().get(1).getNamed()).isEqualTo(Map.of("a", 2f));
    }

    @Test
    void jsonWithUnknownField_isRejected_namingTheField() {
        byte[] json = "{\"model_id\": \"m\", \"dense\": [1], \"lable\": 1}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> decoder.decode(json))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("unknown field 'lable'");
    }

    @Test
    void jsonWithoutLabel_isRejected() {
        byte[] json = "{\"model_id\": \"m\", \"dense\": [1]}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> decoder.decode(json))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("'label' is missing");
    }

    @Test
    void malformedJson_isRejected() {
        assertThatThrownBy(() -> decoder.decode("{\"model_id\": ".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("malformed JSON");
    }

    @Test
    void garbage_isRejected_asNeitherAvroNorJson() {
        assertThatThrownBy(() -> decoder.decode("hello".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("neither Avro");
        assertThatThrownBy(() -> decoder.decode(null)).isInstanceOf(InvalidRecordException.class);
    }

    @Test
    void jsonRoundTrip_ofAnExample_isIdentity() throws Exception {
        JsonExamples json = new JsonExamples();
        Example e = SingleObjectCodecTest.example();

        assertThat(decoder.decode(json.toJson(e)).examples()).containsExactly(e);
    }

    @Test
    void fixtureFileIsReadable() throws IOException {
        assertThat(V1Fixtures.exampleV1().getFields())
                .extracting(Schema.Field::name)
                .containsExactly("model_id", "event_time", "dense", "indices", "values", "label");
    }
}

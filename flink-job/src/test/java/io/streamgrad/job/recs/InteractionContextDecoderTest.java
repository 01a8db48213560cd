package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Interaction;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** Context ids on the interactions topic: JSON {@code context} objects and Avro Interaction v2 (and v1 still). */
class InteractionContextDecoderTest {
    private static final String WITH_CONTEXT = RecsFixtures.MF_YAML + "context: {device: {}, country: {}}\n";

    private final InteractionDecoder decoder =
            new InteractionDecoder(new RecsModels("interactions", models(), 1, 100), new Limits(1 << 20, 100, 100));

    private static Map<String, String> models() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ctx", WITH_CONTEXT);
        m.put("plain", RecsFixtures.MF_YAML);
        return m;
    }

    private InteractionDecoder.Result decode(byte[] value) {
        return decoder.decode(new SourceRecord("interactions", 0, 3, 0, null, value), 5);
    }

    private InteractionRecord accepted(String json) {
        InteractionDecoder.Result res = decode(json.getBytes(StandardCharsets.UTF_8));
        assertThat(res).isInstanceOf(InteractionDecoder.Accepted.class);
        return ((InteractionDecoder.Accepted) res).interaction();
    }

    private String rejected(String json) {
        InteractionDecoder.Result res = decode(json.getBytes(StandardCharsets.UTF_8));
        assertThat(res).isInstanceOf(InteractionDecoder.Rejected.class);
        return ((InteractionDecoder.Rejected) res).deadLetter().getReason().toString();
    }

    @Test
    void jsonContext_keepsTheDeclaredFieldsInDeclarationOrder_andDropsTheRest() {
        InteractionRecord r = accepted("{\"model\":\"ctx\",\"user\":\"u\",\"item\":\"i\",\"time\":1,"
                + "\"context\":{\"browser\":\"ff\",\"country\":49,\"device\":\"ios\"}}");

        assertThat(r.contextFields).containsExactly("device", "country");
        assertThat(r.contextIds).containsExactly("ios", "49");
        assertThat(r.interaction().context()).isEqualTo(Map.of("device", "ios", "country", "49"));
    }

    @Test
    void absentOrNullContext_isNoContext_andAPlainModelDropsIt() {
        assertThat(accepted("{\"model\":\"ctx\",\"user\":\"u\",\"item\":\"i\",\"time\":1}")
                        .interaction()
                        .context())
                .isEmpty();
        assertThat(accepted("{\"model\":\"ctx\",\"user\":\"u\",\"item\":\"i\",\"time\":1,"
                                + "\"context\":{\"device\":null}}")
                        .interaction()
                        .context())
                .isEmpty();
        InteractionRecord plain = accepted(
                "{\"model\":\"plain\",\"user\":\"u\",\"item\":\"i\",\"time\":1,\"context\":{\"device\":\"ios\"}}");
        assertThat(plain.contextFields).isNull();
        assertThat(plain.interaction().context()).isEmpty();
    }

    @Test
    void badContexts_becomeDeadLettersNamingTheField() {
        assertThat(rejected("{\"model\":\"ctx\",\"user\":\"u\",\"item\":\"i\",\"time\":1,\"context\":[\"ios\"]}"))
                .startsWith("interactions-0@3: context: expected an object of field name to id");
        assertThat(rejected("{\"model\":\"ctx\",\"user\":\"u\",\"item\":\"i\",\"time\":1,\"context\":{\"device\":{}}}"))
                .startsWith("interactions-0@3: context.device: expected a string id");
        assertThat(rejected(
                        "{\"model\":\"ctx\",\"user\":\"u\",\"item\":\"i\",\"time\":1,\"context\":{\"device\":\"\"}}"))
                .startsWith("interactions-0@3: context.device: missing or empty");
    }

    @Test
    void avroV2_carriesTheContext_andAvroV1_decodesWithout() {
        Interaction v2 = Interaction.newBuilder()
                .setModelId("ctx")
                .setUser("u")
                .setItem("i")
                .setRating(null)
                .setTime(Instant.ofEpochMilli(7))
                .setContext(Map.of("country", "de"))
                .build();
        InteractionDecoder.Result res = decode(SingleObjectCodec.interaction().encode(v2));
        assertThat(((InteractionDecoder.Accepted) res)
                        .interaction()
                        .interaction()
                        .context())
                .isEqualTo(Map.of("country", "de"));

        GenericRecord v1 = new GenericData.Record(io.streamgrad.schemas.SchemaHistory.INTERACTION_V1);
        v1.put("model_id", "ctx");
        v1.put("user", "u");
        v1.put("item", "i");
        v1.put("time", 7L);
        ByteBuffer b;
        try {
            b = new BinaryMessageEncoder<GenericRecord>(
                            GenericData.get(), io.streamgrad.schemas.SchemaHistory.INTERACTION_V1)
                    .encode(v1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        InteractionDecoder.Result old = decode(bytes);
        assertThat(old).isInstanceOf(InteractionDecoder.Accepted.class);
        assertThat(((InteractionDecoder.Accepted) old).interaction().interaction())
                .isEqualTo(io.streamgrad.learner.recs.Interaction.implicit("u", "i", 7));
    }
}

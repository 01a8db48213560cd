package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Interaction;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InteractionDecoderTest {
    private static final String EXPLICIT = """
            model: {type: mf, dim: 2}
            loss: mse
            """;

    private final InteractionDecoder decoder =
            new InteractionDecoder(new RecsModels("interactions", models(), 1, 100), new Limits(1 << 20, 100, 100));

    private static Map<String, String> models() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("clicks", RecsFixtures.MF_YAML);
        m.put("ratings", EXPLICIT);
        return m;
    }

    private static SourceRecord record(String json) {
        return record(json.getBytes(StandardCharsets.UTF_8));
    }

    private static SourceRecord record(byte[] value) {
        return new SourceRecord("interactions", 2, 17, 0, null, value);
    }

    private InteractionRecord accepted(SourceRecord r) {
        InteractionDecoder.Result res = decoder.decode(r, 5);
        assertThat(res).isInstanceOf(InteractionDecoder.Accepted.class);
        return ((InteractionDecoder.Accepted) res).interaction();
    }

    private DeadLetter rejected(SourceRecord r) {
        InteractionDecoder.Result res = decoder.decode(r, 5);
        assertThat(res).isInstanceOf(InteractionDecoder.Rejected.class);
        return ((InteractionDecoder.Rejected) res).deadLetter();
    }

    @Test
    void jsonClick_isAcceptedWithItsCoordinates_andNoRating() {
        InteractionRecord r = accepted(record("{\"model\":\"clicks\",\"user\":\"u1\",\"item\":\"i9\",\"time\":1000}"));
        assertThat(r.modelId).isEqualTo("clicks");
        assertThat(r.user).isEqualTo("u1");
        assertThat(r.item).isEqualTo("i9");
        assertThat(r.timeMs).isEqualTo(1000);
        assertThat(r.rating).isNaN();
        assertThat(r.coordinates()).isEqualTo("interactions-2@17");
    }

    @Test
    void jsonNumericIds_areTakenVerbatim_likeTheCsvReader() {
        InteractionRecord r = accepted(
                record("{\"model\":\"ratings\",\"user\":17850,\"item\":21730,\"rating\":4.5," + "\"time\":1}"));
        assertThat(r.user).isEqualTo("17850");
        assertThat(r.item).isEqualTo("21730");
        assertThat(r.rating).isEqualTo(4.5);
    }

    @Test
    void jsonIsoTime_isReadAsEpochMilliseconds() {
        InteractionRecord r = accepted(
                record("{\"model\":\"clicks\",\"user\":\"u\",\"item\":\"i\",\"time\":\"2010-12-01T08:26:00Z\"}"));
        assertThat(r.timeMs)
                .isEqualTo(java.time.Instant.parse("2010-12-01T08:26:00Z").toEpochMilli());
        assertThat(rejected(record("{\"model\":\"clicks\",\"user\":\"u\",\"item\":\"i\",\"time\":\"Monday\"}"))
                        .getReason()
                        .toString())
                .contains("not an ISO-8601 instant");
    }

    @Test
    void avroInteraction_isAccepted() {
        byte[] bytes = SingleObjectCodec.interaction()
                .encode(Interaction.newBuilder()
                        .setModelId("ratings")
                        .setUser("u")
                        .setItem("i")
                        .setRating(3.0)
                        .setTime(Instant.ofEpochMilli(77))
                        .build());
        InteractionRecord r = accepted(record(bytes));
        assertThat(r.rating).isEqualTo(3.0);
        assertThat(r.timeMs).isEqualTo(77);
    }

    @Test
    void ratingMissingForAnExplicitModel_goesToDeadLetters_namingTheFix() {
        DeadLetter d = rejected(record("{\"model\":\"ratings\",\"user\":\"u\",\"item\":\"i\",\"time\":1}"));
        assertThat(d.getReason().toString())
                .startsWith("interactions-2@17: rating: missing")
                .contains("loss mse");
        assertThat(d.getModelId().toString()).isEqualTo("ratings");
        assertThat(d.getPartition()).isEqualTo(2);
        assertThat(d.getOffset()).isEqualTo(17);
    }

    @Test
    void unknownModel_goesToDeadLetters_listingTheMfModels() {
        DeadLetter d = rejected(record("{\"model\":\"nope\",\"user\":\"u\",\"item\":\"i\",\"time\":1}"));
        assertThat(d.getReason().toString()).contains("unknown mf model 'nope'").contains("clicks, ratings");
    }

    @Test
    void badRecords_eachGoToDeadLetters_withAReason() {
        assertThat(rejected(record("{\"model\":\"clicks\",\"user\":\"\",\"item\":\"i\",\"time\":1}"))
                        .getReason()
                        .toString())
                .contains("user: missing or empty");
        assertThat(rejected(record("{\"model\":\"clicks\",\"user\":\"u\",\"item\":\"i\"}"))
                        .getReason()
                        .toString())
                .contains("time: missing");
        assertThat(rejected(record("{\"model\":\"clicks\",\"user\":\"u\",\"item\":\"i\",\"time\":1.5}"))
                        .getReason()
                        .toString())
                .contains("time: expected epoch milliseconds");
        assertThat(rejected(record("{\"model\":\"clicks\",\"usr\":\"u\",\"item\":\"i\",\"time\":1}"))
                        .getReason()
                        .toString())
                .contains("unknown field 'usr'");
        assertThat(rejected(record("{\"model\":")).getReason().toString()).contains("not valid JSON");
        assertThat(rejected(record(new byte[] {(byte) 0xC3, 1, 2})).getReason().toString())
                .startsWith("interactions-2@17: ");
        assertThat(rejected(record(new byte[0])).getReason().toString()).contains("empty record value");
        assertThat(rejected(record("{\"model\":\"ratings\",\"user\":\"u\",\"item\":\"i\",\"rating\":1e300,"
                                + "\"time\":1}"))
                        .getReason()
                        .toString())
                .contains("limits.max_abs_value");
    }
}

package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Interaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * Interaction (the interactions topic) is versioned: version 1 (up to {@code time}) and version 2 (current, +
 * {@code context}) are fixed by committed fixtures. A version 1 record still reads, with an empty context; the
 * version 2 fixture decodes to its record and equals this build's encoding. Regenerate (only for a new version, as
 * new files): {@code -Dstreamgrad.writeFixtures=true}.
 */
class InteractionFormatTest {
    private static final Path DIR = Path.of("src", "test", "resources", "recs");

    private static byte[] fixture(String name, byte[] current) throws IOException {
        Path f = DIR.resolve(name);
        if (Boolean.getBoolean("streamgrad.writeFixtures") && !Files.exists(f)) {
            Files.writeString(f, HexFormat.of().formatHex(current) + "\n", StandardCharsets.US_ASCII);
        }
        return HexFormat.of()
                .parseHex(Files.readString(f, StandardCharsets.US_ASCII).trim());
    }

    private static byte[] v1Encoding() throws IOException {
        GenericRecord v1 = new GenericData.Record(SchemaHistory.INTERACTION_V1);
        v1.put("model_id", "shop");
        v1.put("user", "u17");
        v1.put("item", "i42");
        v1.put("rating", 4.5);
        v1.put("time", 1_291_191_960_000L);
        ByteBuffer b =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), SchemaHistory.INTERACTION_V1).encode(v1);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    static Interaction v2() {
        return Interaction.newBuilder()
                .setModelId("shop")
                .setUser("u17")
                .setItem("i42")
                .setRating(null)
                .setTime(Instant.ofEpochMilli(1_291_191_960_000L))
                .setContext(Map.of("device", "ios")) // one entry: Avro writes a map in its iteration order
                .build();
    }

    @Test
    void version1Fixture_stillDecodes_withAnEmptyContext() throws Exception {
        byte[] f = fixture("interaction-v1.hex", v1Encoding());
        assertThat(f).isEqualTo(v1Encoding());

        Interaction x = SingleObjectCodec.interaction().decode(f);

        assertThat(x.getUser()).isEqualTo("u17");
        assertThat(x.getItem()).isEqualTo("i42");
        assertThat(x.getRating()).isEqualTo(4.5);
        assertThat(x.getTime()).isEqualTo(Instant.ofEpochMilli(1_291_191_960_000L));
        assertThat(x.getContext()).isEmpty();
    }

    @Test
    void version2Fixture_decodesToItsRecord_andEqualsThisBuildsEncoding() throws Exception {
        SingleObjectCodec<Interaction> codec = SingleObjectCodec.interaction();
        byte[] f = fixture("interaction-v2.hex", codec.encode(v2()));

        Interaction x = codec.decode(f);

        assertThat(x.getContext()).hasSize(1);
        assertThat(x.getContext().get("device").toString()).isEqualTo("ios");
        assertThat(x.getTime()).isEqualTo(v2().getTime());
        assertThat(codec.encode(x)).isEqualTo(f);
    }

    @Test
    void v1Schema_isTheCurrentWithoutContext() {
        assertThat(SchemaHistory.INTERACTION_V1.getFields())
                .extracting(f -> f.name())
                .containsExactlyElementsOf(Interaction.getClassSchema().getFields().stream()
                        .map(f -> f.name())
                        .filter(n -> !n.equals("context"))
                        .toList());
    }
}

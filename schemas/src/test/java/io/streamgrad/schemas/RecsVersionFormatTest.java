package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The RecsVersion record (schema_version 1) on the updates topic is fixed: the committed fixture decodes to the
 * record it describes and equals what this build writes. A change to RecsVersion.avsc must keep this fixture
 * readable (new fields with defaults, the old writer schema in SchemaHistory), not alter it.
 */
class RecsVersionFormatTest {
    /** Part 1 of 2 of delta version 7 (chain from full version 5) of a k = 2 model: one item row, one tombstone. */
    static RecsVersion record() {
        ByteBuffer values = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        values.putFloat(0.25f).putFloat(-1.5f).putFloat(0.125f).flip();
        ByteBuffer counts = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        counts.putLong(42L).flip();
        return RecsVersion.newBuilder()
                .setModelId("shop")
                .setVersion(7)
                .setKind(RecsVersionKind.DELTA)
                .setBaseVersion(6)
                .setFullVersion(5)
                .setPart(1)
                .setParts(2)
                .setStep(120)
                .setExamplesSeen(3840)
                .setCreatedAt(Instant.parse("2026-12-07T04:00:00Z"))
                .setConfigYaml("")
                .setGlobalBias(0.5f)
                .setTables(List.of(RecsTableRows.newBuilder()
                        .setName("items")
                        .setIds(List.of("i17"))
                        .setValues(values)
                        .setCounts(counts)
                        .setRemoved(List.of("i3"))
                        .build()))
                .setMetrics(Map.of("recall_at_k", 0.125))
                .setSourceOffsets(Map.of("interactions-0", 3840L))
                .setSchemaVersion(1)
                .setBuildVersion("0.1.0")
                .build();
    }

    static byte[] fixture() throws IOException {
        try (InputStream in = RecsVersionFormatTest.class.getResourceAsStream("/recs/recs-version-v1.hex")) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    @Test
    void version1Fixture_decodesToItsRecord_andEqualsThisBuildsEncoding() throws Exception {
        SingleObjectCodec<RecsVersion> codec = SingleObjectCodec.recsVersion();
        assertThat(codec.decode(fixture())).isEqualTo(record());
        assertThat(codec.encode(record())).isEqualTo(fixture());
    }

    @Test
    void aRecsVersion_isToldApartFromOtherRecords_byItsFingerprint() throws Exception {
        long recs = SingleObjectCodec.headerFingerprint(fixture()).getAsLong();
        assertThat(recs).isEqualTo(SchemaHistory.fingerprint(RecsVersion.getClassSchema()));
        byte[] delta = SingleObjectCodec.modelDelta()
                .encode(io.streamgrad.avro.ModelDelta.newBuilder()
                        .setModelId("m")
                        .setVersion(2)
                        .setBaseVersion(1)
                        .setFullVersion(1)
                        .setStep(1)
                        .setExamplesSeen(1)
                        .setCreatedAt(Instant.EPOCH)
                        .setNumParams(1)
                        .setIndices(ByteBuffer.allocate(0))
                        .setValues(ByteBuffer.allocate(0))
                        .build());
        assertThat(SingleObjectCodec.headerFingerprint(delta).getAsLong()).isNotEqualTo(recs);
        assertThatThrownBy(() -> SingleObjectCodec.recsVersion().decode(delta))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("RecsVersion");
    }

    @Test
    void aTruncatedRecsVersion_isRejectedWithTheRecordName() throws Exception {
        byte[] cut = Arrays.copyOf(fixture(), fixture().length - 5);
        assertThatThrownBy(() -> SingleObjectCodec.recsVersion().decode(cut))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("RecsVersion");
    }
}

package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.io.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Version 1 of the row format, pinned byte for byte by a committed fixture. */
class RowCodecTest {
    private static final Path FIXTURE = Path.of("src/test/resources/recs/row-v1.hex");

    static Row sample() {
        return new Row(
                7,
                1234,
                1_291_191_960_000L,
                5,
                new float[] {0.25f, -1.5f, 3.0f},
                new float[] {0.1f, 0.2f, 0.3f},
                new float[] {1e-3f, 2e-3f, 4e-3f});
    }

    @Test
    void version1_encodesTheSampleRowAsTheCommittedFixture() throws IOException {
        String hex = HexFormat.of().formatHex(RowCodec.encode(sample()));
        if (Boolean.getBoolean("streamgrad.writeFixtures")) {
            Files.writeString(FIXTURE, hex + "\n", StandardCharsets.UTF_8);
        }
        String fixture = Files.readString(FIXTURE, StandardCharsets.UTF_8).trim();

        assertThat(hex).isEqualTo(fixture);
        assertThat(RowCodec.decode(HexFormat.of().parseHex(fixture))).isEqualTo(sample());
    }

    @Test
    void candidateRow_roundTrips_withoutParameters() {
        Row c = Row.candidate(2, 9, 99);
        Row back = RowCodec.decode(RowCodec.encode(c));
        assertThat(back).isEqualTo(c);
        assertThat(back.admitted()).isFalse();
    }

    @Test
    void foreignNewerOrTruncatedBytes_areRefusedWithAReason() {
        byte[] good = RowCodec.encode(sample());
        byte[] newer = good.clone();
        newer[1] = 2;
        byte[] foreign = good.clone();
        foreign[0] = 0x00;

        assertThatThrownBy(() -> RowCodec.decode(newer))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("version 2 is not readable");
        assertThatThrownBy(() -> RowCodec.decode(foreign))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("not an embedding-table row");
        assertThatThrownBy(() -> RowCodec.decode(java.util.Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("truncated");
    }
}

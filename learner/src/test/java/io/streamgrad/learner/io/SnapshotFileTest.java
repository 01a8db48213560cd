package io.streamgrad.learner.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {
    @TempDir
    Path dir;

    @Test
    void writeRead_roundTripsEveryField() throws IOException {
        Path file = dir.resolve("sub/model.sgm");
        Snapshot s = Fixtures.snapshot();

        SnapshotFile.write(file, s);
        Snapshot back = SnapshotFile.read(file);

        assertThat(back.modelId()).isEqualTo(Fixtures.MODEL_ID);
        assertThat(back.version()).isEqualTo(Fixtures.VERSION);
        assertThat(back.createdAt()).isEqualTo(Fixtures.CREATED_AT);
        assertThat(back.config()).isEqualTo(Fixtures.config());
        assertThat(back.state()).isEqualTo(s.state());
        assertThat(back.metrics()).containsExactlyEntriesOf(Fixtures.metrics());
        assertThat(back.sourceOffsets()).containsExactlyEntriesOf(Fixtures.offsets());
        assertThat(Files.list(file.getParent())).containsExactly(file); // no temporary file left behind
    }

    @Test
    void write_sixArgumentForm_usedByTheJob_roundTrips() throws IOException {
        Path file = dir.resolve("m.sgm");
        long before = System.currentTimeMillis();

        SnapshotFile.write(file, "m", 3, Fixtures.config(), Fixtures.state(), Map.of("loss", 0.5));
        Snapshot back = SnapshotFile.read(file);

        assertThat(back.modelId()).isEqualTo("m");
        assertThat(back.version()).isEqualTo(3);
        assertThat(back.createdAt()).isBetween(before, System.currentTimeMillis());
        assertThat(back.metrics()).containsExactly(Map.entry("loss", 0.5));
        assertThat(back.sourceOffsets()).isEmpty();
    }

    @Test
    void encode_isDeterministic() {
        assertThat(SnapshotFile.encode(Fixtures.snapshot())).isEqualTo(SnapshotFile.encode(Fixtures.snapshot()));
    }

    @Test
    void read_corruptFile_isRefusedNamingTheFile() throws IOException {
        Path file = dir.resolve("bad.sgm");
        byte[] b = SnapshotFile.encode(Fixtures.snapshot());
        b[30] ^= 1;
        Files.write(file, b);

        assertThatThrownBy(() -> SnapshotFile.read(file))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith(file + ": snapshot is corrupt or truncated: CRC32 is 0x");
    }

    @Test
    void decode_truncations_areRefused() {
        byte[] b = SnapshotFile.encode(Fixtures.snapshot());
        for (int len = 0; len < b.length; len += 7) {
            byte[] cut = java.util.Arrays.copyOf(b, len);
            assertThatThrownBy(() -> SnapshotFile.decode(cut))
                    .as("length %d", len)
                    .isInstanceOf(FormatException.class);
        }
    }

    @Test
    void decode_newerVersion_isRefusedWithUpgradeHint() {
        byte[] b = SnapshotFile.encode(Fixtures.snapshot());
        ByteBuffer.wrap(b).putInt(4, 2);

        assertThatThrownBy(() -> SnapshotFile.decode(b))
                .hasMessage("snapshot format version 2 is newer than this build supports (1); upgrade streamgrad");
    }

    @Test
    void decode_bareModelState_isRefusedWithHint() {
        assertThatThrownBy(() -> SnapshotFile.decode(ModelStateCodec.encode(Fixtures.state())))
                .hasMessageEndingWith("(this is a bare model state, not a snapshot file)");
    }

    @Test
    void fromWire_rebuildsTheSnapshotFromYamlAndStateBytes() {
        Snapshot s = Fixtures.snapshot();

        Snapshot back = Snapshot.fromWire(
                s.modelId(),
                s.version(),
                s.createdAt(),
                s.configYaml(),
                s.stateBytes(),
                s.metrics(),
                s.sourceOffsets());

        assertThat(SnapshotFile.encode(back)).isEqualTo(SnapshotFile.encode(s));
    }
}

package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.io.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version 1 of the global state and of the model file, pinned by committed fixtures. */
class MfStateFormatTest {
    private static final Path GLOBAL = Path.of("src/test/resources/recs/global-v1.hex");
    private static final Path MODEL = Path.of("src/test/resources/recs/model-v1.hex");
    private static final String YAML = """
            model: {type: mf, dim: 2}
            loss: logistic
            negatives: {count: 1, pool: 4}
            optimizer: {type: adam}
            seed: 5
            """;

    private static MfModel tiny() {
        MfModel m = new MfModel(MfConfig.parse(YAML));
        m.train(List.of(Interaction.implicit("alice", "book", 1_000), Interaction.implicit("bob", "pen", 2_000)));
        m.train(List.of(Interaction.implicit("alice", "pen", 3_000)));
        return m;
    }

    private static String pinned(Path fixture, byte[] bytes) throws IOException {
        String hex = HexFormat.of().formatHex(bytes);
        if (Boolean.getBoolean("streamgrad.writeFixtures")) {
            Files.writeString(fixture, hex + "\n", StandardCharsets.UTF_8);
        }
        return Files.readString(fixture, StandardCharsets.UTF_8).trim();
    }

    @Test
    void globalState_version1_matchesTheFixture_andReadsBack() throws IOException {
        MfModel m = tiny();
        byte[] bytes = m.global().encode();

        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(pinned(GLOBAL, bytes));
        MfGlobal back = MfGlobal.decode(m.spec(), HexFormat.of().parseHex(pinned(GLOBAL, bytes)));
        assertThat(back).isEqualTo(m.global());
        assertThat(back.step()).isEqualTo(2);
    }

    @Test
    void modelFile_version1_matchesTheFixture_andLoadsTheSameRows(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.sgr");
        MfModel m = tiny();
        MfModelFile.save(file, YAML, m);
        byte[] bytes = Files.readAllBytes(file);

        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(pinned(MODEL, bytes));
        Path fromFixture = dir.resolve("fixture.sgr");
        Files.write(fromFixture, HexFormat.of().parseHex(pinned(MODEL, bytes)));
        MfModel back = MfModelFile.load(fromFixture).model();
        assertThat(back.global()).isEqualTo(m.global());
        assertThat(back.items().lookup("pen")).isEqualTo(m.items().lookup("pen"));
        assertThat(back.score("alice", "book")).isEqualTo(m.score("alice", "book"));
    }

    @Test
    void damagedModelFile_isRefusedWithTheFix(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.sgr");
        MfModelFile.save(file, YAML, tiny());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);

        assertThatThrownBy(() -> MfModelFile.load(file))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("checksum mismatch")
                .hasMessageContaining("train and save it again");
    }
}

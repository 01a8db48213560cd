package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version 2 of the global state and of the model file (written only by a model with context fields; without them
 * the bytes stay version 1, {@link MfStateFormatTest}), pinned by committed fixtures. Regenerate (only for a new
 * version, as new files): {@code -Dstreamgrad.writeFixtures=true}.
 */
class MfContextStateFormatTest {
    private static final Path GLOBAL = Path.of("src/test/resources/recs/global-v2.hex");
    private static final Path MODEL = Path.of("src/test/resources/recs/model-v2.hex");
    private static final String YAML = """
            model: {type: mf, dim: 2}
            loss: logistic
            negatives: {count: 1, pool: 4}
            optimizer: {type: adam}
            seed: 5
            context: {device: {}, hour: {min_count: 2}}
            """;

    private static MfModel tiny() {
        MfModel m = new MfModel(MfConfig.parse(YAML));
        m.train(List.of(
                new Interaction("alice", "book", Double.NaN, 1_000, Map.of("device", "ios", "hour", "h8")),
                new Interaction("bob", "pen", Double.NaN, 2_000, Map.of("device", "web"))));
        m.train(List.of(new Interaction("alice", "pen", Double.NaN, 3_000, Map.of("device", "ios", "hour", "h8"))));
        return m;
    }

    private static String pinned(Path fixture, byte[] bytes) throws IOException {
        if (Boolean.getBoolean("streamgrad.writeFixtures") && !Files.exists(fixture)) {
            Files.writeString(fixture, HexFormat.of().formatHex(bytes) + "\n", StandardCharsets.UTF_8);
        }
        return Files.readString(fixture, StandardCharsets.UTF_8).trim();
    }

    @Test
    void globalState_version2_matchesTheFixture_andReadsBack() throws IOException {
        MfModel m = tiny();
        byte[] bytes = m.global().encode();

        assertThat(bytes[1]).isEqualTo((byte) 2);
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(pinned(GLOBAL, bytes));
        MfGlobal back = MfGlobal.decode(m.spec(), HexFormat.of().parseHex(pinned(GLOBAL, bytes)));
        assertThat(back).isEqualTo(m.global());
        assertThat(back.contextRows(0)).isEqualTo(2); // ios, web
        assertThat(back.contextRows(1)).isEqualTo(1); // h8, admitted at its second sighting
    }

    @Test
    void modelFile_version2_matchesTheFixture_andLoadsEveryTable(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.sgr");
        MfModel m = tiny();
        MfModelFile.save(file, YAML, m);
        byte[] bytes = Files.readAllBytes(file);

        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(pinned(MODEL, bytes));
        Path fromFixture = dir.resolve("fixture.sgr");
        Files.write(fromFixture, HexFormat.of().parseHex(pinned(MODEL, bytes)));
        MfModel back = MfModelFile.load(fromFixture).model();
        assertThat(back.global()).isEqualTo(m.global());
        assertThat(back.contexts().get(0).lookup("ios"))
                .isEqualTo(m.contexts().get(0).lookup("ios"));
        assertThat(back.contexts().get(1).lookup("h8"))
                .isEqualTo(m.contexts().get(1).lookup("h8"));
        Map<String, String> c = Map.of("device", "ios", "hour", "h8");
        assertThat(back.score("alice", "book", c)).isEqualTo(m.score("alice", "book", c));
    }
}

package io.streamgrad.learner.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code docs/CONFIG.md} is generated from {@link ConfigKeys}; this keeps the committed file in step. */
class ConfigDocsTest {
    private static final Path DOC = Path.of("..", "docs", "CONFIG.md");

    @Test
    void configReference_matchesConfigKeysTable() throws IOException {
        String expected = ConfigKeys.markdown();
        if (Boolean.getBoolean("streamgrad.writeDocs")) {
            Files.writeString(DOC, expected, StandardCharsets.UTF_8);
        }

        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/CONFIG.md is out of date; regenerate with "
                        + "mvn -pl learner test -Dtest=ConfigDocsTest -Dstreamgrad.writeDocs=true")
                .isEqualTo(expected);
    }

    @Test
    void configReference_example_isAValidConfig() {
        assertThat(ConfigParser.parse(ConfigKeys.EXAMPLE).model().type().yamlName())
                .isEqualTo("mlp");
    }
}

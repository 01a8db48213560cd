package io.streamgrad.monitor.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.config.ConfigParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code docs/OPS.md} is generated from {@link OpsOptions}; its example is the defaults, spelled out. */
class OpsDocsTest {
    private static final Path DOC = Path.of("..", "docs", "OPS.md");

    @Test
    void opsReference_matchesTheOptions() throws IOException {
        String expected = OpsOptions.markdown();
        if (Boolean.getBoolean("streamgrad.writeDocs")) {
            Files.writeString(DOC, expected, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/OPS.md is out of date; regenerate with "
                        + "mvn -pl monitor test -Dtest=OpsDocsTest -Dstreamgrad.writeDocs=true")
                .isEqualTo(expected);
    }

    @Test
    void example_isExactlyTheDefaults() {
        assertThat(OpsConfig.parse(ConfigParser.loadYaml(OpsOptions.EXAMPLE, ""), ""))
                .isEqualTo(OpsConfig.defaults());
    }
}

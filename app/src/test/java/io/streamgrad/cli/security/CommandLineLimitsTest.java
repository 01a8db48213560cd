package io.streamgrad.cli.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Command-line values outside their limits are usage errors that name the option. */
class CommandLineLimitsTest {
    @Test
    void commandLine_badValues_failWithUsage_namingTheOption() {
        Cli.Result r = Cli.run("models", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--version", "0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--version: 0 is outside [1, ");

        Cli.Result unknown = Cli.run("models", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--password", "x");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown option --password");
    }
}

package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {
    record Result(int status, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void writingTheClassDataArchiveAtExit_isSaid_andNothingOtherwise() throws Exception {
        assertThat(Main.cdsNotice("app/target/streamgrad-cds-Main.jsa"))
                .startsWith("writing the class-data archive app/target/streamgrad-cds-Main.jsa")
                .contains("STREAMGRAD_CDS=off");
        assertThat(Main.cdsNotice(null)).isNull();
        // The launcher passes the property exactly where it asks the JVM to write the archive.
        String launcher = java.nio.file.Files.readString(java.nio.file.Path.of("..", "streamgrad"));
        assertThat(launcher)
                .containsPattern(
                        "-XX:ArchiveClassesAtExit=\\S+ [^\\n]*\\\\\\n\\s+-D" + Main.CDS_ARCHIVE_PROPERTY + "=");
    }

    @Test
    void noArguments_printsUsage_andExits2() {
        Result r = run();
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err())
                .contains("usage: streamgrad <command>")
                .contains("demo")
                .contains("produce");
    }

    @Test
    void unknownCommand_exits2_namingIt() {
        Result r = run("trian");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("unknown command 'trian'");
    }

    @Test
    void help_printsUsage_andExits0() {
        assertThat(run("help").status()).isZero();
        Result r = run("produce", "--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("--bootstrap-servers").contains("--rate");
    }

    @Test
    void missingRequiredOption_exits2_withTheCommandsUsage() {
        Result r = run("produce", "--bootstrap-servers", "localhost:1", "--model", "m");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--topic is required").contains("usage: streamgrad produce");
    }

    @Test
    void unknownOption_orMissingValue_orBadNumber_exits2() {
        assertThat(run("metrics", "--bootstrap-servers", "b", "--topic", "t", "--colour")
                        .err())
                .contains("unknown option --colour");
        assertThat(run("models", "--bootstrap-servers").err()).contains("--bootstrap-servers needs a value");
        Result r = run("models", "--bootstrap-servers", "b", "--topic", "t", "--version", "x");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--version: 'x' is not an integer");
        assertThat(run("demo", "--rate", "-5").err()).contains("--rate: -5 is outside");
    }

    @Test
    void saveWithoutModel_exits2() {
        Result r = run("models", "--bootstrap-servers", "b", "--topic", "t", "--save", "x.sgm");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--save needs --model");
    }

    @Test
    void runWithMissingConfigFile_exits2_andABadConfig_exits1NamingTheKey(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(run("run", "--config", dir.resolve("nope.yaml").toString()).err())
                .contains("no such file");
        java.nio.file.Path bad = java.nio.file.Files.writeString(dir.resolve("job.yaml"), "kafka: {}\nstart: never\n");
        Result r = run("run", "--config", bad.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("kafka.bootstrap.servers: missing").contains("start: 'never'");
    }

    @Test
    void offlineCommands_areDispatchedToTheLearnersCli() {
        Result r = run("train");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err() + r.out()).contains("--config");
    }

    @Test
    void runFromMissingSavepoint_exits2_namingTheOption(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path job = dir.resolve("job.yaml");
        java.nio.file.Files.writeString(job, """
                kafka: {bootstrap.servers: 127.0.0.1:1}
                models:
                  m: {model: {type: logistic, features: 4}, loss: binary_cross_entropy, optimizer: {type: sgd}}
                """);
        Result r = run(
                "run",
                "--config",
                job.toString(),
                "--from-savepoint",
                dir.resolve("nope").toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--from-savepoint: no such directory").contains("chk-<n>");
    }

    @Test
    void alertsForward_withANonHttpAlertmanager_exits2_namingTheOptionAndAnExample() {
        Result r =
                run("alerts-forward", "--bootstrap", "localhost:1", "--topic", "alerts", "--alertmanager", "ftp://x");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err())
                .contains("--alertmanager ftp://x: not an http(s) URL")
                .contains("http://127.0.0.1:9093")
                .contains("usage: streamgrad alerts-forward");
        assertThat(run("alerts-forward", "--help").out()).contains("at-least-once");
    }
}

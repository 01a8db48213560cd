package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's handling of bad input: arguments, configs, data and model files. */
class OfflineCliTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private Path validConfig() throws IOException {
        return file(
                "model.yaml",
                "model: {type: logistic, features: 3}\nloss: binary_cross_entropy\n" + "optimizer: {type: sgd}\n");
    }

    @Test
    void noArguments_printsUsage_exit2() {
        CliRun r = CliRun.of();

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("usage: streamgrad <command> [options]");
    }

    @Test
    void help_printsUsageOnStdout_exit0() {
        assertThat(CliRun.of("--help").status()).isZero();
        assertThat(CliRun.of("--help").out()).contains("train", "predict", "evaluate");
        assertThat(CliRun.of("predict", "--help").status()).isZero();
    }

    @Test
    void unknownCommand_exit2() {
        CliRun r = CliRun.of("trian");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: unknown command 'trian'; commands: train, predict, evaluate\nusage:");
    }

    @Test
    void missingRequiredOption_exit2_namesIt() throws IOException {
        CliRun r = CliRun.of("train", "--config", validConfig().toString(), "--save", "x.sgm");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: train: --data is required\n");
    }

    @Test
    void unknownOption_exit2_suggestsClosest() {
        CliRun r = CliRun.of("train", "--pases", "3");

        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: train: unknown option --pases; did you mean --passes?");
    }

    @Test
    void optionOfAnotherCommand_exit2() {
        assertThat(CliRun.of("predict", "--json").err()).startsWith("error: predict: unknown option --json");
        assertThat(CliRun.of("predict", "--json").status()).isEqualTo(2);
    }

    @Test
    void badOptionValues_exit2() throws IOException {
        String cfg = validConfig().toString();
        Path data = file("d.svm", "1 1:1\n");

        assertThat(CliRun.of("train", "--config", cfg, "--data", data.toString(), "--save", "s", "--passes", "0")
                        .err())
                .startsWith("error: train: --passes: 0 is outside [1, 2147483647]");
        assertThat(CliRun.of("train", "--config", cfg, "--data", data.toString(), "--save", "s", "--format", "xml")
                        .err())
                .startsWith("error: train: unknown data format 'xml'; allowed: libsvm, csv");
        assertThat(CliRun.of("train", "--config", cfg, "--data", data.toString(), "--save", "s", "--on-error", "ignore")
                        .status())
                .isEqualTo(2);
        assertThat(CliRun.of("train", "--config").err()).startsWith("error: train: --config needs a value");
        assertThat(CliRun.of("train", "--data", "a", "--data=b").err()).startsWith("error: train: --data given twice");
        assertThat(CliRun.of("train", "stray").err()).startsWith("error: train: unexpected argument 'stray'");
    }

    @Test
    void invalidConfig_exit1_namesFileAndKey() throws IOException {
        Path cfg = file(
                "bad.yaml",
                "model: {type: mpl, features: 3}\nloss: binary_cross_entropy\n" + "optimizer: {type: sgd, lr: 0.1}\n");
        Path data = file("d.svm", "1 1:1\n");

        CliRun r = CliRun.of(
                "train",
                "--config",
                cfg.toString(),
                "--data",
                data.toString(),
                "--save",
                dir.resolve("m.sgm").toString());

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err().lines())
                .containsExactly(
                        "error: invalid config " + cfg
                                + ": model.type: unknown value 'mpl'; allowed: linear, logistic, "
                                + "softmax, mlp, fm (did you mean 'mlp'?)",
                        "error: invalid config " + cfg + ": optimizer.lr: unknown key; did you mean "
                                + "'optimizer.learning_rate'? (known keys of optimizer: type, learning_rate, beta1, beta2, "
                                + "epsilon, weight_decay, momentum, rho, initial_accumulator, beta)");
        assertThat(dir.resolve("m.sgm")).doesNotExist();
    }

    @Test
    void badDataLine_exit1_withFileAndLine() throws IOException {
        Path data = file("d.svm", "1 1:1\n0 4:1\n");

        CliRun r = CliRun.of(
                "train",
                "--config",
                validConfig().toString(),
                "--data",
                data.toString(),
                "--save",
                dir.resolve("m.sgm").toString());

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo("error: " + data + ":2: feature index 4 exceeds model.features = 3 (indices "
                        + "are 1-based, so at most 3; raise model.features or re-index)\n");
    }

    @Test
    void missingFiles_exit1() throws IOException {
        CliRun r = CliRun.of(
                "train",
                "--config",
                validConfig().toString(),
                "--data",
                dir.resolve("nope.svm").toString(),
                "--save",
                "x");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: no such file: " + dir.resolve("nope.svm") + "\n");

        CliRun c = CliRun.of("train", "--config", dir.resolve("none.yaml").toString(), "--data", "d", "--save", "x");
        assertThat(c.status()).isEqualTo(1);
        assertThat(c.err()).startsWith("error: no such file: ");
    }

    @Test
    void modelFileThatIsNotASnapshot_exit1() throws IOException {
        Path notSnapshot = file("model.sgm", "hello, I am text");
        Path data = file("d.svm", "1 1:1\n");

        CliRun r = CliRun.of("predict", "--model", notSnapshot.toString(), "--data", data.toString());

        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: " + notSnapshot + ": not a streamgrad snapshot: magic bytes are");
    }
}

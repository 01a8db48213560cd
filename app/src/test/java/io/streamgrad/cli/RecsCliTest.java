package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train} / {@code evaluate} with an mf config on the shipped retail interactions. */
class RecsCliTest {
    private static final Path RETAIL = Path.of("..", "data", "recs", "online-retail-2010-12.csv");
    private static final String CONFIG = """
            model: {type: mf, dim: 16}
            loss: bpr
            negatives: {count: 8, pool: 2000}
            optimizer: {type: adagrad, learning_rate: 0.3}
            regularization: {l2: 0.0001}
            batch_size: 32
            seed: 1
            """;

    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = OfflineCli.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void trainThenEvaluate_onInteractionFiles_reportsRecallBesidePopularity(@TempDir Path dir) throws IOException {
        List<String> lines = Files.readAllLines(RETAIL, StandardCharsets.UTF_8);
        Path first = dir.resolve("first.csv");
        Path later = dir.resolve("later.csv");
        Files.write(first, lines.subList(0, 20_001));
        Files.write(
                later,
                java.util.stream.Stream.concat(
                                java.util.stream.Stream.of(lines.get(0)), lines.subList(20_001, lines.size()).stream())
                        .toList());
        Path config = dir.resolve("mf.yaml");
        Files.writeString(config, CONFIG);
        Path model = dir.resolve("retail.sgr");

        Result trained =
                run("train", "--config", config.toString(), "--data", first.toString(), "--save", model.toString());
        Result evaluated = run("evaluate", "--model", model.toString(), "--data", later.toString(), "--json");

        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(trained.out())
                .contains("read 20000 interactions")
                .containsPattern("pass 1/1: mf examples=20000 recall@10=0\\.\\d{4} ndcg@10=0\\.\\d{4} \\| popularity "
                        + "examples=20000 recall@10=0\\.\\d{4}")
                .contains("saved " + model);
        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out())
                .contains("\"mf\":{\"examples\":5212.0,\"recall@10\":")
                .contains("\"popularity\":");
    }

    @Test
    void contextColumn_trainsAFactorizationMachine_andEvaluateReadsTheSameColumn(@TempDir Path dir) throws IOException {
        // the README's example: the hour of day of each purchase as a context field
        List<String> lines = Files.readAllLines(RETAIL, StandardCharsets.UTF_8);
        List<String> withHour = new java.util.ArrayList<>();
        withHour.add(lines.get(0) + ",hour");
        for (String l : lines.subList(1, lines.size())) {
            withHour.add(l + "," + l.split(",")[2].substring(11, 13));
        }
        Path first = dir.resolve("first.csv");
        Path later = dir.resolve("later.csv");
        Files.write(first, withHour.subList(0, 20_001));
        Files.write(
                later,
                java.util.stream.Stream.concat(
                                java.util.stream.Stream.of(withHour.get(0)),
                                withHour.subList(20_001, withHour.size()).stream())
                        .toList());
        Path config = dir.resolve("fm.yaml");
        Files.writeString(config, CONFIG + "context: {hour: {}}\n");
        Path model = dir.resolve("retail-hour.sgr");

        Result trained =
                run("train", "--config", config.toString(), "--data", first.toString(), "--save", model.toString());
        Result evaluated = run("evaluate", "--model", model.toString(), "--data", later.toString(), "--json");
        Result noColumn =
                run("train", "--config", config.toString(), "--data", RETAIL.toString(), "--save", model.toString());

        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(trained.out())
                .contains("read 20000 interactions from " + first + " (context hour)")
                .containsPattern(" user rows, \\d+ item rows, 1[0-9] hour rows;");
        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("\"mf\":{\"examples\":5212.0,\"recall@10\":");
        assertThat(noColumn.status()).isEqualTo(OfflineCli.FAILED);
        assertThat(noColumn.err()).contains(RETAIL + ":1: header").contains("lacks the context column(s) [hour]");
    }

    @Test
    void outOfOrderInteractions_failNamingFileLineAndTheFix(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("bad.csv");
        Files.writeString(data, "user,item,timestamp\nu1,i1,100\nu2,i2,50\n");
        Path config = dir.resolve("mf.yaml");
        Files.writeString(config, CONFIG);

        Result r = run(
                "train",
                "--config",
                config.toString(),
                "--data",
                data.toString(),
                "--save",
                dir.resolve("m.sgr").toString());

        assertThat(r.status()).isEqualTo(OfflineCli.FAILED);
        assertThat(r.err())
                .contains(data + ":3: timestamp 50 is before the previous line's")
                .contains("sort the file by its timestamp column");
    }

    @Test
    void badMfConfig_namesTheFileAndKey(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("mf.yaml");
        Files.writeString(config, CONFIG.replace("dim: 16", "dim: 0"));

        Result r = run(
                "train",
                "--config",
                config.toString(),
                "--data",
                RETAIL.toString(),
                "--save",
                dir.resolve("m.sgr").toString());

        assertThat(r.status()).isEqualTo(OfflineCli.FAILED);
        assertThat(r.err()).contains(config + ": model.dim: 0 is out of range");
    }
}

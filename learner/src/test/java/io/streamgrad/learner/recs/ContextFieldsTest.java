package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.data.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Context fields end to end offline: config, CSV columns, model file, and what they buy in ranking quality. */
class ContextFieldsTest {
    private static final String BASE = """
            model: {type: mf, dim: 8}
            loss: bpr
            negatives: {count: 8, pool: 200}
            optimizer: {type: adagrad, learning_rate: 0.2}
            tables: {min_count: 2, expire_after_steps: 500}
            evaluation: {top_k: 4}
            batch_size: 16
            """;

    @Test
    void contextFields_inheritTheTablesKeys_andKeepTheirDeclarationOrder() {
        MfSpec s = MfConfig.parse(BASE + "context: {hour_of_week: {capacity: 168}, device: {}}\n");

        assertThat(s.contextFields()).containsExactly("hour_of_week", "device");
        assertThat(s.contexts().get("hour_of_week"))
                .isEqualTo(new TableSpec(2, 168, TableSpec.Overflow.REJECT, 500, 0, 100));
        assertThat(s.contexts().get("device")).isEqualTo(s.users());
        assertThat(MfConfig.parse(BASE).contexts()).isEmpty();
    }

    @Test
    void badContextFields_areReportedWithTheirKeyPath() {
        assertThatThrownBy(() -> MfConfig.parse(BASE + "context: {item: {}, Device: {}, country: {min_cont: 2}}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("context.item: a context field is named with lower case letters")
                .hasMessageContaining("context.Device: a context field")
                .hasMessageContaining("context.country.min_cont: unknown key");
        assertThatThrownBy(() -> MfConfig.parse(BASE + "context: {device: 3}\n"))
                .hasMessageContaining("context.device: expected a section");
    }

    @Test
    void csv_readsTheDeclaredContextColumns_anEmptyCellIsNoId(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.csv");
        Files.writeString(f, "timestamp,user,device,item,extra\n1,u1,ios,i1,z\n2,u2,,i2,z\n");

        List<Interaction> xs = InteractionCsv.read(f, List.of("device"));

        assertThat(xs)
                .containsExactly(
                        new Interaction("u1", "i1", Double.NaN, 1000, Map.of("device", "ios")),
                        new Interaction("u2", "i2", Double.NaN, 2000, Map.of()));
        assertThat(InteractionCsv.read(f))
                .allSatisfy(x -> assertThat(x.context()).isEmpty());
        assertThatThrownBy(() -> InteractionCsv.read(f, List.of("device", "country")))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(f + ":1")
                .hasMessageContaining("lacks the context column(s) [country]");
    }

    /**
     * Users pick from one half of the catalogue on one device and from the other half on the other: the context
     * field lets the model tell which, plain mf cannot.
     */
    static List<Interaction> deviceSplit(int n) {
        Random rng = new Random(7);
        List<Interaction> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int u = rng.nextInt(40);
            boolean mobile = rng.nextBoolean();
            int item = (mobile ? 0 : 30) + (u % 5) * 6 + rng.nextInt(6);
            out.add(new Interaction(
                    "u" + u, "i" + item, Double.NaN, 1000L * t, Map.of("device", mobile ? "mobile" : "desktop")));
        }
        return out;
    }

    @Test
    void aContextThatDecidesTheChoice_liftsPrequentialRecall_overPlainMf() {
        List<Interaction> data = deviceSplit(6000);
        Prequential plain = new Prequential(new MfModel(MfConfig.parse(BASE)));
        plain.run(data);
        Prequential fm = new Prequential(new MfModel(MfConfig.parse(BASE + "context: {device: {}}\n")));
        fm.run(data);

        double plainRecall = plain.model().recall();
        double fmRecall = fm.model().recall();
        assertThat(fmRecall).as("fm %s vs mf %s", fmRecall, plainRecall).isGreaterThan(plainRecall * 1.3);
    }

    @Test
    void modelFile_withContexts_roundTripsEveryTable(@TempDir Path dir) throws IOException {
        String yaml = BASE + "context: {device: {}}\n";
        MfModel m = new MfModel(MfConfig.parse(yaml));
        new Prequential(m).run(deviceSplit(800));
        Path file = dir.resolve("m.mf");

        MfModelFile.save(file, yaml, m);
        MfModel back = MfModelFile.load(file).model();

        assertThat(back.global()).isEqualTo(m.global());
        assertThat(back.global().contextRows(0)).isEqualTo(2);
        for (String dev : List.of("mobile", "desktop")) {
            assertThat(back.topK("u3", Map.of("device", dev), 10)).isEqualTo(m.topK("u3", Map.of("device", dev), 10));
        }
        assertThat(MfGlobal.decode(m.spec(), m.global().encode())).isEqualTo(m.global());
        assertThatThrownBy(
                        () -> MfGlobal.decode(MfConfig.parse(BASE), m.global().encode()))
                .hasMessageContaining("1 context tables, the config declares 0");
    }
}

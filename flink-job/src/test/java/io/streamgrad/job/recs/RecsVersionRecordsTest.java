package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.learner.recs.InteractionGenerator;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import io.streamgrad.learner.recs.RecsOptions;
import io.streamgrad.schemas.SingleObjectCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecsVersionRecordsTest {
    private static MfModel trained() {
        MfModel model = new MfModel(MfConfig.parse(RecsOptions.EXAMPLE));
        model.train(InteractionGenerator.generate(2, 20, 30, 4, 64, 1.0, 0.0, 1.0));
        return model;
    }

    @Test
    void aFullVersion_becomesOneRecordPerPart_withTheSameMetadata_andTheConfigOnPartZero() throws Exception {
        MfModel model = trained();
        List<MfPublication.Part> parts = MfPublication.full(model, 10);
        List<RecsVersion> records = RecsVersionRecords.of(
                "shop", 4, 4, 1, 64, 1000, RecsOptions.EXAMPLE, parts, Map.of("loss", 0.5), Map.of("in-0", 64L), "b");
        assertThat(records).hasSize(parts.size()).hasSizeGreaterThan(2);
        SingleObjectCodec<RecsVersion> codec = SingleObjectCodec.recsVersion();
        int rows = 0;
        for (int p = 0; p < records.size(); p++) {
            RecsVersion r = codec.decode(codec.encode(records.get(p)));
            assertThat(r.getKind()).isEqualTo(RecsVersionKind.FULL);
            assertThat(r.getBaseVersion()).isZero();
            assertThat(r.getFullVersion()).isEqualTo(4);
            assertThat(r.getPart()).isEqualTo(p);
            assertThat(r.getParts()).isEqualTo(records.size());
            assertThat(r.getConfigYaml()).isEqualTo(p == 0 ? RecsOptions.EXAMPLE : "");
            assertThat(r.getGlobalBias()).isEqualTo(model.global().globalBias());
            for (RecsTableRows t : r.getTables()) {
                MfPublication.TableRows expected = parts.get(p).tables().stream()
                        .filter(x -> x.name().equals(t.getName()))
                        .findFirst()
                        .orElseThrow();
                assertThat(t.getIds()).isEqualTo(expected.ids());
                assertThat(MfPublication.floats(t.getValues())).isEqualTo(expected.values());
                assertThat(MfPublication.longs(t.getCounts())).isEqualTo(expected.counts());
                assertThat(t.getRemoved()).isEmpty();
                rows += t.getIds().size();
            }
        }
        assertThat(rows).isEqualTo(model.users().admittedRows() + model.items().admittedRows());
    }

    @Test
    void aDelta_namesItsBaseAndChain_andCarriesTombstones() {
        MfModel model = trained();
        List<MfPublication.Part> parts = MfPublication.delta(
                model, Map.of(MfModel.ITEMS, List.of("i0")), Map.of(MfModel.USERS, List.of("gone")), 10);
        RecsVersion r = RecsVersionRecords.of("shop", 6, 4, 2, 128, 2000, "", parts, Map.of(), Map.of(), "b")
                .get(0);
        assertThat(r.getKind()).isEqualTo(RecsVersionKind.DELTA);
        assertThat(r.getBaseVersion()).isEqualTo(5);
        assertThat(r.getFullVersion()).isEqualTo(4);
        assertThat(r.getTables())
                .extracting(RecsTableRows::getName, RecsTableRows::getRemoved)
                .contains(org.assertj.core.groups.Tuple.tuple("users", List.of("gone")));
    }

    @Test
    void aVersionBeforeItsChain_isRefused() {
        assertThatThrownBy(() -> RecsVersionRecords.of(
                        "m",
                        3,
                        4,
                        0,
                        0,
                        0,
                        "",
                        MfPublication.delta(trained(), Map.of(), Map.of(), 1),
                        Map.of(),
                        Map.of(),
                        ""))
                .hasMessageContaining("chain");
    }
}

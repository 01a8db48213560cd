package io.streamgrad.serving.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.job.recs.RecsVersionRecords;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionGenerator;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A served version of an mf model with context fields answers exactly (==) what the offline {@link MfModel} answers
 * at that version, for scores and top-k under a context: known ids, an unknown context id (no row), no context, and
 * a user without a row; across a FULL version and a DELTA that carries context rows and context tombstones.
 */
class RecsContextModelTest {
    static final String YAML = """
            model: {type: mf, dim: 6, init_std: 0.1}
            loss: bpr
            negatives: {count: 4, pool: 300}
            optimizer: {type: adagrad, learning_rate: 0.2}
            tables: {min_count: 2, expire_after_steps: 8, sweep_every_steps: 2}
            batch_size: 16
            seed: 5
            context: {device: {min_count: 1, expire_after_steps: 0}, hour: {capacity: 4, overflow: evict_least_recent}}
            """;

    private static List<Interaction> data(int n) {
        List<Interaction> base = InteractionGenerator.generate(17, 50, 80, 6, n, 1.0, 0.5, 3.0);
        List<Interaction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Interaction x = base.get(i);
            Map<String, String> c = new HashMap<>();
            if (i % 4 != 0) {
                c.put("device", "d" + Math.floorMod(x.user().hashCode(), 3));
            }
            c.put("hour", "h" + (i / 20) % 8);
            out.add(new Interaction(x.user(), x.item(), x.rating(), x.timeMs(), c));
        }
        return out;
    }

    private static List<RecsVersion> records(MfModel model, long v, long full, List<MfPublication.Part> parts) {
        return RecsVersionRecords.of(
                "shop",
                v,
                full,
                model.global().step(),
                0,
                1_700_000_000_000L + v,
                YAML,
                parts,
                Map.of(),
                Map.of(),
                "t");
    }

    private static List<String> wheres(List<RecsVersion> r) {
        return Collections.nCopies(r.size(), "updates-0@1");
    }

    private static void check(MfModel model, RecsModel served) {
        List<Map<String, String>> contexts = List.of(
                Map.of(),
                Map.of("device", "d0"),
                Map.of(
                        "device",
                        "d2",
                        "hour",
                        model.contexts().get(1).store().entries().iterator().hasNext()
                                ? model.contexts()
                                        .get(1)
                                        .store()
                                        .entries()
                                        .iterator()
                                        .next()
                                        .getKey()
                                : "h0"),
                Map.of("device", "no-such-device"),
                Map.of("hour", "h1", "device", "d1"));
        List<String> users = List.of("u1", "u7", "u23", "nobody");
        List<String> items = List.of("i0", "i3", "i11", "no-such-item");
        for (Map<String, String> c : contexts) {
            for (String u : users) {
                for (String i : items) {
                    assertThat(served.score(u, i, c).score())
                            .as("score %s %s %s", u, i, c)
                            .isEqualTo(model.score(u, i, c));
                }
                boolean contextKnown = c.entrySet().stream()
                        .anyMatch(e -> served.row(e.getKey(), e.getValue()) != null
                                && served.contextFields().contains(e.getKey()));
                RecsModel.Recommendation r = served.recommend(u, 10, Set.of(), c);
                if (u.equals("nobody") && !contextKnown) {
                    assertThat(r.fallback()).isTrue();
                    continue;
                }
                assertThat(r.fallback()).isFalse();
                List<MfModel.Scored> expected = model.topK(u, c, 10);
                assertThat(r.items())
                        .extracting(RecsModel.Scored::item)
                        .as("top-k %s %s", u, c)
                        .containsExactlyElementsOf(
                                expected.stream().map(MfModel.Scored::item).toList());
                for (int n = 0; n < expected.size(); n++) {
                    assertThat(r.items().get(n).score())
                            .isEqualTo(expected.get(n).score());
                }
            }
        }
    }

    @Test
    void fullThenDelta_withContextRowsAndTombstones_answersExactlyAsTheOfflineModel() {
        MfModel model = new MfModel(MfConfig.parse(YAML));
        List<Interaction> data = data(1600);
        for (int s = 0; s < 50; s++) {
            model.train(data.subList(s * 16, (s + 1) * 16));
        }
        List<RecsVersion> v1 = records(model, 1, 1, MfPublication.full(model, 64));
        RecsModel served = RecsModel.full(v1, wheres(v1));
        assertThat(served.contextFields()).containsExactly("device", "hour");
        assertThat(served.contextRows("device")).isEqualTo(3);
        assertThat(served.contextRows("hour")).isEqualTo(4);
        check(model, served);

        Map<String, Set<String>> changed = new HashMap<>();
        Map<String, Set<String>> removed = new HashMap<>();
        for (int s = 50; s < 100; s++) {
            MfModel.StepResult r = model.train(data.subList(s * 16, (s + 1) * 16));
            changed.computeIfAbsent(MfModel.USERS, k -> new LinkedHashSet<>()).addAll(r.changedUsers());
            changed.computeIfAbsent(MfModel.ITEMS, k -> new LinkedHashSet<>()).addAll(r.changedItems());
            removed.computeIfAbsent(MfModel.USERS, k -> new LinkedHashSet<>()).addAll(r.removedUsers());
            removed.computeIfAbsent(MfModel.ITEMS, k -> new LinkedHashSet<>()).addAll(r.removedItems());
            r.changedContexts()
                    .forEach((f, ids) -> changed.computeIfAbsent(f, k -> new LinkedHashSet<>())
                            .addAll(ids));
            r.removedContexts()
                    .forEach((f, ids) -> removed.computeIfAbsent(f, k -> new LinkedHashSet<>())
                            .addAll(ids));
        }
        assertThat(removed.get("hour")).as("the hour table evicted rows").isNotEmpty();
        List<RecsVersion> v2 = records(model, 2, 1, MfPublication.delta(model, changed, removed, 64));
        RecsModel next = served.withDelta(v2, wheres(v2));
        assertThat(next.ids("hour"))
                .containsExactlyInAnyOrderElementsOf(new MfPublication.Rebuild(6)
                        .apply(true, MfPublication.full(model, 64))
                        .values("hour")
                        .keySet());
        check(model, next);
    }

    @Test
    void aTableTheConfigDoesNotDeclare_isRefusedNamingThePlace() {
        MfModel model = new MfModel(MfConfig.parse(YAML));
        model.train(data(16));
        String plain = YAML.replace(
                "context: {device: {min_count: 1, expire_after_steps: 0}, hour: {capacity: 4,"
                        + " overflow: evict_least_recent}}\n",
                "");
        List<RecsVersion> v1 = RecsVersionRecords.of(
                "shop", 1, 1, 1, 0, 1L, plain, MfPublication.full(model, 64), Map.of(), Map.of(), "t");
        assertThatThrownBy(() -> RecsModel.full(v1, wheres(v1)))
                .hasMessageContaining("updates-0@1: unknown table 'device'")
                .hasMessageContaining("[users, items]");
    }
}

package io.streamgrad.serving.recs;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.job.recs.RecsVersionRecords;
import io.streamgrad.learner.recs.EmbeddingTable;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionGenerator;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import io.streamgrad.learner.recs.Row;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A REAL offline-trained {@link MfModel} published version by version as the job does: a FULL version, DELTAs of the
 * rows changed since the version before (with tombstones from expiry and capacity eviction), a FULL version again
 * every {@code fullEvery} versions, every version split in parts of at most {@code maxRowsPerPart} rows. With each
 * version, what the offline model answers at that version: the reference a served version must equal.
 */
final class RecsScenario {
    static final String YAML = """
            model: {type: mf, dim: 8, init_std: 0.1}
            loss: logistic
            negatives: {count: 4, pool: 300}
            optimizer: {type: adagrad, learning_rate: 0.2}
            tables: {min_count: 2, capacity: 60, overflow: evict_least_recent, expire_after_steps: 8, sweep_every_steps: 4}
            batch_size: 16
            seed: 5
            """;
    static final int K = 10;
    static final String UNKNOWN_USER = "nobody";
    static final String UNKNOWN_ITEM = "no-such-item";

    /** One recommend question and the offline model's answer. */
    record Ask(String user, Set<String> exclude, List<MfModel.Scored> expected, boolean fallback) {}

    /** One score question and the offline model's answer. */
    record Pair(String user, String item, double expected) {}

    record Published(long version, boolean full, List<RecsVersion> records, List<Ask> asks, List<Pair> pairs) {}

    static List<Published> run(int versions, int stepsPerVersion, int fullEvery, int maxRowsPerPart) {
        return run(YAML, 90, 140, stepsPerVersion, versions, stepsPerVersion, fullEvery, maxRowsPerPart);
    }

    /**
     * As above, with the model's config, the generator's numbers of users and items, and the steps of version 1
     * given.
     */
    static List<Published> run(
            String yaml,
            int users,
            int items,
            int firstVersionSteps,
            int versions,
            int stepsPerVersion,
            int fullEvery,
            int maxRowsPerPart) {
        MfModel model = new MfModel(MfConfig.parse(yaml));
        List<Interaction> data = InteractionGenerator.generate(
                17, users, items, 8, (firstVersionSteps + (versions - 1) * stepsPerVersion) * 16, 1.0, 0.5, 3.0);
        Map<String, Set<String>> changed =
                Map.of(MfModel.USERS, new LinkedHashSet<>(), MfModel.ITEMS, new LinkedHashSet<>());
        Map<String, Set<String>> removed =
                Map.of(MfModel.USERS, new LinkedHashSet<>(), MfModel.ITEMS, new LinkedHashSet<>());
        List<Published> out = new ArrayList<>();
        long fullVersion = 0;
        int step = 0;
        for (long v = 1; v <= versions; v++) {
            for (int s = 0; s < (v == 1 ? firstVersionSteps : stepsPerVersion); s++, step++) {
                MfModel.StepResult r = model.train(data.subList(step * 16, (step + 1) * 16));
                changed.get(MfModel.USERS).addAll(r.changedUsers());
                changed.get(MfModel.ITEMS).addAll(r.changedItems());
                removed.get(MfModel.USERS).addAll(r.removedUsers());
                removed.get(MfModel.ITEMS).addAll(r.removedItems());
            }
            boolean full = v == 1 || (v - 1) % fullEvery == 0;
            if (full) {
                fullVersion = v;
            }
            List<MfPublication.Part> parts = full
                    ? MfPublication.full(model, maxRowsPerPart)
                    : MfPublication.delta(model, changed, removed, maxRowsPerPart);
            changed.values().forEach(Set::clear);
            removed.values().forEach(Set::clear);
            List<RecsVersion> records = RecsVersionRecords.of(
                    "shop",
                    v,
                    fullVersion,
                    model.global().step(),
                    (long) step * 16,
                    1_700_000_000_000L + v,
                    yaml,
                    parts,
                    Map.of(),
                    Map.of(),
                    "test");
            out.add(new Published(v, full, records, asks(model), pairs(model)));
        }
        return out;
    }

    private static List<String> admitted(EmbeddingTable t) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, Row> e : t.store().entries()) {
            if (e.getValue().admitted()) {
                ids.add(e.getKey());
            }
        }
        ids.sort(Comparator.naturalOrder());
        return ids;
    }

    private static List<Ask> asks(MfModel model) {
        List<Ask> asks = new ArrayList<>();
        List<String> users = admitted(model.users());
        for (String u : users.subList(0, Math.min(6, users.size()))) {
            asks.add(new Ask(u, Set.of(), model.topK(u, K), false));
        }
        if (!users.isEmpty()) {
            // exclude two of the user's top items: the answer is the offline top K + 2 without them
            String u = users.get(users.size() - 1);
            List<MfModel.Scored> wider = model.topK(u, K + 2);
            Set<String> exclude = Set.of(wider.get(0).item(), wider.get(2).item());
            List<MfModel.Scored> expected = new ArrayList<>(wider);
            expected.removeIf(s -> exclude.contains(s.item()));
            asks.add(new Ask(u, exclude, expected.subList(0, Math.min(K, expected.size())), false));
        }
        // an unknown user: the K items with the most interactions (ties: smaller id), scored g + b_i
        List<String> items = admitted(model.items());
        items.sort(
                Comparator.comparingLong((String i) -> -model.items().lookup(i).count())
                        .thenComparing(Comparator.naturalOrder()));
        List<MfModel.Scored> popular = new ArrayList<>();
        for (String i : items.subList(0, Math.min(K, items.size()))) {
            popular.add(new MfModel.Scored(i, model.score(UNKNOWN_USER, i)));
        }
        asks.add(new Ask(UNKNOWN_USER, Set.of(), popular, true));
        return asks;
    }

    private static List<Pair> pairs(MfModel model) {
        List<Pair> pairs = new ArrayList<>();
        List<String> users = admitted(model.users());
        List<String> items = admitted(model.items());
        List<String> us = new ArrayList<>(users.subList(0, Math.min(4, users.size())));
        us.add(UNKNOWN_USER);
        List<String> is = new ArrayList<>(items.subList(0, Math.min(4, items.size())));
        is.add(UNKNOWN_ITEM);
        for (String u : us) {
            for (String i : is) {
                pairs.add(new Pair(u, i, model.score(u, i)));
            }
        }
        return pairs;
    }

    /** Fails naming the version and question when {@code served} does not answer as the offline model did. */
    static void check(RecsModel served, Published p) {
        if (served.version() != p.version()) {
            throw new AssertionError("served version " + served.version() + ", expected " + p.version());
        }
        for (Ask a : p.asks()) {
            RecsModel.Recommendation got = served.recommend(a.user(), K, a.exclude());
            List<String> gotIds =
                    got.items().stream().map(RecsModel.Scored::item).toList();
            List<String> wantIds =
                    a.expected().stream().map(MfModel.Scored::item).toList();
            if (!gotIds.equals(wantIds) || got.fallback() != a.fallback()) {
                throw new AssertionError("version " + p.version() + ", user " + a.user() + " exclude " + a.exclude()
                        + ": served " + gotIds + (got.fallback() ? " (fallback)" : "") + ", offline " + wantIds);
            }
            for (int n = 0; n < gotIds.size(); n++) {
                double g = got.items().get(n).score();
                double w = a.expected().get(n).score();
                if (Double.doubleToLongBits(g) != Double.doubleToLongBits(w)) {
                    throw new AssertionError("version " + p.version() + ", user " + a.user() + ", item " + gotIds.get(n)
                            + ": served score " + g + ", offline " + w);
                }
            }
        }
        for (Pair q : p.pairs()) {
            double g = served.score(q.user(), q.item()).score();
            if (Double.doubleToLongBits(g) != Double.doubleToLongBits(q.expected())) {
                throw new AssertionError("version " + p.version() + ", score(" + q.user() + ", " + q.item()
                        + "): served " + g + ", offline " + q.expected());
            }
        }
    }

    private RecsScenario() {}
}

package io.streamgrad.job.recs;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionGenerator;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.Prequential;
import io.streamgrad.learner.recs.Row;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An mf model with admission, expiry and capacity on, its interactions, and the offline reference. */
public final class RecsFixtures {
    private RecsFixtures() {}

    /**
     * Implicit feedback, adagrad, admission at the second sighting, rows expire 6 steps after they were last seen
     * (swept every 2 steps), at most 40 items (least recent evicted).
     */
    public static final String MF_YAML = """
            model: {type: mf, dim: 4, init_std: 0.1}
            loss: logistic
            negatives: {count: 2, pool: 50, sampler: uniform_recent}
            optimizer: {type: adagrad, learning_rate: 0.1}
            regularization: {l2: 0.001}
            tables: {min_count: 2, capacity: 40, overflow: evict_least_recent, expire_after_steps: 6, \
            sweep_every_steps: 2}
            evaluation: {top_k: 5}
            batch_size: 8
            seed: 7
            """;

    /** {@code count} interactions of 60 users and 50 items, with popularity skew and drift. */
    public static List<Interaction> interactions(int count, long seed) {
        return InteractionGenerator.generate(seed, 60, 50, 4, count, 1.0, 0.5, 2.0);
    }

    /**
     * {@link #interactions} with context ids: {@code device} d0..d2 (none on every fifth), {@code hour} h0..h9
     * (cycling over time), and an undeclared field {@code browser} that a model must ignore.
     */
    public static List<Interaction> withContext(List<Interaction> data) {
        List<Interaction> out = new ArrayList<>(data.size());
        for (int n = 0; n < data.size(); n++) {
            Interaction x = data.get(n);
            Map<String, String> c = new TreeMap<>();
            if (n % 5 != 4) {
                c.put("device", "d" + Math.floorMod(x.user().hashCode() + n / 40, 3));
            }
            c.put("hour", "h" + (n / 12) % 10);
            c.put("browser", "b" + n % 2);
            out.add(new Interaction(x.user(), x.item(), x.rating(), x.timeMs(), c));
        }
        return out;
    }

    /** The offline trainer (what {@code ./streamgrad train} runs) on the same interactions, in one pass. */
    public static Prequential offline(String yaml, List<Interaction> interactions) {
        Prequential p = new Prequential(new MfModel(MfConfig.parse(yaml)));
        p.run(interactions);
        return p;
    }

    /** Every row of a table (admitted or candidate), by id. */
    public static Map<String, Row> rows(Iterable<Map.Entry<String, Row>> entries) {
        Map<String, Row> out = new TreeMap<>();
        for (Map.Entry<String, Row> e : entries) {
            out.put(e.getKey(), e.getValue().copy());
        }
        return out;
    }

    /** The inference values ({@link Row#params()}) of the admitted rows of a table. */
    public static Map<String, List<Float>> values(Map<String, Row> rows) {
        Map<String, List<Float>> out = new TreeMap<>();
        rows.forEach((id, r) -> {
            if (r.admitted()) {
                out.put(id, floats(r.params()));
            }
        });
        return out;
    }

    /** The counts of the admitted rows of a table. */
    public static Map<String, Long> counts(Map<String, Row> rows) {
        Map<String, Long> out = new TreeMap<>();
        rows.forEach((id, r) -> {
            if (r.admitted()) {
                out.put(id, r.count());
            }
        });
        return out;
    }

    static List<Float> floats(float[] a) {
        List<Float> out = new ArrayList<>(a.length);
        for (float f : a) {
            out.add(f);
        }
        return out;
    }

    /**
     * An independent reader of published versions: applies FULL and DELTA records in topic order (a FULL version
     * replaces everything; a DELTA's tombstones first, then its rows), as a follower would. Tables are kept by
     * name (users, items, and context tables as they appear).
     */
    public static final class Replica {
        public final Map<String, Map<String, List<Float>>> values = new TreeMap<>();
        public final Map<String, Map<String, Long>> counts = new TreeMap<>();
        public float globalBias;
        public long version;
        public long step;
        private final int dim;

        public Replica(int dim) {
            this.dim = dim;
            values.put(MfModel.USERS, new TreeMap<>());
            values.put(MfModel.ITEMS, new TreeMap<>());
            counts.put(MfModel.USERS, new TreeMap<>());
            counts.put(MfModel.ITEMS, new TreeMap<>());
        }

        /** Applies every record of one complete version (its parts, in order). */
        public void apply(List<RecsVersion> parts) {
            RecsVersion first = parts.get(0);
            if (first.getKind() == RecsVersionKind.FULL) {
                values.values().forEach(Map::clear);
                counts.values().forEach(Map::clear);
            }
            for (RecsVersion p : parts) {
                for (RecsTableRows t : p.getTables()) {
                    for (CharSequence id : t.getRemoved()) {
                        values.computeIfAbsent(t.getName().toString(), k -> new TreeMap<>())
                                .remove(id.toString());
                        counts.computeIfAbsent(t.getName().toString(), k -> new TreeMap<>())
                                .remove(id.toString());
                    }
                }
            }
            for (RecsVersion p : parts) {
                for (RecsTableRows t : p.getTables()) {
                    ByteBuffer v = t.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    ByteBuffer c = t.getCounts().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    for (CharSequence id : t.getIds()) {
                        List<Float> row = new ArrayList<>(dim + 1);
                        for (int f = 0; f <= dim; f++) {
                            row.add(v.getFloat());
                        }
                        values.computeIfAbsent(t.getName().toString(), k -> new TreeMap<>())
                                .put(id.toString(), row);
                        counts.computeIfAbsent(t.getName().toString(), k -> new TreeMap<>())
                                .put(id.toString(), c.getLong());
                    }
                }
            }
            globalBias = first.getGlobalBias();
            version = first.getVersion();
            step = first.getStep();
        }

        /** Groups records into versions (parts in order) and applies them all; checks the chain as it goes. */
        public void applyAll(List<RecsVersion> records) {
            for (List<RecsVersion> version : versions(records)) {
                RecsVersion v = version.get(0);
                if (v.getKind() == RecsVersionKind.DELTA && v.getBaseVersion() != this.version) {
                    throw new AssertionError("delta " + v.getVersion() + " applies to " + v.getBaseVersion()
                            + " but the replica holds " + this.version);
                }
                apply(version);
            }
        }
    }

    /** The records of one model grouped by version, each group its parts 0..parts-1 in order. */
    public static List<List<RecsVersion>> versions(List<RecsVersion> records) {
        List<List<RecsVersion>> out = new ArrayList<>();
        List<RecsVersion> current = new ArrayList<>();
        for (RecsVersion r : records) {
            if (r.getPart() != current.size()) {
                throw new AssertionError("version " + r.getVersion() + " part " + r.getPart() + " follows "
                        + current.size() + " parts of its version");
            }
            current.add(r);
            if (r.getPart() == r.getParts() - 1) {
                out.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            throw new AssertionError("incomplete last version " + current.get(0).getVersion());
        }
        return out;
    }
}

package io.streamgrad.learner.recs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an {@code mf} model publishes per version, before it becomes records (the job's {@code RecsVersion}): the
 * inference values of its rows ({@link Row#params()}: the vector then the bias) and their interaction counts, in
 * parts of at most {@code maxRowsPerPart} rows (ids plus tombstones), so that a version of 10^6 rows travels in
 * records far below a broker's message limit.
 *
 * <p>A {@linkplain #full full} version carries every admitted row of every table, ids ascending (users, items,
 * then the context tables in declaration order, each named by its field). A
 * {@linkplain #delta delta} carries the admitted rows among the changed ids with their values now, and the
 * tombstones among the removed ids. Every part carries the global bias. A reader applies a whole version at once:
 * the removals of all its parts, then their rows ({@link Rebuild}); an id may be both removed and carried (deleted,
 * then admitted again before the version), and a tombstone for an id the reader does not hold is ignored.
 *
 * <p>Plain Java: the job turns parts into Avro records, the serving follower turns records back into rows.
 */
public final class MfPublication {
    private MfPublication() {}

    /** Rows of one table in one part: ids, their values ({@code (dim + 1)} floats each), counts and tombstones. */
    public record TableRows(String name, List<String> ids, float[] values, long[] counts, List<String> removed) {
        public TableRows {
            ids = List.copyOf(ids);
            removed = List.copyOf(removed);
        }

        /** The values as little-endian float32 (the record's {@code values} bytes). */
        public byte[] valuesBytes() {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return b.array();
        }

        /** The counts as little-endian int64 (the record's {@code counts} bytes). */
        public byte[] countsBytes() {
            ByteBuffer b = ByteBuffer.allocate(counts.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(counts);
            return b.array();
        }
    }

    /**
     * One part of a version.
     *
     * @param part       0-based
     * @param parts      how many parts the version has
     * @param globalBias the global bias at the version (the same on every part)
     * @param tables     rows per table (only tables with rows or tombstones in this part)
     */
    public record Part(int part, int parts, float globalBias, List<TableRows> tables) {
        public Part {
            tables = List.copyOf(tables);
        }
    }

    /** Every admitted row of every table of {@code model}, ids ascending, in parts of at most maxRowsPerPart. */
    public static List<Part> full(MfModel model, int maxRowsPerPart) {
        Map<String, Collection<String>> ids = new TreeMap<>();
        for (EmbeddingTable t : tables(model)) {
            List<String> admitted = new ArrayList<>();
            for (Map.Entry<String, Row> e : t.store().entries()) {
                if (e.getValue().admitted()) {
                    admitted.add(e.getKey());
                }
            }
            ids.put(t.name(), admitted);
        }
        return build(model, ids, Map.of(), maxRowsPerPart);
    }

    /**
     * The change since the version before: per table, the ids in {@code changedIds} that have an admitted row now
     * (with its values now) and the ids in {@code removedIds} (tombstones), each ascending and without repeats.
     * Changed ids without a row (candidates, or rows deleted later) are left out; their tombstone, if they had a
     * row in the version before, must be in {@code removedIds} ({@link MfModel.StepResult} reports both).
     */
    public static List<Part> delta(
            MfModel model,
            Map<String, ? extends Collection<String>> changedIds,
            Map<String, ? extends Collection<String>> removedIds,
            int maxRowsPerPart) {
        return build(model, changedIds, removedIds, maxRowsPerPart);
    }

    private static List<Part> build(
            MfModel model,
            Map<String, ? extends Collection<String>> changedIds,
            Map<String, ? extends Collection<String>> removedIds,
            int maxRowsPerPart) {
        if (maxRowsPerPart < 1) {
            throw new IllegalArgumentException("maxRowsPerPart must be >= 1, got " + maxRowsPerPart);
        }
        for (String name : changedIds.keySet()) {
            table(model, name);
        }
        for (String name : removedIds.keySet()) {
            table(model, name);
        }
        int dim = model.spec().dim();
        // one ordered stream of entries: per table (users, items, contexts), tombstones ascending then rows ascending
        List<Entry> entries = new ArrayList<>();
        for (EmbeddingTable t : tables(model)) {
            for (String id : ids(removedIds, t.name())) {
                entries.add(new Entry(t.name(), id, null));
            }
            for (String id : ids(changedIds, t.name())) {
                Row r = t.lookup(id);
                if (r != null) {
                    entries.add(new Entry(t.name(), id, r));
                }
            }
        }
        int parts = Math.max(1, (entries.size() + maxRowsPerPart - 1) / maxRowsPerPart);
        float bias = model.global().globalBias();
        List<Part> out = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            List<Entry> slice = entries.subList(
                    Math.min(entries.size(), p * maxRowsPerPart), Math.min(entries.size(), (p + 1) * maxRowsPerPart));
            List<TableRows> tables = new ArrayList<>(2);
            for (EmbeddingTable table : tables(model)) {
                String name = table.name();
                List<String> ids = new ArrayList<>();
                List<String> removed = new ArrayList<>();
                List<Row> rows = new ArrayList<>();
                for (Entry e : slice) {
                    if (!e.table.equals(name)) {
                        continue;
                    }
                    if (e.row == null) {
                        removed.add(e.id);
                    } else {
                        ids.add(e.id);
                        rows.add(e.row);
                    }
                }
                if (ids.isEmpty() && removed.isEmpty()) {
                    continue;
                }
                float[] values = new float[rows.size() * (dim + 1)];
                long[] counts = new long[rows.size()];
                for (int i = 0; i < rows.size(); i++) {
                    System.arraycopy(rows.get(i).params(), 0, values, i * (dim + 1), dim + 1);
                    counts[i] = rows.get(i).count();
                }
                tables.add(new TableRows(name, ids, values, counts, removed));
            }
            out.add(new Part(p, parts, bias, tables));
        }
        return out;
    }

    /** The table's ids ascending, each once (an array sort: a version's thousands of ids, no tree to balance). */
    private static List<String> ids(Map<String, ? extends Collection<String>> byTable, String table) {
        Collection<String> ids = byTable.get(table);
        if (ids == null || ids.isEmpty()) {
            return List.of();
        }
        String[] a = ids.toArray(new String[0]);
        java.util.Arrays.sort(a);
        List<String> out = new ArrayList<>(a.length);
        for (String id : a) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(id)) {
                out.add(id);
            }
        }
        return out;
    }

    private record Entry(String table, String id, Row row) {}

    /** The model's tables in publication order: users, items, then the context tables as declared. */
    static List<EmbeddingTable> tables(MfModel model) {
        List<EmbeddingTable> all = new ArrayList<>(2 + model.contexts().size());
        all.add(model.users());
        all.add(model.items());
        all.addAll(model.contexts());
        return all;
    }

    private static EmbeddingTable table(MfModel model, String name) {
        for (EmbeddingTable t : tables(model)) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        List<String> names = new ArrayList<>();
        tables(model).forEach(t -> names.add(t.name()));
        throw new IllegalArgumentException("unknown mf table '" + name + "'; the tables are " + names);
    }

    /** Reads little-endian float32 bytes (a record's {@code values}). */
    public static float[] floats(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    /** Reads little-endian int64 bytes (a record's {@code counts}). */
    public static long[] longs(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    /**
     * The reference reader: the rows and global bias a reader holds after a full version and the deltas after it,
     * one whole version at a time. Plain maps, no sharing: tests compare the serving follower and the model against
     * it.
     */
    public static final class Rebuild {
        private final int dim;
        private final Map<String, Map<String, float[]>> values = new HashMap<>();
        private final Map<String, Map<String, Long>> counts = new HashMap<>();
        private float globalBias;

        public Rebuild(int dim) {
            this.dim = dim;
            for (String t : List.of(MfModel.USERS, MfModel.ITEMS)) {
                values.put(t, new HashMap<>());
                counts.put(t, new HashMap<>());
            }
        }

        /** Applies every part of one version: a full version replaces everything, a delta changes what it names. */
        public Rebuild apply(boolean full, List<Part> version) {
            if (full) {
                values.values().forEach(Map::clear);
                counts.values().forEach(Map::clear);
            }
            for (Part p : version) {
                for (TableRows t : p.tables()) {
                    for (String id : t.removed()) {
                        values.computeIfAbsent(t.name(), k -> new HashMap<>()).remove(id);
                        counts.computeIfAbsent(t.name(), k -> new HashMap<>()).remove(id);
                    }
                }
            }
            for (Part p : version) {
                globalBias = p.globalBias();
                for (TableRows t : p.tables()) {
                    for (int i = 0; i < t.ids().size(); i++) {
                        String id = t.ids().get(i);
                        float[] v = new float[dim + 1];
                        System.arraycopy(t.values(), i * (dim + 1), v, 0, dim + 1);
                        values.computeIfAbsent(t.name(), k -> new HashMap<>()).put(id, v);
                        counts.computeIfAbsent(t.name(), k -> new HashMap<>()).put(id, t.counts()[i]);
                    }
                }
            }
            return this;
        }

        /** Row values by id of one table ({@code users}, {@code items} or a context field; empty if unseen). */
        public Map<String, float[]> values(String table) {
            return values.computeIfAbsent(table, k -> new HashMap<>());
        }

        public Map<String, Long> counts(String table) {
            return counts.computeIfAbsent(table, k -> new HashMap<>());
        }

        public float globalBias() {
            return globalBias;
        }
    }
}

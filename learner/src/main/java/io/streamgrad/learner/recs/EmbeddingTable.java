package io.streamgrad.learner.recs;

import io.streamgrad.learner.util.Rng;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A table of rows keyed by raw id, without hashing: every id gets its own row once admitted. It grows by
 * admission (an id is counted on every sighting and gets a row when its count reaches
 * {@link TableSpec#minCount()}), forgets by expiry (steps or event time since last seen, at a periodic
 * {@link #sweep}) and stays within {@link TableSpec#capacity()} by its overflow policy. Every admitted row that
 * is deleted is reported ({@link #drainRemoved()}), so a delta can announce it as a tombstone.
 *
 * <p>A new row's vector is drawn from N(0, initStd²) by a generator seeded from the model seed, the table name
 * and the id alone ({@link #initialVector}), so it does not depend on arrival order; its bias starts at 0.
 *
 * <p>Rows live in a caller-owned {@link RowStore}; the table reads each row a batch touches once, keeps it in a
 * batch-local cache and writes it back at {@link #flush()}. The number of admitted rows is caller-owned state
 * too ({@link #admittedRows()}, passed back to the constructor), as a keyed backend cannot count its entries.
 * Not thread-safe.
 */
public final class EmbeddingTable {
    private final String name;
    private final int dim;
    private final float initStd;
    private final long seed;
    private final TableSpec spec;
    private final RowOptimizer optimizer;
    private final RowStore store;
    private long admittedRows;
    private final Map<String, Row> touched = new LinkedHashMap<>();
    private final List<String> removed = new ArrayList<>();
    private final List<String> written = new ArrayList<>();

    public EmbeddingTable(
            String name,
            int dim,
            float initStd,
            long seed,
            TableSpec spec,
            RowOptimizer optimizer,
            RowStore store,
            long admittedRows) {
        this.name = name;
        this.dim = dim;
        this.initStd = initStd;
        this.seed = seed;
        this.spec = spec;
        this.optimizer = optimizer;
        this.store = store;
        this.admittedRows = admittedRows;
    }

    public String name() {
        return name;
    }

    public RowStore store() {
        return store;
    }

    /** Admitted rows now (caller-owned state: store it beside the rows). */
    public long admittedRows() {
        return admittedRows;
    }

    /**
     * One sighting of {@code id} at {@code step} / event time {@code timeMs}: counts it, admits it when due (and
     * capacity allows) and returns its row if admitted, else null. The row stays in the batch cache until
     * {@link #flush()}.
     */
    public Row observe(String id, long step, long timeMs) {
        Row row = cached(id);
        if (row == null) {
            row = Row.candidate(0, step, timeMs);
        }
        touched.putIfAbsent(id, row);
        row.count++;
        row.lastStep = step;
        row.lastTimeMs = Math.max(row.lastTimeMs, timeMs);
        if (!row.admitted() && row.count >= spec.minCount() && makeRoom(step)) {
            row.params = initialVector(id);
            row.slot1 = optimizer.initialSlot1(row.params);
            row.slot2 = optimizer.initialSlot2(dim + 1);
            admittedRows++;
        }
        return row.admitted() ? row : null;
    }

    /** The admitted row of {@code id} without counting a sighting (a sampled negative), or null. */
    public Row peek(String id) {
        Row row = cached(id);
        if (row == null || !row.admitted()) {
            return null;
        }
        touched.putIfAbsent(id, row);
        return row;
    }

    /** The admitted row of {@code id}, read-only, outside a batch (scoring), or null. */
    public Row lookup(String id) {
        Row row = touched.containsKey(id) ? touched.get(id) : store.get(id);
        return row != null && row.admitted() ? row : null;
    }

    private Row cached(String id) {
        Row row = touched.get(id);
        return row != null ? row : store.get(id);
    }

    /** Writes every row this batch touched back to the store and clears the cache. */
    public void flush() {
        for (Map.Entry<String, Row> e : touched.entrySet()) {
            store.put(e.getKey(), e.getValue());
            written.add(e.getKey());
        }
        touched.clear();
    }

    /**
     * The ids written back since the last call (admitted rows and counted candidates), in write order, possibly
     * with repeats: what changed for a delta (which keeps the admitted ones still present).
     */
    public List<String> drainWritten() {
        List<String> out = List.copyOf(written);
        written.clear();
        return out;
    }

    /** The rows this batch touched, in first-touch order (a delta's changed rows). */
    public Map<String, Row> touched() {
        return Collections.unmodifiableMap(touched);
    }

    private boolean makeRoom(long step) {
        if (spec.capacity() == 0 || admittedRows < spec.capacity()) {
            return true;
        }
        if (spec.overflow() == TableSpec.Overflow.REJECT) {
            return false;
        }
        String victim = null;
        Row worst = null;
        for (Map.Entry<String, Row> e : store.entries()) {
            Row r = e.getValue();
            if (!r.admitted() || r.lastStep >= step || touched.containsKey(e.getKey())) {
                continue; // candidates hold no room; rows this batch uses stay
            }
            if (worst == null || older(r, e.getKey(), worst, victim)) {
                worst = r;
                victim = e.getKey();
            }
        }
        if (victim == null) {
            return false;
        }
        store.remove(victim);
        admittedRows--;
        removed.add(victim);
        return true;
    }

    private static boolean older(Row a, String aId, Row b, String bId) {
        if (a.lastStep != b.lastStep) {
            return a.lastStep < b.lastStep;
        }
        if (a.lastTimeMs != b.lastTimeMs) {
            return a.lastTimeMs < b.lastTimeMs;
        }
        return aId.compareTo(bId) < 0;
    }

    /**
     * Deletes every row and candidate not seen for more than {@code expireAfterSteps} steps or
     * {@code expireAfterMs} of event time before ({@code step}, {@code nowMs}); admitted rows deleted are reported
     * by {@link #drainRemoved()}. Returns how many admitted rows it deleted. Flushes the batch cache first.
     */
    public int sweep(long step, long nowMs) {
        flush();
        if (spec.expireAfterSteps() == 0 && spec.expireAfterMs() == 0) {
            return 0;
        }
        List<String> expired = new ArrayList<>();
        List<String> expiredAdmitted = new ArrayList<>();
        for (Map.Entry<String, Row> e : store.entries()) {
            Row r = e.getValue();
            boolean old = spec.expireAfterSteps() > 0 && step - r.lastStep > spec.expireAfterSteps()
                    || spec.expireAfterMs() > 0 && nowMs - r.lastTimeMs > spec.expireAfterMs();
            if (old) {
                expired.add(e.getKey());
                if (r.admitted()) {
                    expiredAdmitted.add(e.getKey());
                }
            }
        }
        for (String id : expired) {
            store.remove(id);
        }
        Collections.sort(expiredAdmitted);
        admittedRows -= expiredAdmitted.size();
        removed.addAll(expiredAdmitted);
        return expiredAdmitted.size();
    }

    /** The ids of admitted rows deleted (evicted or expired) since the last call, in deletion order. */
    public List<String> drainRemoved() {
        List<String> out = List.copyOf(removed);
        removed.clear();
        return out;
    }

    /** The initial parameters of {@code id}: vector from N(0, initStd²) seeded by (seed, table, id), bias 0. */
    float[] initialVector(String id) {
        Rng rng = new Rng(initSeed(seed, name, id));
        float[] p = new float[dim + 1];
        for (int i = 0; i < dim; i++) {
            p[i] = (float) (initStd * rng.nextGaussian());
        }
        return p;
    }

    /** FNV-1a 64 of the table name, a zero byte and the id's UTF-8, mixed with the model seed. */
    static long initSeed(long seed, String table, String id) {
        long h = 0xcbf29ce484222325L;
        byte[] t = table.getBytes(StandardCharsets.UTF_8);
        byte[] b = id.getBytes(StandardCharsets.UTF_8);
        for (byte x : t) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ 0) * 0x100000001b3L;
        for (byte x : b) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        return h ^ (seed * 0x9E3779B97F4A7C15L);
    }
}

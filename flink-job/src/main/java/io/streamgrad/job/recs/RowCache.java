package io.streamgrad.job.recs;

import io.streamgrad.learner.recs.Row;
import io.streamgrad.learner.recs.RowCodec;
import io.streamgrad.learner.recs.RowStore;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * A write-back cache of decoded rows over one row {@link MapState} ({@code mfUsers}, {@code mfItems} or
 * {@code mfContexts}) of ONE model (the key the state is bound to): the rows a step touches stay {@link Row}
 * objects in operator memory, updated in place by the learner as on the heap offline, and reach the state only when
 * they are flushed ({@link #flush}: before every checkpoint, at the end of the input) or leave the cache (beyond
 * {@code capacity}, {@code recs.cached_rows}; the victim is chosen by CLOCK, the second-chance approximation of least
 * recently used: a hit only sets the slot's reference bit, where an access-ordered map would relink its entry, a
 * chain of pointer writes into old objects on every read). A read that misses decodes the
 * state's bytes once and keeps the row; a write marks the row dirty; a delete removes the row from the cache and the
 * state at once (no tombstones), so the state is always the cache's rows, flushed, plus the rows the cache never
 * held.
 *
 * <p>Every method must run with the state's current key set to the model (processElement, onTimer, or the operator
 * setting it before {@link #flush}). Nothing here is needed to restore: after a restore the cache starts empty and
 * the state, flushed before the checkpoint, holds every row.
 */
final class RowCache {
    private final MapState<String, byte[]> state;
    private final int capacity;
    /** State key -> cached row. */
    private final HashMap<String, Slot> slots = new HashMap<>();
    /** Every cached slot at its {@link Slot#index}: the CLOCK's ring (the first {@code slots.size()} entries). */
    private Slot[] ring = new Slot[16];
    /** The CLOCK's hand: the next ring index to consider for eviction. */
    private int hand;
    /** The slots marked dirty since the last flush (a slot no longer dirty is skipped). */
    private final List<Slot> dirty = new ArrayList<>();
    /**
     * Whether the cache holds every row of the state map: then a miss is an absent row and a scan is the cache's
     * alone, with no state access at all between flushes (on the heap backend a read during an asynchronous snapshot
     * copies the key's whole map). True from the start when the map's rows fit; false once a row is evicted.
     */
    private boolean complete;

    /** A cache of the current key's rows in {@code state}, loaded with all of them when they fit. */
    RowCache(MapState<String, byte[]> state, int capacity) throws Exception {
        if (capacity < 1) {
            throw new IllegalArgumentException("recs.cached_rows: a row cache needs room for at least one row");
        }
        this.state = state;
        this.capacity = capacity;
        int stored = 0;
        for (String ignored : state.keys()) {
            if (++stored > capacity) {
                return; // too many: cache on demand
            }
        }
        for (Map.Entry<String, byte[]> e : state.entries()) {
            insert(new Slot(e.getKey(), RowCodec.decode(e.getValue())));
        }
        complete = true;
    }

    private static final class Slot {
        final String key;
        Row row;
        boolean dirty;
        /** Read or written since the CLOCK's hand last passed it: spared once. */
        boolean referenced;
        /** Where it sits in the ring. */
        int index;

        Slot(String key, Row row) {
            this.key = key;
            this.row = row;
        }
    }

    /** A store of this cache's rows whose ids start with {@code prefix} (one context table of the shared map). */
    RowStore store(String prefix) {
        return new Store(prefix);
    }

    int size() {
        return slots.size();
    }

    /** Whether {@code key}'s row is cached now (tests). */
    boolean holds(String key) {
        return slots.containsKey(key);
    }

    /** Writes every dirty row to the state (one encode per row) and leaves them cached, clean. */
    void flush() throws Exception {
        if (dirty.isEmpty()) {
            return;
        }
        Map<String, byte[]> writes = new java.util.HashMap<>();
        for (Slot s : dirty) {
            if (s.dirty) {
                writes.put(s.key, RowCodec.encode(s.row));
                s.dirty = false;
            }
        }
        dirty.clear();
        if (!writes.isEmpty()) {
            state.putAll(writes);
        }
    }

    Row get(String key) throws Exception {
        Slot s = slots.get(key);
        if (s != null) {
            s.referenced = true;
            return s.row;
        }
        if (complete) {
            return null;
        }
        byte[] b = state.get(key);
        if (b == null) {
            return null;
        }
        Row row = RowCodec.decode(b);
        makeRoom();
        insert(new Slot(key, row));
        return row;
    }

    void put(String key, Row row) throws Exception {
        Slot s = slots.get(key);
        if (s == null) {
            makeRoom();
            s = new Slot(key, row);
            insert(s);
        }
        s.row = row;
        s.referenced = true;
        if (!s.dirty) {
            s.dirty = true;
            dirty.add(s);
        }
    }

    void remove(String key) throws Exception {
        Slot s = slots.remove(key);
        if (s != null) {
            s.dirty = false;
            unlink(s);
        }
        state.remove(key);
    }

    /** Adds {@code s} at the ring's end, referenced: a row just read or written is spared by the next sweep. */
    private void insert(Slot s) {
        s.referenced = true;
        int n = slots.size();
        if (n == ring.length) {
            ring = java.util.Arrays.copyOf(ring, n * 2);
        }
        s.index = n;
        ring[n] = s;
        slots.put(s.key, s);
    }

    /** Takes {@code s}, no longer in {@code slots}, out of the ring: the last slot moves into its place. */
    private void unlink(Slot s) {
        int last = slots.size(); // slots no longer holds s
        Slot moved = ring[last];
        ring[s.index] = moved;
        moved.index = s.index;
        ring[last] = null;
        if (hand >= last) {
            hand = 0;
        }
    }

    /**
     * When the cache is full, one row out before another comes in: the CLOCK's hand sweeps the ring, sparing (and
     * clearing) every referenced slot once, and evicts the first unreferenced one; a dirty one is written first.
     */
    private void makeRoom() throws Exception {
        if (slots.size() < capacity) {
            return;
        }
        complete = false;
        while (true) {
            if (hand >= slots.size()) {
                hand = 0;
            }
            Slot s = ring[hand];
            if (s.referenced) {
                s.referenced = false;
                hand++;
                continue;
            }
            if (s.dirty) {
                state.put(s.key, RowCodec.encode(s.row));
                s.dirty = false;
            }
            slots.remove(s.key);
            unlink(s);
            return;
        }
    }

    /**
     * The rows with the prefix: the state's entries the cache does not hold (decoded, not cached: a scan does not
     * fill the cache), then every cached one (which wins over the state's older bytes), each once.
     */
    private Iterable<Map.Entry<String, Row>> entries(String prefix) throws Exception {
        Iterable<Map.Entry<String, byte[]>> raw = complete ? List.of() : state.entries();
        return () -> new Iterator<>() {
            private final Iterator<Map.Entry<String, byte[]>> stored = raw.iterator();
            private Iterator<Slot> cached;
            private Map.Entry<String, Row> next;

            @Override
            public boolean hasNext() {
                while (next == null) {
                    if (cached == null) {
                        if (stored.hasNext()) {
                            Map.Entry<String, byte[]> e = stored.next();
                            String key = e.getKey();
                            if (key.startsWith(prefix) && !slots.containsKey(key)) {
                                next = new AbstractMap.SimpleImmutableEntry<>(
                                        key.substring(prefix.length()), RowCodec.decode(e.getValue()));
                            }
                            continue;
                        }
                        // a copy: a caller may read rows (and so reorder the cache) while it iterates
                        cached = new ArrayList<>(slots.values()).iterator();
                    }
                    if (!cached.hasNext()) {
                        return false;
                    }
                    Slot s = cached.next();
                    if (s.key.startsWith(prefix)) {
                        next = new AbstractMap.SimpleImmutableEntry<>(s.key.substring(prefix.length()), s.row);
                    }
                }
                return true;
            }

            @Override
            public Map.Entry<String, Row> next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                Map.Entry<String, Row> e = next;
                next = null;
                return e;
            }
        };
    }

    /** One table's view ({@code prefix} + id keys); state failures fail the task, as in {@link MapStateRowStore}. */
    private final class Store implements RowStore {
        private final String prefix;

        Store(String prefix) {
            this.prefix = prefix;
        }

        private String key(String id) {
            return prefix.isEmpty() ? id : prefix + id;
        }

        @Override
        public Row get(String id) {
            try {
                return RowCache.this.get(key(id));
            } catch (Exception e) {
                throw rethrow(e);
            }
        }

        @Override
        public void put(String id, Row row) {
            try {
                RowCache.this.put(key(id), row);
            } catch (Exception e) {
                throw rethrow(e);
            }
        }

        @Override
        public void remove(String id) {
            try {
                RowCache.this.remove(key(id));
            } catch (Exception e) {
                throw rethrow(e);
            }
        }

        @Override
        public Iterable<Map.Entry<String, Row>> entries() {
            try {
                return RowCache.this.entries(prefix);
            } catch (Exception e) {
                throw rethrow(e);
            }
        }
    }

    private static RuntimeException rethrow(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException("keyed state access failed", e);
    }
}

package io.streamgrad.learner.recs;

import java.util.HashMap;
import java.util.Map;

/** A {@link RowStore} on the heap (offline training, tests). */
public final class HashRowStore implements RowStore {
    private final Map<String, Row> rows = new HashMap<>();

    @Override
    public Row get(String id) {
        return rows.get(id);
    }

    @Override
    public void put(String id, Row row) {
        rows.put(id, row);
    }

    @Override
    public void remove(String id) {
        rows.remove(id);
    }

    @Override
    public Iterable<Map.Entry<String, Row>> entries() {
        return rows.entrySet();
    }

    public int size() {
        return rows.size();
    }
}

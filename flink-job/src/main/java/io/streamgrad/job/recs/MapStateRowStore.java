package io.streamgrad.job.recs;

import io.streamgrad.learner.recs.Row;
import io.streamgrad.learner.recs.RowCodec;
import io.streamgrad.learner.recs.RowStore;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * A table's rows as one Flink {@link MapState} of the current key (the model id): raw id -> {@link RowCodec} bytes.
 * A batch reads and writes only the entries of the ids it touches (on RocksDB each is its own key, so a step costs
 * the same whatever the table's size, and incremental checkpoints upload only the changed rows); {@link #entries}
 * (expiry sweeps, least-recent overflow, top-K, full versions) iterates the map, decoding each row.
 *
 * <p>With a key prefix ({@code "device/"}) the store is one table's slice of a map shared by several tables (the
 * context tables share {@code mfContexts}): ids are stored as prefix + id, and {@link #entries} visits only the
 * entries with the prefix (iterating the whole shared map).
 *
 * <p>Flink's state calls throw checked exceptions; a failure there is a failure of the task (it restores from the
 * last checkpoint), so they are rethrown unchecked.
 */
final class MapStateRowStore implements RowStore {
    private final MapState<String, byte[]> rows;
    private final String prefix;

    MapStateRowStore(MapState<String, byte[]> rows) {
        this(rows, "");
    }

    MapStateRowStore(MapState<String, byte[]> rows, String prefix) {
        this.rows = rows;
        this.prefix = prefix;
    }

    @Override
    public Row get(String id) {
        try {
            byte[] b = rows.get(prefix.isEmpty() ? id : prefix + id);
            return b == null ? null : RowCodec.decode(b);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    @Override
    public void put(String id, Row row) {
        try {
            rows.put(prefix.isEmpty() ? id : prefix + id, RowCodec.encode(row));
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    @Override
    public void remove(String id) {
        try {
            rows.remove(prefix.isEmpty() ? id : prefix + id);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    @Override
    public Iterable<Map.Entry<String, Row>> entries() {
        Iterable<Map.Entry<String, byte[]>> raw;
        try {
            raw = rows.entries();
        } catch (Exception e) {
            throw rethrow(e);
        }
        if (!prefix.isEmpty()) {
            return () -> {
                java.util.List<Map.Entry<String, Row>> mine = new java.util.ArrayList<>();
                for (Map.Entry<String, byte[]> e : raw) {
                    if (e.getKey().startsWith(prefix)) {
                        mine.add(new AbstractMap.SimpleImmutableEntry<>(
                                e.getKey().substring(prefix.length()), RowCodec.decode(e.getValue())));
                    }
                }
                return mine.iterator();
            };
        }
        return () -> {
            Iterator<Map.Entry<String, byte[]>> it = raw.iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Map.Entry<String, Row> next() {
                    Map.Entry<String, byte[]> e = it.next();
                    return new AbstractMap.SimpleImmutableEntry<>(e.getKey(), RowCodec.decode(e.getValue()));
                }
            };
        };
    }

    private static RuntimeException rethrow(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException("keyed state access failed", e);
    }
}

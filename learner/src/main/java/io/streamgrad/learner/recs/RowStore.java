package io.streamgrad.learner.recs;

import java.util.Map;

/**
 * Where a table's rows live, one entry per raw id: the streaming job backs it with a Flink {@code MapState}
 * (one per table), offline code with {@link HashRowStore}. The table calls {@link #get}/{@link #put}/
 * {@link #remove} only for the ids a batch touches; {@link #entries} is for the periodic expiry sweep, the
 * least-recent overflow policy, top-K scans and whole-model snapshots.
 *
 * <p>A row returned by {@link #get} may be a copy (a serialising backend) or the stored object (the heap): the
 * table always writes a changed row back with {@link #put}.
 */
public interface RowStore {
    /** The row of {@code id}, or null. */
    Row get(String id);

    void put(String id, Row row);

    void remove(String id);

    /** Every row, in no particular order (callers that need an order sort by id). */
    Iterable<Map.Entry<String, Row>> entries();
}

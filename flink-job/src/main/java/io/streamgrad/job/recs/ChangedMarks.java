package io.streamgrad.job.recs;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.state.MapState;

/**
 * The ids of one table of ONE model (the key the state is bound to) written or deleted since the model's last
 * published version: its changed-ids map ({@code mfChangedUsers}, {@code mfChangedItems} or
 * {@code mfChangedContexts}: id -> true when deleted at least once, a mark that stays) and the marks of the batches
 * since the last {@link #flush}, held in memory.
 *
 * <p>The map holds every mark only after a flush: {@link MfTrainer} flushes after each batch, or, behind
 * {@link MfTrainerOperator}, before every checkpoint barrier and at the end of the input (a version published in
 * between reads the memory and, if a flush wrote any since the last version, the map). A mark already made since
 * the last version is not made again; while the map holds no deleted mark (rows are deleted only by expiry and
 * overflow), a flush writes its marks without reading the map, in one write batch. Nothing here but the map is
 * needed to restore: after a restore the marks start from the map alone.
 *
 * <p>Every method must run with the state's current key set to the model.
 */
final class ChangedMarks {
    /** Ids remembered as marked since the last version, beyond which an id is marked again (harmless). */
    static final int MAX_REMEMBERED = 1 << 20;

    private final MapState<String, Boolean> state;
    /** Marks not yet in the map: id -> deleted. */
    private final Map<String, Boolean> pending = new HashMap<>();
    /** Ids marked since the last version (flushed or not), up to {@link #MAX_REMEMBERED}. */
    private final Set<String> marked = new HashSet<>();
    /** Whether the map may hold marks: after a restore, or once a flush wrote some since the last version. */
    private boolean mapHoldsMarks;
    /** Whether the map may hold a deleted mark, which a flush must not overwrite with a changed one. */
    private boolean mayHoldDeleted;

    /** The marks of the current key's {@code state} as it was restored: one scan for a deleted mark. */
    ChangedMarks(MapState<String, Boolean> state) throws Exception {
        this.state = state;
        for (Boolean deleted : state.values()) {
            mapHoldsMarks = true;
            if (deleted) {
                mayHoldDeleted = true;
                break;
            }
        }
    }

    /** Marks {@code ids} as changed, without overwriting a deleted mark. */
    void changed(List<String> ids) {
        for (String id : ids) {
            if (!marked.contains(id)) {
                pending.putIfAbsent(id, false);
                remember(id);
            }
        }
    }

    /** Marks {@code ids} as deleted. */
    void deleted(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        for (String id : ids) {
            pending.put(id, true);
            remember(id);
        }
        mayHoldDeleted = true;
    }

    private void remember(String id) {
        if (marked.size() < MAX_REMEMBERED) {
            marked.add(id);
        }
    }

    /** Writes the pending marks to the map (a changed mark never over a deleted one there). */
    void flush() throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, Boolean> writes = new HashMap<>();
        for (Map.Entry<String, Boolean> e : pending.entrySet()) {
            if (e.getValue() || !mayHoldDeleted || !state.contains(e.getKey())) {
                writes.put(e.getKey(), e.getValue());
            }
        }
        pending.clear();
        if (!writes.isEmpty()) {
            state.putAll(writes);
            mapHoldsMarks = true;
        }
    }

    /**
     * Every mark since the last version, an id possibly twice (once from the map, once from memory: deleted if
     * either says so).
     */
    void forEach(BiConsumer<String, Boolean> mark) throws Exception {
        if (mapHoldsMarks) {
            for (Map.Entry<String, Boolean> e : state.entries()) {
                mark.accept(e.getKey(), e.getValue());
            }
        }
        pending.forEach(mark);
    }

    /** Forgets every mark (a version was published). */
    void clear() throws Exception {
        if (mapHoldsMarks) {
            state.clear();
        }
        pending.clear();
        marked.clear();
        mapHoldsMarks = false;
        mayHoldDeleted = false;
    }
}

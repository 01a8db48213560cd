package io.streamgrad.serving.recs;

import java.util.Arrays;

/**
 * One embedding table of a served version, immutable: row values in a blocked float matrix (each block holds
 * {@code blockRows} rows of {@code dim + 1} floats, contiguous: the vector then the bias), the raw id and the
 * interaction count of each slot in blocks of the same shape, an id -> slot {@link PersistentIndex}, and the freed
 * slots.
 *
 * <p>The next version is made by an {@link Editor}, copy-on-write: it copies the three block-pointer arrays
 * ({@code rows / blockRows} references each) and, once, every block it changes; all other blocks and index nodes
 * are shared with the version before. A delta of m rows therefore costs O(m) plus one copy per touched block, not a
 * copy of the table.
 *
 * <p>Slots: a tombstone frees its slot (the id becomes null, the scan skips it); a new id takes the most recently
 * freed slot, else the next slot after the last one used. The slots a version ends with depend only on the versions
 * applied, in order: the same records give the same layout on every replica.
 */
final class RecsTable {
    final int dim;
    final int stride;
    final int blockShift;
    final int blockRows;
    /** Slots in use or freed: every slot below this has storage in a block. */
    final int slots;
    /** Live rows. */
    final int rows;

    final float[][] values;
    final String[][] ids;
    final long[][] counts;
    private final PersistentIndex index;
    private final FreeSlots free;

    /** A stack of freed slots (persistent: versions share its tail). */
    private record FreeSlots(int slot, FreeSlots next) {}

    private RecsTable(
            int dim,
            int blockShift,
            int slots,
            int rows,
            float[][] values,
            String[][] ids,
            long[][] counts,
            PersistentIndex index,
            FreeSlots free) {
        this.dim = dim;
        this.stride = dim + 1;
        this.blockShift = blockShift;
        this.blockRows = 1 << blockShift;
        this.slots = slots;
        this.rows = rows;
        this.values = values;
        this.ids = ids;
        this.counts = counts;
        this.index = index;
        this.free = free;
    }

    /** An empty table of rows with {@code dim + 1} floats, in blocks of {@code 2^blockShift} rows. */
    static RecsTable empty(int dim, int blockShift) {
        return new RecsTable(
                dim, blockShift, 0, 0, new float[0][], new String[0][], new long[0][], PersistentIndex.EMPTY, null);
    }

    /** The slot of {@code id}, or -1 when the table has no row for it. */
    int slot(String id) {
        return index.get(id);
    }

    String id(int slot) {
        return ids[slot >>> blockShift][slot & (blockRows - 1)];
    }

    long count(int slot) {
        return counts[slot >>> blockShift][slot & (blockRows - 1)];
    }

    /** The block holding {@code slot}'s values; its values start at {@link #offset(int)}. */
    float[] block(int slot) {
        return values[slot >>> blockShift];
    }

    int offset(int slot) {
        return (slot & (blockRows - 1)) * stride;
    }

    /** The row's values (vector then bias), copied. */
    float[] row(int slot) {
        int o = offset(slot);
        return Arrays.copyOfRange(block(slot), o, o + stride);
    }

    Editor edit() {
        return new Editor(this);
    }

    /** Makes the next version; single use. Not thread-safe. */
    final class Editor {
        private float[][] values;
        private String[][] ids;
        private long[][] counts;
        private boolean[] copied;
        private final PersistentIndex.Editor index;
        private FreeSlots free;
        private int slots;
        private int rows;

        private Editor(RecsTable from) {
            this.values = from.values.clone();
            this.ids = from.ids.clone();
            this.counts = from.counts.clone();
            this.copied = new boolean[from.values.length];
            this.index = from.index.edit();
            this.free = from.free;
            this.slots = from.slots;
            this.rows = from.rows;
        }

        /** Deletes {@code id}'s row; false when the table has none (a tombstone for an id never held). */
        boolean remove(String id) {
            int slot = slotNow(id);
            if (slot < 0) {
                return false;
            }
            index.remove(id);
            int b = own(slot >>> blockShift);
            int r = slot & (blockRows - 1);
            ids[b][r] = null;
            counts[b][r] = 0;
            Arrays.fill(values[b], r * stride, (r + 1) * stride, 0f);
            free = new FreeSlots(slot, free);
            rows--;
            return true;
        }

        /** Sets {@code id}'s row to {@code src[from .. from + dim]} and its count, adding the row when new. */
        void put(String id, float[] src, int from, long count) {
            int slot = slotNow(id);
            if (slot < 0) {
                if (free != null) {
                    slot = free.slot();
                    free = free.next();
                } else {
                    slot = slots++;
                    int b = slot >>> blockShift;
                    if (b == values.length) {
                        values = Arrays.copyOf(values, b + 1);
                        ids = Arrays.copyOf(ids, b + 1);
                        counts = Arrays.copyOf(counts, b + 1);
                        values[b] = new float[blockRows * stride];
                        ids[b] = new String[blockRows];
                        counts[b] = new long[blockRows];
                        markCopied(b);
                    }
                }
                index.put(id, slot);
                rows++;
            }
            int b = own(slot >>> blockShift);
            int r = slot & (blockRows - 1);
            ids[b][r] = id;
            counts[b][r] = count;
            System.arraycopy(src, from, values[b], r * stride, stride);
        }

        private int slotNow(String id) {
            return index.get(id);
        }

        private void markCopied(int b) {
            if (b >= copied.length) {
                copied = Arrays.copyOf(copied, Math.max(b + 1, copied.length * 2));
            }
            copied[b] = true;
        }

        /** Block {@code b}, copied once in this edit (the version before keeps its own). */
        private int own(int b) {
            if (b >= copied.length || !copied[b]) {
                values[b] = values[b].clone();
                ids[b] = ids[b].clone();
                counts[b] = counts[b].clone();
                markCopied(b);
            }
            return b;
        }

        RecsTable done() {
            return new RecsTable(dim, blockShift, slots, rows, values, ids, counts, index.done(), free);
        }
    }
}

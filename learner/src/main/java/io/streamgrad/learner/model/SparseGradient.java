package io.streamgrad.learner.model;

import java.util.Arrays;

/**
 * A sparse gradient in compact form: distinct coordinates {@code indices()[0..count)} in first-insertion order,
 * and their summed gradients {@code values()[k]} for {@code indices()[k]}. This is what a lazy update
 * ({@code sparse_updates: true}) works on.
 *
 * <p>Contributions are summed in a small open-addressing table keyed by coordinate, sized by the batch (a few
 * thousand entries for a batch of CTR examples: it stays in the L1/L2 cache), instead of a gradient array as long
 * as the model (4 MB for 2^20 features, where every add was a cache miss). Each value starts at {@code 0f} and
 * adds its contributions in insertion order, so a sum is bit for bit what {@code grad[i] += v} over a zeroed
 * dense array gives (the sign of a zero included).
 *
 * <p>The table is kept at most a quarter full: most adds of a CTR batch insert a new coordinate, and at half full
 * the probe's "slot taken?" branch went either way often enough to cost more than the larger table's cache misses
 * (an eighth full was no faster; docs/BENCHMARKS.md#sparse-kernels).
 *
 * <p>{@link #clear()} costs O(count), not O(capacity). Not thread-safe.
 */
public final class SparseGradient {
    private final int capacity;
    private int[] idx;
    private float[] val;
    /** For each coordinate in the table its slot, so clear() empties exactly the used slots. */
    private int[] slotOf;
    /** Open addressing with linear probing: a slot's coordinate plus one (0 = empty) ... */
    private int[] slotKey;
    /** ... and its position in idx/val. */
    private int[] slotPos;

    private int mask;
    private int shift;
    private int count;

    /** @param capacity coordinates {@code [0, capacity)} may be added (the model's parameter count) */
    public SparseGradient(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
        this.idx = new int[256];
        this.val = new float[256];
        this.slotOf = new int[256];
        this.slotKey = new int[1024];
        this.slotPos = new int[1024];
        this.mask = slotKey.length - 1;
        this.shift = 32 - 10;
    }

    /** Adds {@code v} to coordinate {@code i}'s gradient (inserting it, at 0, on first sight). */
    public void add(int i, float v) {
        if (i < 0 || i >= capacity) {
            throw new ArrayIndexOutOfBoundsException("coordinate " + i + " outside [0, " + capacity + ")");
        }
        int key = i + 1;
        int h = hash(i);
        while (true) {
            int s = slotKey[h];
            if (s == key) {
                val[slotPos[h]] += v;
                return;
            }
            if (s == 0) {
                break;
            }
            h = (h + 1) & mask;
        }
        if (count == idx.length) {
            grow();
            add(i, v);
            return;
        }
        slotKey[h] = key;
        slotPos[h] = count;
        idx[count] = i;
        val[count] = 0f + v; // as grad[i] += v on a zeroed array: -0f + 0f is +0f
        slotOf[count] = h;
        count++;
    }

    /** Adds coordinates {@code [from, to)} with a zero contribution (present in the update, gradient 0 so far). */
    public void addRange(int from, int to) {
        for (int i = from; i < to; i++) {
            add(i, 0f);
        }
    }

    /** Whether coordinate {@code i} has been added since the last {@link #clear()}. */
    public boolean contains(int i) {
        if (i < 0 || i >= capacity) {
            return false;
        }
        for (int h = hash(i); ; h = (h + 1) & mask) {
            int s = slotKey[h];
            if (s == i + 1) {
                return true;
            }
            if (s == 0) {
                return false;
            }
        }
    }

    public int count() {
        return count;
    }

    /** The coordinates, {@code [0, count)} valid; the array is reused (do not keep it across a clear). */
    public int[] indices() {
        return idx;
    }

    /** The gradients of {@link #indices()}, position for position; writable (regularisation, clipping). */
    public float[] values() {
        return val;
    }

    public int capacity() {
        return capacity;
    }

    public void clear() {
        for (int k = 0; k < count; k++) {
            slotKey[slotOf[k]] = 0;
        }
        count = 0;
    }

    /** Fibonacci hashing: the high bits of i * 2^32/phi spread clustered coordinates (c*d + j) over the table. */
    private int hash(int i) {
        return (i * 0x9E3779B9) >>> shift;
    }

    private void grow() {
        int n = idx.length * 2;
        idx = Arrays.copyOf(idx, n);
        val = Arrays.copyOf(val, n);
        slotOf = Arrays.copyOf(slotOf, n);
        slotKey = new int[n * 4]; // load factor <= 1/4
        slotPos = new int[n * 4];
        mask = slotKey.length - 1;
        shift = 32 - Integer.numberOfTrailingZeros(slotKey.length);
        for (int k = 0; k < count; k++) {
            int h = hash(idx[k]);
            while (slotKey[h] != 0) {
                h = (h + 1) & mask;
            }
            slotKey[h] = idx[k] + 1;
            slotPos[h] = k;
            slotOf[k] = h;
        }
    }
}

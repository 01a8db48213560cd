package io.streamgrad.learner.model;

import java.util.Arrays;

/**
 * A set of parameter indices, for lazy (sparse) updates: each index is kept at most once, in insertion order.
 * {@link #clear()} costs O(count), not O(capacity), so it can be reused every batch over millions of parameters.
 */
public final class TouchedSet {
    /** Membership, one bit per coordinate: 8x smaller than a boolean[], so far more of it stays in cache. */
    private final long[] member;

    private final int capacity;
    private int[] idx;
    private int count;

    public TouchedSet(int capacity) {
        this.capacity = capacity;
        this.member = new long[(capacity + 63) >>> 6];
        this.idx = new int[Math.min(capacity, 1024)];
    }

    public void add(int i) {
        if (i < 0 || i >= capacity) {
            throw new ArrayIndexOutOfBoundsException("coordinate " + i + " outside [0, " + capacity + ")");
        }
        int word = i >>> 6;
        long bit = 1L << i; // shifts use the low 6 bits
        long w = member[word];
        if ((w & bit) == 0) {
            member[word] = w | bit;
            if (count == idx.length) {
                idx = Arrays.copyOf(idx, Math.min(capacity, Math.max(16, idx.length * 2)));
            }
            idx[count++] = i;
        }
    }

    public void addRange(int from, int to) {
        for (int i = from; i < to; i++) {
            add(i);
        }
    }

    public boolean contains(int i) {
        return (member[i >>> 6] & (1L << i)) != 0;
    }

    public int count() {
        return count;
    }

    public int[] indices() {
        return idx;
    }

    public void clear() {
        for (int k = 0; k < count; k++) {
            member[idx[k] >>> 6] = 0L;
        }
        count = 0;
    }
}

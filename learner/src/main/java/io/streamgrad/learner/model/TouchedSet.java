package io.streamgrad.learner.model;

import java.util.Arrays;

/**
 * A set of parameter indices, for lazy (sparse) updates: each index is kept at most once, in insertion order.
 * {@link #clear()} costs O(count), not O(capacity), so it can be reused every batch over millions of parameters.
 */
public final class TouchedSet {
    private final boolean[] member;
    private int[] idx;
    private int count;

    public TouchedSet(int capacity) {
        this.member = new boolean[capacity];
        this.idx = new int[Math.min(capacity, 1024)];
    }

    public void add(int i) {
        if (!member[i]) {
            member[i] = true;
            if (count == idx.length) {
                idx = Arrays.copyOf(idx, Math.min(member.length, Math.max(16, idx.length * 2)));
            }
            idx[count++] = i;
        }
    }

    /** Adds the half-open range {@code [from, to)}. */
    public void addRange(int from, int to) {
        for (int i = from; i < to; i++) {
            add(i);
        }
    }

    public boolean contains(int i) {
        return member[i];
    }

    public int count() {
        return count;
    }

    /** The indices; only the first {@link #count()} entries are meaningful. */
    public int[] indices() {
        return idx;
    }

    public void clear() {
        for (int k = 0; k < count; k++) {
            member[idx[k]] = false;
        }
        count = 0;
    }
}

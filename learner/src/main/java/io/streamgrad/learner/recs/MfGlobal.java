package io.streamgrad.learner.recs;

import java.util.Arrays;

/**
 * The small, model-wide part of an {@code mf} model's state (one value in keyed state beside the row maps): the
 * global bias with its optimizer slots, the step counter, the admitted-row counts of both tables and the ring of
 * recent item occurrences negatives are drawn from.
 */
public final class MfGlobal {
    final float[] bias = new float[1];
    float[] slot1;
    float[] slot2;
    long biasUpdates;
    long step;
    long userRows;
    long itemRows;
    final String[] pool;
    int poolNext;
    int poolFilled;

    public MfGlobal(MfSpec spec) {
        RowOptimizer o = spec.optimizer();
        slot1 = o.slots() >= 1 ? new float[] {o.slotInit()} : Row.NONE;
        slot2 = o.slots() >= 2 ? new float[1] : Row.NONE;
        pool = new String[spec.negativePool()];
    }

    public long step() {
        return step;
    }

    public float globalBias() {
        return bias[0];
    }

    public long userRows() {
        return userRows;
    }

    public long itemRows() {
        return itemRows;
    }

    /** Ids in the pool and how many slots hold each (rebuilt from {@link #pool}; not serialised). */
    private java.util.Map<String, Integer> members;

    /**
     * Adds one item occurrence to the ring; with {@code distinct}, an item already in the ring is not added again
     * (the ring then holds the last {@code pool} distinct items to enter it, first in first out).
     */
    void addToPool(String item, boolean distinct) {
        if (distinct) {
            if (members == null) {
                members = new java.util.HashMap<>();
                for (int i = 0; i < poolFilled; i++) {
                    members.merge(pool[i], 1, Integer::sum);
                }
            }
            if (members.containsKey(item)) {
                return;
            }
            String old = pool[poolNext];
            if (old != null && poolFilled == pool.length) {
                members.computeIfPresent(old, (k, c) -> c == 1 ? null : c - 1);
            }
            members.merge(item, 1, Integer::sum);
        }
        pool[poolNext] = item;
        poolNext = (poolNext + 1) % pool.length;
        poolFilled = Math.min(poolFilled + 1, pool.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MfGlobal g
                && Arrays.equals(bias, g.bias)
                && Arrays.equals(slot1, g.slot1)
                && Arrays.equals(slot2, g.slot2)
                && biasUpdates == g.biasUpdates
                && step == g.step
                && userRows == g.userRows
                && itemRows == g.itemRows
                && Arrays.equals(pool, g.pool)
                && poolNext == g.poolNext
                && poolFilled == g.poolFilled;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(step) * 31 + Float.hashCode(bias[0]);
    }
}

package io.streamgrad.serving;

import io.streamgrad.learner.io.ParameterDelta;
import java.util.Objects;

/**
 * A model's parameter vector held in fixed-size blocks ({@value #BLOCK} floats), immutable once built, so that
 * the next version can be made copy-on-write: {@link #apply} copies the block-pointer array and only the blocks a
 * delta touches; every other block is the same object in both versions. A k-row delta on an n-parameter model
 * therefore costs O(k + n / {@value #BLOCK}) plus one copy per touched block, and the versions a follower retains
 * share their untouched blocks.
 *
 * <p>A version that would share at most half of its blocks with the one before (a delta touching more than half
 * of the blocks, as hashed features spread over the whole vector do; a full version that differs in most blocks)
 * is held as one array instead ({@link #isWhole}): the copy-on-write would copy most of the vector anyway, and one
 * large array costs the collector nothing per young collection (G1 allocates an array of at least half a region
 * — 1 MB with a 4 GB heap — outside the young generation and frees it without copying), where thousands of
 * 2-KiB blocks that live for the few seconds a version is served and retained are copied by every young
 * collection until promoted (docs/BENCHMARKS.md, "Serving under load"). The next sparse delta splits it into
 * blocks again.
 *
 * <p>Never mutated after construction: safe to read from any number of threads once published (the follower
 * publishes a version through a volatile reference).
 */
final class BlockedParams {
    static final int SHIFT = 9;
    /**
     * Floats per block (2 KiB). Hashed features spread a step's rows uniformly over the vector, so a delta of k rows
     * touches about min(k, n / BLOCK) blocks: small blocks keep the copy near the rows touched, while the pointer
     * array (n / BLOCK references, copied per version) stays small: 8 KiB for 2^20 parameters.
     */
    static final int BLOCK = 1 << SHIFT;

    static final int MASK = BLOCK - 1;

    /** The shift of a version held as one array: every index is in block 0. */
    private static final int WHOLE_SHIFT = 31;

    private final int length;
    /** {@link #SHIFT}, or {@link #WHOLE_SHIFT} for one array. */
    private final int shift;

    private final int mask;
    private final float[][] blocks;

    private BlockedParams(int length, int shift, float[][] blocks) {
        this.length = length;
        this.shift = shift;
        this.mask = shift == WHOLE_SHIFT ? Integer.MAX_VALUE : (1 << shift) - 1;
        this.blocks = blocks;
    }

    /** The blocked form of {@code params} (copied). */
    static BlockedParams of(float[] params) {
        return of(params, null);
    }

    /**
     * The blocked form of {@code params} (copied), sharing every block of {@code like} (an earlier version, may be
     * null) whose values are the same bits: a full version read after others keeps in memory only the blocks that
     * changed since. When at most half of the blocks could be shared, one array instead ({@link #isWhole}). O(n)
     * compares.
     */
    static BlockedParams of(float[] params, BlockedParams like) {
        Objects.requireNonNull(params, "params");
        if (like != null && like.length != params.length) {
            like = null;
        }
        int n = params.length;
        float[][] blocks = new float[blocks(n)][];
        int shared = 0;
        for (int b = 0; b < blocks.length && like != null && !like.isWhole(); b++) {
            if (sameBits(like.blocks[b], params, b << SHIFT)) {
                blocks[b] = like.blocks[b];
                shared++;
            }
        }
        if (like != null && blocks.length > 1 && 2 * shared <= blocks.length) {
            return new BlockedParams(n, WHOLE_SHIFT, new float[][] {params.clone()});
        }
        for (int b = 0; b < blocks.length; b++) {
            if (blocks[b] == null) {
                int from = b << SHIFT;
                blocks[b] = java.util.Arrays.copyOfRange(params, from, Math.min(n, from + BLOCK));
            }
        }
        return new BlockedParams(n, SHIFT, blocks);
    }

    private static int blocks(int n) {
        return (n + MASK) >>> SHIFT;
    }

    private static boolean sameBits(float[] block, float[] params, int from) {
        for (int i = 0; i < block.length; i++) {
            if (Float.floatToRawIntBits(block[i]) != Float.floatToRawIntBits(params[from + i])) {
                return false;
            }
        }
        return true;
    }

    int length() {
        return length;
    }

    float get(int i) {
        return blocks[i >>> shift][i & mask];
    }

    /** Whether this version is held as one array ({@link #blockCount} 1, whatever the length). */
    boolean isWhole() {
        return shift == WHOLE_SHIFT;
    }

    int blockCount() {
        return blocks.length;
    }

    /** The block holding parameter {@code i}. */
    int blockOf(int i) {
        return i >>> shift;
    }

    /** Where parameter {@code i} is in its block ({@link #blockOf}). */
    int offsetOf(int i) {
        return i & mask;
    }

    /** Block {@code b} itself (not a copy): for readers that stay within one block, and for tests. */
    float[] block(int b) {
        return blocks[b];
    }

    /**
     * The next version: this one with {@code delta} applied, copying only the blocks it touches (changed or
     * removed indices), or, when it touches more than half of them, as one array ({@link #isWhole}). This version is
     * left as it is.
     *
     * @throws IllegalArgumentException when the delta is for another parameter count
     */
    BlockedParams apply(ParameterDelta delta) {
        if (delta.numParams() != length) {
            throw new IllegalArgumentException(
                    "the delta is for " + delta.numParams() + " parameters, the model has " + length);
        }
        int count = blocks(length);
        if (count > 1 && 2 * touchedBlocks(delta) > count) {
            float[] whole = isWhole() ? blocks[0].clone() : toArray();
            delta.applyTo(whole);
            return new BlockedParams(length, WHOLE_SHIFT, new float[][] {whole});
        }
        float[][] next;
        float[][] from;
        if (isWhole()) {
            next = of(blocks[0], null).blocks; // fresh blocks: written in place below
            from = null;
        } else {
            next = blocks.clone();
            from = blocks;
        }
        for (int k = 0, n = delta.count(); k < n; k++) {
            int i = delta.index(k);
            writable(next, from, i >>> SHIFT)[i & MASK] = delta.value(k);
        }
        for (int k = 0, n = delta.removedCount(); k < n; k++) {
            int i = delta.removed(k);
            writable(next, from, i >>> SHIFT)[i & MASK] = 0f;
        }
        return new BlockedParams(length, SHIFT, next);
    }

    /**
     * The blocks of {@value #BLOCK} floats a delta writes (changed and removed indices are each ascending; a block
     * holding both counts twice: an estimate that errs towards one array).
     */
    private static int touchedBlocks(ParameterDelta delta) {
        int touched = 0;
        int last = -1;
        for (int k = 0, n = delta.count(); k < n; k++) {
            int b = delta.index(k) >>> SHIFT;
            if (b != last) {
                touched++;
                last = b;
            }
        }
        last = -1;
        for (int k = 0, n = delta.removedCount(); k < n; k++) {
            int b = delta.removed(k) >>> SHIFT;
            if (b != last) {
                touched++;
                last = b;
            }
        }
        return touched;
    }

    /** Block {@code b} of the version being built, copied from {@code from} on first write (none: already fresh). */
    private static float[] writable(float[][] next, float[][] from, int b) {
        float[] block = next[b];
        if (from != null && block == from[b]) {
            block = block.clone();
            next[b] = block;
        }
        return block;
    }

    /** The whole vector, as one array (a copy). */
    float[] toArray() {
        if (isWhole()) {
            return blocks[0].clone();
        }
        float[] out = new float[length];
        for (int b = 0; b < blocks.length; b++) {
            System.arraycopy(blocks[b], 0, out, b << SHIFT, blocks[b].length);
        }
        return out;
    }
}

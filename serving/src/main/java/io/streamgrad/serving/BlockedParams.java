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

    private final int length;
    private final float[][] blocks;

    private BlockedParams(int length, float[][] blocks) {
        this.length = length;
        this.blocks = blocks;
    }

    /** The blocked form of {@code params} (copied). */
    static BlockedParams of(float[] params) {
        return of(params, null);
    }

    /**
     * The blocked form of {@code params}, sharing every block of {@code like} (an earlier version, may be null)
     * whose values are the same bits: a full version read after others keeps in memory only the blocks that
     * changed since. O(n) compares.
     */
    static BlockedParams of(float[] params, BlockedParams like) {
        Objects.requireNonNull(params, "params");
        if (like != null && like.length != params.length) {
            like = null;
        }
        int n = params.length;
        float[][] blocks = new float[(n + MASK) >>> SHIFT][];
        for (int b = 0; b < blocks.length; b++) {
            int from = b << SHIFT;
            int len = Math.min(BLOCK, n - from);
            if (like != null && sameBits(like.blocks[b], params, from)) {
                blocks[b] = like.blocks[b];
                continue;
            }
            float[] block = new float[len];
            System.arraycopy(params, from, block, 0, len);
            blocks[b] = block;
        }
        return new BlockedParams(n, blocks);
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
        return blocks[i >>> SHIFT][i & MASK];
    }

    int blockCount() {
        return blocks.length;
    }

    /** Block {@code b} itself (not a copy): for readers that stay within one block, and for tests. */
    float[] block(int b) {
        return blocks[b];
    }

    /**
     * The next version: this one with {@code delta} applied, copying only the blocks it touches (changed or
     * removed indices). This version is left as it is.
     *
     * @throws IllegalArgumentException when the delta is for another parameter count
     */
    BlockedParams apply(ParameterDelta delta) {
        if (delta.numParams() != length) {
            throw new IllegalArgumentException(
                    "the delta is for " + delta.numParams() + " parameters, the model has " + length);
        }
        float[][] next = blocks.clone();
        for (int k = 0, n = delta.count(); k < n; k++) {
            int i = delta.index(k);
            writable(next, i >>> SHIFT)[i & MASK] = delta.value(k);
        }
        for (int k = 0, n = delta.removedCount(); k < n; k++) {
            int i = delta.removed(k);
            writable(next, i >>> SHIFT)[i & MASK] = 0f;
        }
        return new BlockedParams(length, next);
    }

    /** Block {@code b} of the version being built, copied from this version on first write. */
    private float[] writable(float[][] next, int b) {
        float[] block = next[b];
        if (block == blocks[b]) {
            block = block.clone();
            next[b] = block;
        }
        return block;
    }

    /** The whole vector, as one array (a copy). */
    float[] toArray() {
        float[] out = new float[length];
        for (int b = 0; b < blocks.length; b++) {
            System.arraycopy(blocks[b], 0, out, b << SHIFT, blocks[b].length);
        }
        return out;
    }
}

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
    static final int SHIFT = 12;
    /** Floats per block: 16 KiB, small enough that a few thousand touched rows copy little. */
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
        Objects.requireNonNull(params, "params");
        int n = params.length;
        float[][] blocks = new float[(n + MASK) >>> SHIFT][];
        for (int b = 0; b < blocks.length; b++) {
            int from = b << SHIFT;
            int len = Math.min(BLOCK, n - from);
            float[] block = new float[len];
            System.arraycopy(params, from, block, 0, len);
            blocks[b] = block;
        }
        return new BlockedParams(n, blocks);
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

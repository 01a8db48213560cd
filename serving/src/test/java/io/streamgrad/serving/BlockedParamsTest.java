package io.streamgrad.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.io.ParameterDelta;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockedParamsTest {
    private static final int N = 5 * BlockedParams.BLOCK + 123; // a short last block

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) r.nextGaussian();
        }
        return p;
    }

    @Test
    void of_keepsEveryValueBitForBit_inBlocksOfFixedSize() {
        float[] p = random(N, 1);
        p[7] = -0.0f;
        p[8] = Float.intBitsToFloat(0x7fc01234); // a NaN with a payload
        BlockedParams b = BlockedParams.of(p);
        assertThat(b.blockCount()).isEqualTo(6);
        assertThat(b.block(5)).hasSize(123);
        for (int i = 0; i < N; i++) {
            assertThat(Float.floatToRawIntBits(b.get(i))).isEqualTo(Float.floatToRawIntBits(p[i]));
        }
        assertThat(b.toArray()).isEqualTo(p);
    }

    @Test
    void apply_copiesOnlyTouchedBlocks_andSharesEveryOtherBlockObject() {
        float[] before = random(N, 2);
        float[] after = before.clone();
        after[3] = 1.5f; // block 0
        after[2 * BlockedParams.BLOCK + 9] = -2f; // block 2
        after[2 * BlockedParams.BLOCK + 10] = 4f; // block 2 again
        after[N - 1] = 0.25f; // the short last block
        ParameterDelta delta = ParameterDelta.between(before, after);
        BlockedParams v1 = BlockedParams.of(before);
        BlockedParams v2 = v1.apply(delta);

        assertThat(v2.toArray()).isEqualTo(after);
        assertThat(v1.toArray()).as("the previous version is unchanged").isEqualTo(before);
        for (int b = 0; b < v1.blockCount(); b++) {
            boolean touched = b == 0 || b == 2 || b == 5;
            if (touched) {
                assertThat(v2.block(b)).as("block %d", b).isNotSameAs(v1.block(b));
            } else {
                assertThat(v2.block(b)).as("block %d", b).isSameAs(v1.block(b));
            }
        }
    }

    @Test
    void apply_removedIndicesBecomeZero_asTheLearnersApply() {
        float[] before = random(N, 3);
        ParameterDelta delta =
                ParameterDelta.gather(before, new int[0], 0).withRemoved(new int[] {4, BlockedParams.BLOCK * 3 + 1});
        float[] expected = before.clone();
        delta.applyTo(expected);
        BlockedParams v1 = BlockedParams.of(before);
        BlockedParams v2 = v1.apply(delta);
        assertThat(v2.toArray()).isEqualTo(expected);
        assertThat(v2.get(4)).isZero();
        assertThat(v2.block(1)).isSameAs(v1.block(1));
        assertThat(v2.block(3)).isNotSameAs(v1.block(3));
    }

    @Test
    void apply_aChainOfRandomDeltas_equalsApplyingThemToOneArray() {
        Random r = new Random(4);
        float[] flat = random(N, 5);
        BlockedParams blocked = BlockedParams.of(flat);
        for (int v = 0; v < 50; v++) {
            float[] next = flat.clone();
            for (int k = r.nextInt(200); k > 0; k--) {
                next[r.nextInt(N)] = (float) r.nextGaussian();
            }
            ParameterDelta d = ParameterDelta.between(flat, next);
            blocked = blocked.apply(d);
            flat = next;
            assertThat(blocked.toArray()).isEqualTo(flat);
        }
    }

    @Test
    void apply_aDeltaTouchingMostBlocks_makesOneArray_bitForBit_andASparseOneSplitsItAgain() {
        float[] before = random(N, 6);
        float[] dense = before.clone();
        for (int b = 0; b < 5; b++) {
            dense[b * BlockedParams.BLOCK + 17] = b + 0.5f; // blocks 0..4 of 6: more than half
        }
        ParameterDelta spread = ParameterDelta.between(before, dense).withRemoved(new int[] {N - 1});
        float[] expected = before.clone();
        spread.applyTo(expected);
        BlockedParams v1 = BlockedParams.of(before);
        BlockedParams v2 = v1.apply(spread);

        assertThat(v2.isWhole()).isTrue();
        assertThat(v2.blockCount()).isEqualTo(1);
        assertThat(v2.toArray()).isEqualTo(expected);
        assertThat(v2.get(N - 1)).isZero();
        assertThat(v1.toArray()).as("the previous version is unchanged").isEqualTo(before);

        // The next delta touches one block: blocks again, and the one-array version is unchanged.
        float[] after = expected.clone();
        after[2 * BlockedParams.BLOCK + 1] = -7f;
        BlockedParams v3 = v2.apply(ParameterDelta.between(expected, after));
        assertThat(v3.isWhole()).isFalse();
        assertThat(v3.blockCount()).isEqualTo(6);
        assertThat(v3.toArray()).isEqualTo(after);
        assertThat(v2.toArray()).isEqualTo(expected);
        // ...and a dense delta on a one-array version is one array again.
        BlockedParams v4 = v2.apply(ParameterDelta.between(expected, before));
        assertThat(v4.isWhole()).isTrue();
        assertThat(v4.toArray()).isEqualTo(before);
        assertThat(v2.toArray()).isEqualTo(expected);
    }

    @Test
    void of_aFullVersionLikeTheOneBefore_sharesBlocks_andOneUnlikeItIsOneArray() {
        float[] p1 = random(N, 7);
        BlockedParams v1 = BlockedParams.of(p1);
        float[] p2 = p1.clone();
        p2[3] = 9f; // one block of 6 differs
        BlockedParams v2 = BlockedParams.of(p2, v1);
        assertThat(v2.isWhole()).isFalse();
        assertThat(v2.block(1)).isSameAs(v1.block(1));
        assertThat(v2.block(0)).isNotSameAs(v1.block(0));
        assertThat(v2.toArray()).isEqualTo(p2);

        float[] p3 = random(N, 8); // every block differs
        BlockedParams v3 = BlockedParams.of(p3, v2);
        assertThat(v3.isWhole()).isTrue();
        assertThat(v3.toArray()).isEqualTo(p3);
        for (int i = 0; i < N; i++) {
            assertThat(Float.floatToRawIntBits(v3.get(i))).isEqualTo(Float.floatToRawIntBits(p3[i]));
        }
        p3[0] = 1234f;
        assertThat(v3.get(0)).as("copied, not adopted").isNotEqualTo(1234f);
        // A full version after a one-array one cannot share blocks with it: one array again.
        assertThat(BlockedParams.of(p2, v3).isWhole()).isTrue();
        assertThat(BlockedParams.of(p2, v3).toArray()).isEqualTo(p2);
    }

    @Test
    void apply_aDeltaForAnotherSize_isRefusedNamingBothSizes() {
        BlockedParams b = BlockedParams.of(new float[10]);
        ParameterDelta d = ParameterDelta.between(new float[11], new float[11]);
        assertThatThrownBy(() -> b.apply(d))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("11 parameters, the model has 10");
    }
}

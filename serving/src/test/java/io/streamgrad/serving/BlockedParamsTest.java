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
    void apply_aDeltaForAnotherSize_isRefusedNamingBothSizes() {
        BlockedParams b = BlockedParams.of(new float[10]);
        ParameterDelta d = ParameterDelta.between(new float[11], new float[11]);
        assertThatThrownBy(() -> b.apply(d))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("11 parameters, the model has 10");
    }
}

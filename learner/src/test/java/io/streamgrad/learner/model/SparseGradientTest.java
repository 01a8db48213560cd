package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SparseGradientTest {
    @Test
    void add_sumsPerCoordinate_inFirstInsertionOrder() {
        SparseGradient g = new SparseGradient(1000);
        g.add(7, 1f);
        g.add(999, 2f);
        g.add(7, 0.5f);
        g.add(0, -1f);
        g.add(999, 0.25f);
        assertThat(Arrays.copyOf(g.indices(), g.count())).containsExactly(7, 999, 0);
        assertThat(Arrays.copyOf(g.values(), g.count())).containsExactly(1.5f, 2.25f, -1f);
        assertThat(g.contains(999)).isTrue();
        assertThat(g.contains(8)).isFalse();
    }

    /** The property the trainer relies on: the same bits as {@code grad[i] += v} over a zeroed dense vector. */
    @Test
    void sums_equalDenseAccumulationBitForBit_throughGrowthAndReuse() {
        Random rnd = new Random(42);
        int dim = 1 << 20;
        SparseGradient g = new SparseGradient(dim);
        for (int round = 0; round < 5; round++) {
            float[] dense = new float[dim];
            Map<Integer, Boolean> order = new LinkedHashMap<>();
            int adds = 50 + round * 3000; // the table starts at 256 entries: later rounds grow it
            for (int a = 0; a < adds; a++) {
                int i = rnd.nextInt(4) == 0 ? rnd.nextInt(64) : rnd.nextInt(dim); // repeats and fresh ones
                float v = rnd.nextInt(10) == 0 ? -0f : (float) rnd.nextGaussian() * 1e-3f;
                dense[i] += v;
                g.add(i, v);
                order.putIfAbsent(i, true);
            }
            assertThat(g.count()).isEqualTo(order.size());
            int k = 0;
            for (int i : order.keySet()) {
                assertThat(g.indices()[k]).isEqualTo(i);
                assertThat(Float.floatToRawIntBits(g.values()[k]))
                        .as("coordinate %d", i)
                        .isEqualTo(Float.floatToRawIntBits(dense[i]));
                k++;
            }
            g.clear();
            assertThat(g.count()).isZero();
            for (int i : order.keySet()) {
                assertThat(g.contains(i)).isFalse();
            }
        }
    }

    @Test
    void aNegativeZeroContributionIsStoredAsPositiveZero_asInADenseSum() {
        SparseGradient g = new SparseGradient(4);
        g.add(2, -0f);
        assertThat(Float.floatToRawIntBits(g.values()[0])).isEqualTo(Float.floatToRawIntBits(0f));
    }

    @Test
    void addRange_insertsZerosAfterwhatIsThere() {
        SparseGradient g = new SparseGradient(10);
        g.add(8, 3f);
        g.addRange(7, 10);
        assertThat(Arrays.copyOf(g.indices(), g.count())).containsExactly(8, 7, 9);
        assertThat(Arrays.copyOf(g.values(), g.count())).containsExactly(3f, 0f, 0f);
    }

    @Test
    void add_outsideTheCapacity_isRejected() {
        SparseGradient g = new SparseGradient(70);
        assertThatThrownBy(() -> g.add(70, 1f))
                .isInstanceOf(ArrayIndexOutOfBoundsException.class)
                .hasMessageContaining("outside [0, 70)");
        assertThatThrownBy(() -> g.add(-1, 1f)).isInstanceOf(ArrayIndexOutOfBoundsException.class);
        assertThat(g.contains(70)).isFalse();
    }
}

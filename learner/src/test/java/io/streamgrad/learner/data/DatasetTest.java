package io.streamgrad.learner.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.util.Rng;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatasetTest {

    private static Dataset fiveRows(ReadOptions.Density density) {
        Dataset.Builder b = new Dataset.Builder(3);
        for (int i = 0; i < 5; i++) {
            b.add(i, 1f + i, new int[] {i % 3, (i + 1) % 3}, new float[] {i + 1, 10 * (i + 1)}, 2);
        }
        return b.build(density, null);
    }

    @Test
    void batch_inOrder_denseAndSparseHoldTheSameRows() {
        Dataset dense = fiveRows(ReadOptions.Density.DENSE);
        Dataset sparse = fiveRows(ReadOptions.Density.SPARSE);

        Batch d = dense.batch(1, 4);
        Batch s = sparse.batch(1, 4);
        assertThat(d.isSparse()).isFalse();
        assertThat(s.isSparse()).isTrue();
        assertThat(d.dense()).containsExactly(0, 2, 20, 30, 0, 3, 4, 40, 0);
        assertThat(s.toDenseArray()).containsExactly(d.dense());
        assertThat(d.labels()).containsExactly(1, 2, 3);
        assertThat(s.weights()).containsExactly(2, 3, 4);
    }

    @Test
    void batch_withOrder_takesThoseRows() {
        Dataset dense = fiveRows(ReadOptions.Density.DENSE);
        Dataset sparse = fiveRows(ReadOptions.Density.SPARSE);
        int[] order = {4, 0, 2, 1, 3};

        assertThat(dense.batch(order, 0, 2).labels()).containsExactly(4, 0);
        assertThat(sparse.batch(order, 0, 2).toDenseArray())
                .containsExactly(dense.batch(order, 0, 2).dense());
        assertThat(sparse.batch(order, 0, 2).rowPtr()).containsExactly(0, 2, 4);
    }

    @Test
    void batch_lastPartialBatch_isIncluded() {
        Dataset d = fiveRows(ReadOptions.Density.AUTO);
        int total = 0;
        for (int from = 0; from < d.size(); from += 2) {
            total += d.batch(from, Math.min(from + 2, d.size())).size();
        }

        assertThat(total).isEqualTo(5);
        assertThat(d.batch(4, 5).labels()).containsExactly(4);
    }

    @Test
    void batch_intoAPreviousBatch_holdsTheSameRowsAsAFreshOne_reusingItsArrays() {
        for (ReadOptions.Density density :
                new ReadOptions.Density[] {ReadOptions.Density.DENSE, ReadOptions.Density.SPARSE}) {
            Dataset data = fiveRows(density);
            int[] order = {4, 0, 2, 1, 3};
            Batch fresh = data.batch(order, 2, 4);
            Batch freshLast = data.batch(order, 4, 5);
            Batch prev = data.batch(order, 0, 2, null);
            Batch next = data.batch(order, 2, 4, prev);
            assertThat(next.labels()).isSameAs(prev.labels());
            if (density == ReadOptions.Density.DENSE) {
                assertThat(next.dense()).isSameAs(prev.dense());
            } else {
                assertThat(next.rowPtr()).isSameAs(prev.rowPtr());
            }
            assertThat(next.toDenseArray()).as(density.name()).containsExactly(fresh.toDenseArray());
            assertThat(Arrays.copyOf(next.labels(), 2)).containsExactly(fresh.labels());

            Batch last = data.batch(order, 4, 5, next); // a partial batch in larger arrays
            assertThat(last.weights()).isSameAs(prev.weights());
            assertThat(last.size()).isEqualTo(1);
            assertThat(last.toDenseArray()).as(density.name()).containsExactly(freshLast.toDenseArray());
            assertThat(last.labels()[0]).isEqualTo(freshLast.labels()[0]);
            assertThat(last.weights()[0]).isEqualTo(freshLast.weights()[0]);
        }
    }

    @Test
    void shuffledOrder_isPermutation_determinedBySeed_andAdvancesRngByNMinusOneDraws() {
        Rng a = new Rng(42);
        Rng b = new Rng(42);
        int[] p = Dataset.shuffledOrder(100, a);
        int[] q = Dataset.shuffledOrder(100, b);
        Rng c = new Rng(42);
        for (int i = 0; i < 99; i++) {
            c.nextLong();
        }

        assertThat(p).isEqualTo(q);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 100; i++) {
            assertThat(sorted[i]).isEqualTo(i);
        }
        assertThat(a.state()).isEqualTo(c.state());
        assertThat(p).isNotEqualTo(Dataset.shuffledOrder(100, new Rng(43)));
    }

    @Test
    void shuffledOrder_allPermutationsOfThree_equallyLikely() {
        Rng rng = new Rng(1);
        Map<String, Integer> counts = new HashMap<>();
        int draws = 60_000;
        for (int i = 0; i < draws; i++) {
            counts.merge(Arrays.toString(Dataset.shuffledOrder(3, rng)), 1, Integer::sum);
        }
        double chi2 = 0;
        for (int c : counts.values()) {
            chi2 += Math.pow(c - draws / 6.0, 2) / (draws / 6.0);
        }

        assertThat(counts).hasSize(6);
        // 5 degrees of freedom: P(chi2 > 20.5) ~ 0.001.
        assertThat(chi2).isLessThan(20.5);
    }

    @Test
    void builder_dropsZeroValues_andAutoDensityFollowsStoredFraction() {
        Dataset.Builder b = new Dataset.Builder(4);
        b.add(1, 1, new int[] {0, 1, 2}, new float[] {0, 1, 0}, 3);
        b.add(0, 1, new int[] {3}, new float[] {2}, 1);
        Dataset d = b.build(ReadOptions.Density.AUTO, null);

        assertThat(d.nnz()).isEqualTo(2);
        assertThat(d.isDense()).isFalse();
    }
}

package io.streamgrad.learner.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FloatArraysTest {
    private static float[] gaussian(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    @Test
    void sumOfSquares_matchesTheExactDoubleSumToFloatPrecision_atEverySizeAroundTheBlocks() {
        for (int n : new int[] {0, 1, 7, 8, 9, 1023, 1024, 1025, 4100, 235_146}) {
            float[] a = gaussian(n, n);
            double exact = FloatArrays.exactSumOfSquares(a);
            assertThat(FloatArrays.sumOfSquares(a)).as("n = %d", n).isCloseTo(exact, within(2e-6 * exact + 1e-30));
        }
    }

    @Test
    void sumOfSquares_isNonFiniteWhenAnElementIsNonFinite_orItsSquareOverflowsFloat() {
        float[] a = gaussian(3000, 1);
        a[2999] = Float.NaN; // in the tail loop of the last block
        assertThat(FloatArrays.sumOfSquares(a)).isNaN();
        a[2999] = 1f;
        a[5] = Float.NEGATIVE_INFINITY;
        assertThat(FloatArrays.sumOfSquares(a)).isInfinite();
        a[5] = 2e19f; // finite, but its float square is not: callers recompute exactly
        assertThat(FloatArrays.sumOfSquares(a)).isInfinite();
        assertThat(FloatArrays.exactSumOfSquares(a)).isCloseTo(4e38, within(1e33));
    }

    @Test
    void allFinite_findsANaNOrInfinityAnywhere() {
        float[] a = gaussian(2051, 2);
        assertThat(FloatArrays.allFinite(a)).isTrue();
        assertThat(FloatArrays.allFinite(new float[0])).isTrue();
        for (int i : new int[] {0, 1, 1024, 2050}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                float keep = a[i];
                a[i] = bad;
                assertThat(FloatArrays.allFinite(a)).as("%s at %d", bad, i).isFalse();
                a[i] = keep;
            }
        }
        a[7] = Float.MAX_VALUE;
        a[8] = -Float.MAX_VALUE;
        assertThat(FloatArrays.allFinite(a)).isTrue();
    }
}

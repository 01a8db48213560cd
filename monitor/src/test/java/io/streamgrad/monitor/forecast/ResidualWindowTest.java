package io.streamgrad.monitor.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The interval and score formulas on hand-checkable windows. */
class ResidualWindowTest {
    static final float[] WINDOW = {3, 1, 4, 2};

    @Test
    void score_isOneMinusTheConformalPValue_insideTheWindow() {
        // |r| = 2.5: two residuals (3, 4) are >= it, p = (1 + 2) / (4 + 1) = 0.6
        assertThat(ResidualWindow.score(WINDOW, 4, 2.5)).isCloseTo(0.4, within(1e-12));
        // |r| = 4: one (4) is >= it, p = 2 / 5
        assertThat(ResidualWindow.score(WINDOW, 4, 4)).isCloseTo(0.6, within(1e-12));
    }

    @Test
    void score_beyondTheLargestResidual_followsTheExponentialTail() {
        // max 4, mean 2.5: p = exp(-(5 - 4) / 2.5) / 5
        assertThat(ResidualWindow.score(WINDOW, 4, 5)).isCloseTo(1 - Math.exp(-0.4) / 5, within(1e-12));
        assertThat(ResidualWindow.score(WINDOW, 4, 50)).isGreaterThan(ResidualWindow.score(WINDOW, 4, 5));
        assertThat(ResidualWindow.score(WINDOW, 4, 1e9)).isLessThanOrEqualTo(1.0);
    }

    @Test
    void halfWidth_isTheConformalQuantile() {
        // coverage 0.8: k = ceil(5 * 0.8) = 4, the 4th smallest = 4; coverage 0.5: k = 3 -> 3
        assertThat(ResidualWindow.halfWidth(WINDOW, 4, 0.8, new float[4])).isEqualTo(4.0);
        assertThat(ResidualWindow.halfWidth(WINDOW, 4, 0.5, new float[4])).isEqualTo(3.0);
        // k beyond n: the largest
        assertThat(ResidualWindow.halfWidth(WINDOW, 4, 0.95, new float[4])).isEqualTo(4.0);
    }

    @Test
    void select_equalsSortingOnRandomArraysWithTies() {
        Random rng = new Random(9);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + rng.nextInt(300);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = rng.nextInt(20);
            }
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            int k = rng.nextInt(n);
            assertThat(ResidualWindow.select(a.clone(), n, k)).isEqualTo(sorted[k]);
        }
    }
}

package io.streamgrad.learner.optim;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions comparing float results with double-precision references, and bit-for-bit. */
final class Numbers {
    /**
     * Relative tolerance for float results against a double reference after a few steps: float rounding is
     * 6e-8 relative per operation, so 2e-6 leaves room for a few roundings yet catches any change to a rule.
     */
    static final double REL = 2e-6;

    static final double ABS = 1e-9;

    private Numbers() {}

    static void assertClose(String what, float[] actual, int from, double[] expected) {
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[from + i];
            assertThat(a)
                    .as("%s[%d]", what, i)
                    .isCloseTo(e, org.assertj.core.api.Assertions.within(REL * Math.abs(e) + ABS));
        }
    }

    static void assertBitsEqual(String what, float[] actual, float[] expected) {
        assertThat(actual.length).as("%s length", what).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i]))
                    .as("%s[%d] bits (%s vs %s)", what, i, actual[i], expected[i])
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}

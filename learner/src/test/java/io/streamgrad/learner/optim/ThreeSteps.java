package io.streamgrad.learner.optim;

/**
 * The fixed inputs of the "first three steps against an independent reference" tests: a 4-vector with
 * gradients of mixed sign and size, a coordinate whose gradient is zero for two steps, a parameter starting at 0,
 * and a different learning rate at each step.
 */
final class ThreeSteps {
    static final double[] P0 = {0.3, -1.2, 0.7, 0.0};
    static final double[][] G = {
        {0.5, -0.02, 0.0, 3.0},
        {-0.25, -0.01, 0.0, 1.5},
        {0.125, 0.04, 0.75, -2.0},
    };
    static final double[] LR = {0.1, 0.05, 0.02};
    static final int N = P0.length;

    private ThreeSteps() {}

    static float[] params() {
        return Numbers.toFloat(P0);
    }

    static float[] grad(int step) {
        return Numbers.toFloat(G[step]);
    }

    /** The state block {@code b} of a state laid out in blocks of {@link #N}, as doubles. */
    static double[] block(float[] state, int b) {
        double[] d = new double[N];
        for (int i = 0; i < N; i++) {
            d[i] = state[b * N + i];
        }
        return d;
    }
}

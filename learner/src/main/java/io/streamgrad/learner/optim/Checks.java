package io.streamgrad.learner.optim;

/**
 * Argument checks shared by the optimizer configs: each message names the config key, the allowed range and the
 * value found, so a bad YAML file can be fixed from the message alone.
 */
final class Checks {
    static final String LEARNING_RATE = "optimizer.learning_rate";
    static final String BETA1 = "optimizer.beta1";
    static final String BETA2 = "optimizer.beta2";
    static final String EPSILON = "optimizer.epsilon";
    static final String WEIGHT_DECAY = "optimizer.weight_decay";
    static final String MOMENTUM = "optimizer.momentum";
    static final String RHO = "optimizer.rho";
    static final String INITIAL_ACCUMULATOR = "optimizer.initial_accumulator";
    static final String FTRL_BETA = "optimizer.ftrl_beta";
    static final String L1 = "regularization.l1";
    static final String L2 = "regularization.l2";

    private Checks() {
    }

    /** A finite value {@code > 0}. */
    static double positive(String key, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(key + " must be a finite number > 0, got " + value);
        }
        return value;
    }

    /** A finite value {@code >= 0}. */
    static double nonNegative(String key, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(key + " must be a finite number >= 0, got " + value);
        }
        return value;
    }

    /** A value in {@code [0, 1)}: a decay coefficient (1 would never forget; the bias correction would divide by 0). */
    static double unitInterval(String key, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(key + " must be in [0, 1), got " + value);
        }
        return value;
    }

    /** {@code k * n} with an overflow check: the state is one Java array. */
    static int blocks(String optimizer, int blocks, int numParams) {
        if (numParams < 0) {
            throw new IllegalArgumentException("numParams must be >= 0, got " + numParams);
        }
        try {
            return Math.multiplyExact(blocks, numParams);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(optimizer + " needs " + blocks + " x " + numParams
                    + " floats of state, more than one Java array holds; use fewer parameters", e);
        }
    }

    /** Checks that {@code state} is exactly {@code o.stateSize(numParams)} long, and fills it with {@code value}. */
    static void fill(Optimizer o, float[] state, int numParams, float value) {
        int need = o.stateSize(numParams);
        if (state.length != need) {
            throw new IllegalArgumentException(o.name() + ": state has " + state.length + " floats, expected "
                    + need + " (stateSize(" + numParams + "))");
        }
        java.util.Arrays.fill(state, value);
    }

    /**
     * Checks the shapes of one step (O(1); the per-coordinate loops do not re-check) and returns {@code n}.
     * Wrong lengths are a caller bug, never silently truncated.
     */
    static int shapes(Optimizer o, float[] params, float[] grads, float[] state, long t) {
        int n = params.length;
        if (grads.length != n) {
            throw new IllegalArgumentException(o.name() + ": grads has " + grads.length + " floats, params has " + n);
        }
        return stateAndStep(o, n, state, t);
    }

    private static int stateAndStep(Optimizer o, int n, float[] state, long t) {
        int need = o.stateSize(n);
        if (state.length != need) {
            throw new IllegalArgumentException(o.name() + ": state has " + state.length + " floats, expected "
                    + need + " (stateSize(" + n + ")); create it with initState");
        }
        if (t < 1) {
            throw new IllegalArgumentException(o.name() + ": step number t is 1-based, got " + t);
        }
        return n;
    }

    /**
     * The shapes of a sparse step: params and state as for {@link #shapes}, {@code count} within the index list,
     * and a compact gradient ({@code grads[k]} for coordinate {@code idx[k]}) at least {@code count} long.
     */
    static int shapes(Optimizer o, float[] params, float[] grads, float[] state, long t, int[] idx, int count) {
        int n = stateAndStep(o, params.length, state, t);
        if (count < 0 || count > idx.length) {
            throw new IllegalArgumentException(o.name() + ": count " + count + " outside [0, " + idx.length
                    + "] (idx.length)");
        }
        if (grads.length < count) {
            throw new IllegalArgumentException(o.name() + ": grads has " + grads.length + " floats, fewer than the "
                    + count + " listed coordinates (a sparse step takes the compact gradient: grads[k] for idx[k])");
        }
        return n;
    }
}

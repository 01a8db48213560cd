package io.streamgrad.learner.optim;

/**
 * Shape and size checks shared by the optimizers (their arguments are checked with {@link OptimizerOptions}).
 */
final class Checks {
    private Checks() {
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

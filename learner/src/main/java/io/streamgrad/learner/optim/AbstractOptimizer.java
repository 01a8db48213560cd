package io.streamgrad.learner.optim;

import io.streamgrad.learner.config.Option;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What every update rule shares, in one place: its {@link OptimizerKind} (the {@link #name()} and the number of
 * state blocks), the state size and its initialisation, the O(1) shape checks of a step, and {@link #toString()}
 * from the option values. A rule declares its kind, checks its arguments with {@link #option} (the
 * {@link OptimizerOptions} the parser uses) and supplies its two kernels, {@link #update} and
 * {@link #updateSparse}, which run after the shapes are checked; the checked steps
 * ({@link #stepIfFinite}, {@link #stepSparseIfFinite}) call {@link #checkShapes} themselves.
 */
abstract class AbstractOptimizer implements Optimizer {
    private final OptimizerKind kind;
    /** The option values for {@link #toString()}: label, value, label, value, ... (filled by the constructor). */
    private final List<Object> described = new ArrayList<>();

    protected AbstractOptimizer(OptimizerKind kind) {
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** The rule ({@code optimizer.type}). */
    public final OptimizerKind kind() {
        return kind;
    }

    /**
     * Checks {@code value} against {@code option}'s range (the message names its YAML key) and records it for
     * {@link #toString()} under the camel-case form of the key's last segment ({@code learning_rate} as
     * {@code learningRate}).
     */
    protected final double option(Option<Double> option, double value) {
        return option(camelCase(option.name()), option, value);
    }

    /** {@link #option(Option, double)}, shown in {@link #toString()} as {@code label}. */
    protected final double option(String label, Option<Double> option, double value) {
        double checked = option.check(value);
        described.add(label);
        described.add(checked);
        return checked;
    }

    @Override
    public final String name() {
        return kind.yamlName();
    }

    /** {@code kind.statePerParam() * numParams}, with an overflow check: the state is one Java array. */
    @Override
    public final int stateSize(int numParams) {
        if (numParams < 0) {
            throw new IllegalArgumentException("numParams must be >= 0, got " + numParams);
        }
        int blocks = kind.statePerParam();
        try {
            return Math.multiplyExact(blocks, numParams);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    name() + " needs " + blocks + " x " + numParams
                            + " floats of state, more than one Java array holds; use fewer parameters",
                    e);
        }
    }

    /** Checks that {@code state} is exactly {@code stateSize(numParams)} long and fills it with {@link #initValue}. */
    @Override
    public final void initState(float[] state, int numParams) {
        int need = stateSize(numParams);
        if (state.length != need) {
            throw new IllegalArgumentException(name() + ": state has " + state.length + " floats, expected " + need
                    + " (stateSize(" + numParams + "))");
        }
        Arrays.fill(state, initValue());
    }

    /** The value every state float starts at: 0 unless a rule says otherwise (Adagrad's initial accumulator). */
    protected float initValue() {
        return 0f;
    }

    @Override
    public final void step(float[] params, float[] grads, float[] state, long t, double lr) {
        int n = checkShapes(params, grads, state, t);
        update(params, grads, state, n, t, lr);
    }

    @Override
    public final void stepSparse(
            float[] params, float[] grads, float[] state, long t, double lr, int[] idx, int count) {
        int n = checkShapes(params, grads, state, t, idx, count);
        updateSparse(params, grads, state, n, t, lr, idx, count);
    }

    /** The dense kernel ({@link #step}) over coordinates {@code 0..n}, shapes already checked. */
    protected abstract void update(float[] params, float[] grads, float[] state, int n, long t, double lr);

    /**
     * The lazy kernel ({@link #stepSparse}) over {@code idx[0..count)}, with the compact gradient
     * {@code grads[k]} of coordinate {@code idx[k]}; shapes already checked, {@code n = params.length}.
     */
    protected abstract void updateSparse(
            float[] params, float[] grads, float[] state, int n, long t, double lr, int[] idx, int count);

    /**
     * Checks the shapes of one dense step (O(1); the per-coordinate loops do not re-check) and returns
     * {@code n = params.length}. Wrong lengths are a caller bug, never silently truncated.
     */
    protected final int checkShapes(float[] params, float[] grads, float[] state, long t) {
        int n = params.length;
        if (grads.length != n) {
            throw new IllegalArgumentException(name() + ": grads has " + grads.length + " floats, params has " + n);
        }
        return checkStateAndStep(n, state, t);
    }

    /**
     * The shapes of a sparse step: params and state as for the dense step, {@code count} within the index list,
     * and a compact gradient ({@code grads[k]} for coordinate {@code idx[k]}) at least {@code count} long.
     */
    protected final int checkShapes(float[] params, float[] grads, float[] state, long t, int[] idx, int count) {
        int n = checkStateAndStep(params.length, state, t);
        if (count < 0 || count > idx.length) {
            throw new IllegalArgumentException(
                    name() + ": count " + count + " outside [0, " + idx.length + "] (idx.length)");
        }
        if (grads.length < count) {
            throw new IllegalArgumentException(name() + ": grads has " + grads.length + " floats, fewer than the "
                    + count + " listed coordinates (a sparse step takes the compact gradient: grads[k] for idx[k])");
        }
        return n;
    }

    private int checkStateAndStep(int n, float[] state, long t) {
        int need = stateSize(n);
        if (state.length != need) {
            throw new IllegalArgumentException(name() + ": state has " + state.length + " floats, expected " + need
                    + " (stateSize(" + n + ")); create it with initState");
        }
        if (t < 1) {
            throw new IllegalArgumentException(name() + ": step number t is 1-based, got " + t);
        }
        return n;
    }

    /** {@code Adam{learningRate=0.001, beta1=0.9, ...}}: the class and its option values. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(getClass().getSimpleName()).append('{');
        for (int i = 0; i < described.size(); i += 2) {
            b.append(i == 0 ? "" : ", ").append(described.get(i)).append('=').append(described.get(i + 1));
        }
        return b.append('}').toString();
    }

    private static String camelCase(String snake) {
        StringBuilder b = new StringBuilder(snake.length());
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }
}

package io.streamgrad.learner.loss;

/**
 * Builds a {@link Loss} from its config name.
 *
 * <p>All losses work in double internally and follow the {@link Loss} batch convention: the batch loss is
 * {@code (1/n) * sum_i w_i * loss_i} and the gradient written to {@code dRaw} already includes {@code w_i / n}.
 */
public final class Losses {
    /** The accepted config names, in the order error messages list them. */
    public static final String ALLOWED = String.join(", ", LossKind.names());

    private Losses() {}

    /**
     * The loss named {@code name}.
     *
     * @param huberDelta the Huber threshold ({@code loss.delta}); read (and required to be finite and
     *                   {@code > 0}) only for {@code huber}
     * @throws IllegalArgumentException for an unknown name or a bad Huber delta
     */
    public static Loss create(String name, double huberDelta) {
        if (name == null) {
            throw new IllegalArgumentException("loss: missing value; allowed: " + ALLOWED);
        }
        return LossKind.of(name).create(huberDelta);
    }

    /** The loss of {@code kind}; {@code huberDelta} as for {@link #create(String, double)}. */
    public static Loss create(LossKind kind, double huberDelta) {
        return kind.create(huberDelta);
    }

    /** Regression and binary losses read one raw output per example. */
    static void requireSingleOutput(String loss, int k) {
        if (k != 1) {
            throw new IllegalArgumentException("loss " + loss + " needs a model with 1 output, got " + k
                    + " outputs; use categorical_cross_entropy for k classes, or set model.classes to 1");
        }
    }
}

package io.streamgrad.learner.optim;

/** Builds an {@link Optimizer} from its spec. */
public final class Optimizers {
    private Optimizers() {
    }

    public static Optimizer create(OptimizerSpec spec) {
        throw new IllegalArgumentException("optimizer.type: unknown value '" + spec.type() + "'");
    }
}

package io.streamgrad.learner.loss;

/** Builds a {@link Loss} from its config name. */
public final class Losses {
    private Losses() {
    }

    public static Loss create(String name, double huberDelta) {
        throw new IllegalArgumentException("loss: unknown value '" + name + "'");
    }
}

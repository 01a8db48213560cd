package io.streamgrad.learner.model;

/** Builds a {@link Model} from its spec. */
public final class Models {
    private Models() {
    }

    public static Model create(ModelSpec spec) {
        throw new IllegalArgumentException("model.type: unknown value '" + spec.type() + "'");
    }
}

package io.streamgrad.learner.model;

import io.streamgrad.learner.data.Batch;

/** Validation shared by the models; every message names the config key and says what is allowed. */
final class SpecChecks {
    /** The largest Java array we ask for (some VMs reserve a few header words). */
    static final long MAX_PARAMS = Integer.MAX_VALUE - 8;

    private SpecChecks() {}

    static void features(ModelSpec spec) {
        if (!ModelOptions.FEATURES.range().contains(spec.features())) {
            throw new IllegalArgumentException("model.features: must be >= 1, got " + spec.features());
        }
    }

    /** linear, logistic and fm have exactly one output. */
    static void singleOutput(ModelSpec spec) {
        if (spec.classes() != 0 && spec.classes() != 1) {
            throw new IllegalArgumentException("model.classes: type " + spec.type() + " has one output, so classes "
                    + "must be 1, got " + spec.classes() + "; use type softmax or mlp for k classes");
        }
    }

    static void noHidden(ModelSpec spec) {
        if (!spec.hidden().isEmpty()) {
            throw new IllegalArgumentException("model.hidden: only type mlp has hidden layers, got " + spec.hidden()
                    + " for type " + spec.type() + "; remove model.hidden or use type mlp");
        }
    }

    static int paramCount(ModelSpec spec, long count) {
        if (count > MAX_PARAMS) {
            throw new IllegalArgumentException("model.features: a " + spec.type() + " model of this size needs "
                    + count + " parameters, more than the " + MAX_PARAMS + " a Java array holds; lower "
                    + "model.features (the hash space)" + (spec.type() == ModelKind.FM ? " or model.factors" : ""));
        }
        return (int) count;
    }

    static void params(float[] params, int numParams) {
        if (params.length < numParams) {
            throw new IllegalArgumentException(
                    "params has " + params.length + " entries, the model needs " + numParams);
        }
    }

    static void batch(Batch batch, int features, int outputs, float[] out, String what) {
        if (batch.dim() != features) {
            throw new IllegalArgumentException("batch has " + batch.dim() + " features, model.features is " + features);
        }
        if (out.length < (long) batch.size() * outputs) {
            throw new IllegalArgumentException(what + " has " + out.length + " entries, a batch of " + batch.size()
                    + " needs " + (long) batch.size() * outputs);
        }
    }

    static IllegalArgumentException badIndex(int row, int j, int features) {
        return new IllegalArgumentException("sparse batch row " + row + " has feature index " + j + " outside [0, "
                + features + "); hash feature names into model.features");
    }
}

package io.streamgrad.job.decode;

import io.streamgrad.avro.Example;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.FastExampleReader;
import java.util.List;
import java.util.Map;

/**
 * Checks one decoded example against its model's configuration and turns it into a {@link TrainingExample}:
 * dense part of exactly {@code model.features} values, sparse indices in {@code [0, features)} with one value
 * each, named features hashed into the same space, every value finite, a label valid for the task (finite for
 * regression, 0 or 1 for binary, an integer class index below {@code model.classes} for multi-class), a weight
 * finite and {@code >= 0}, no feature value, regression label or weight beyond {@link Limits#maxAbsValue()} in
 * magnitude, and no more non-zeros than {@link Limits#maxNonZerosPerExample()}.
 *
 * <p>Pure and stateless apart from the hasher; not thread-safe only if the hasher is not.
 */
public final class ExampleValidator {
    private final NamedFeatureHasher hasher;
    private final Limits limits;

    public ExampleValidator(NamedFeatureHasher hasher, Limits limits) {
        this.hasher = hasher;
        this.limits = limits;
    }

    /** How named features are mapped to indices of a model's feature space. */
    @FunctionalInterface
    public interface NamedFeatureHasher {
        /**
         * Hashes {@code name -> value} pairs into {@code dim} dimensions, writing the index and (possibly sign-
         * flipped) value of each into {@code indices}/{@code values} from position {@code at}.
         */
        void hash(Map<String, Float> named, int dim, int[] indices, float[] values, int at);
    }

    /**
     * Whether every value is finite and at most {@code maxAbs} in magnitude: one branch-free pass over the array
     * (a 784-value MNIST row in a fraction of a microsecond), for the common case of a valid dense row. The
     * value-by-value loop after it says which value is wrong when one is.
     */
    static boolean allWithin(float[] a, double maxAbs) {
        boolean ok = true; // NaN fails every comparison; infinities fail this one, as maxAbs is finite (Limits)
        for (float v : a) {
            ok &= Math.abs(v) <= maxAbs;
        }
        return ok;
    }

    public TrainingExample validate(Example e, String modelId, TrainerConfig config) throws InvalidExampleException {
        int features = config.model().features();
        double maxAbs = limits.maxAbsValue();
        TrainingExample t = new TrainingExample();
        t.modelId = modelId;

        List<Float> dense = e.getDense();
        if (!dense.isEmpty()) {
            if (dense.size() != features) {
                throw new InvalidExampleException("dense has " + dense.size() + " values but model '" + modelId
                        + "' has model.features=" + features + ": send exactly " + features
                        + " dense values, or use indices/values for sparse features");
            }
            float[] d;
            if (dense instanceof FastExampleReader.FloatList fl && allWithin(fl.array(), maxAbs)) {
                d = fl.array(); // the fast reader's array, made for this record alone: kept, not copied
            } else {
                d = new float[features];
                for (int i = 0; i < features; i++) {
                    float v = dense.get(i);
                    if (!Float.isFinite(v)) {
                        throw new InvalidExampleException("dense[" + i + "] is " + v + ": feature values must be"
                                + " finite; impute or drop missing values before producing");
                    }
                    if (Math.abs(v) > maxAbs) {
                        throw tooLarge("dense[" + i + "]", v);
                    }
                    d[i] = v;
                }
            }
            t.dense = d;
        }

        List<Integer> indices = e.getIndices();
        List<Float> values = e.getValues();
        Map<String, Float> named = e.getNamed();
        if (indices.size() != values.size()) {
            throw new InvalidExampleException("indices has " + indices.size() + " entries but values has "
                    + values.size() + ": sparse features need one value per index");
        }
        long nnz = (long) indices.size() + named.size();
        if (nnz > limits.maxNonZerosPerExample()) {
            throw new InvalidExampleException(nnz + " sparse + named features exceed limits.max_non_zeros_per_example="
                    + limits.maxNonZerosPerExample() + ": split the example's features or raise the limit");
        }
        if (nnz > 0) {
            int[] idx = new int[(int) nnz];
            float[] val = new float[(int) nnz];
            for (int k = 0; k < indices.size(); k++) {
                int i = indices.get(k);
                if (i < 0 || i >= features) {
                    throw new InvalidExampleException("indices[" + k + "]=" + i + " is outside [0, " + features
                            + ") of model '" + modelId + "' (model.features=" + features
                            + "): indices are 0-based and must be below model.features");
                }
                float v = values.get(k);
                if (!Float.isFinite(v)) {
                    throw new InvalidExampleException("values[" + k + "] (index " + i + ") is " + v
                            + ": feature values must be finite; impute or drop missing values before producing");
                }
                if (Math.abs(v) > maxAbs) {
                    throw tooLarge("values[" + k + "] (index " + i + ")", v);
                }
                idx[k] = i;
                val[k] = v;
            }
            if (!named.isEmpty()) {
                for (Map.Entry<String, Float> n : named.entrySet()) {
                    if (!Float.isFinite(n.getValue())) {
                        throw new InvalidExampleException("named feature '" + abbreviate(n.getKey()) + "' is "
                                + n.getValue() + ": feature values must be finite; impute or drop missing values"
                                + " before producing");
                    }
                    if (Math.abs(n.getValue()) > maxAbs) {
                        throw tooLarge("named feature '" + abbreviate(n.getKey()) + "'", n.getValue());
                    }
                }
                hasher.hash(named, features, idx, val, indices.size());
            }
            t.indices = idx;
            t.values = val;
        }

        float label = e.getLabel();
        switch (config.task()) {
            case REGRESSION -> {
                if (!Float.isFinite(label)) {
                    throw new InvalidExampleException("label is " + label + ": a regression target must be finite;"
                            + " drop examples without a target");
                }
                if (Math.abs(label) > limits.maxAbsValue()) {
                    throw new InvalidExampleException("label " + label + " exceeds limits.max_abs_value="
                            + limits.maxAbsValue() + " in magnitude: scale the target (and the predictions back), or"
                            + " raise the limit");
                }
            }
            case BINARY -> {
                if (label != 0f && label != 1f) {
                    throw new InvalidExampleException("label " + label + " is not 0 or 1, as model '" + modelId
                            + "' (loss " + config.loss() + ") needs: map the negative class to 0, the positive to 1");
                }
            }
            case MULTICLASS -> {
                int classes = config.model().classes();
                if (!(label >= 0 && label < classes && label == Math.rint(label))) {
                    throw new InvalidExampleException("label " + label + " is not a class index 0.." + (classes - 1)
                            + " of model '" + modelId + "' (model.classes=" + classes
                            + "): send the 0-based class index");
                }
            }
        }
        t.label = label;

        float w = e.getWeight();
        if (!Float.isFinite(w) || w < 0) {
            throw new InvalidExampleException("weight " + w + " must be finite and >= 0: leave it out for 1, or send"
                    + " a finite non-negative number");
        }
        if (w > limits.maxAbsValue()) {
            throw new InvalidExampleException("weight " + w + " exceeds limits.max_abs_value=" + limits.maxAbsValue()
                    + ": normalise the weights, or raise the limit");
        }
        t.weight = w;
        t.eventTime = e.getEventTime() == null ? 0 : e.getEventTime().toEpochMilli();
        return t;
    }

    /**
     * The error for a feature value beyond {@link Limits#maxAbsValue()}. Callers compare first and build the value's
     * name ({@code what}) only when it fails: building it for every value of every example (a string per value)
     * cost more than the rest of decoding and validating an MLP example.
     */
    private InvalidExampleException tooLarge(String what, float v) {
        return new InvalidExampleException(what + " = " + v + " exceeds limits.max_abs_value=" + limits.maxAbsValue()
                + " in magnitude: scale the feature (standardise, log-transform or clip it) before producing, or"
                + " raise the limit");
    }

    /** A user-supplied name for a message: at most 64 characters, so a hostile name cannot bloat dead letters. */
    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}

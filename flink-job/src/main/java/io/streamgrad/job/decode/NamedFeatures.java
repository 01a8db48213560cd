package io.streamgrad.job.decode;

/** The learner's feature hasher, adapted to the validator. */
final class NamedFeatures {
    private NamedFeatures() {
    }

    static ExampleValidator.NamedFeatureHasher hasher() {
        return (named, dim, indices, values, at) -> {
            throw new UnsupportedOperationException("pending: learner FeatureHasher");
        };
    }
}

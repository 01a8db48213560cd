package io.streamgrad.learner.config;

/**
 * Limits of the configuration, checked before anything is allocated. Defaults are not here: each is declared once,
 * on its {@link Option} (see {@link ConfigKeys} for the registries), or by the kind where it depends on the kind
 * ({@code OptimizerKind.defaultLearningRate}, {@code ModelKind.defaultInit}).
 */
public final class Defaults {
    private Defaults() {}

    /** The largest Java array: one model's parameter vector (and each optimizer block) must fit in one. */
    public static final long MAX_ARRAY_FLOATS = Integer.MAX_VALUE - 8;
    /**
     * Parameters plus optimizer state of one model, in floats: 2^29 floats = 2 GiB. A model is held in memory (and
     * in Flink keyed state) as a whole; beyond this, lower {@code model.features}, the hidden widths or factors.
     */
    public static final long MAX_STATE_FLOATS = 1L << 29;
}

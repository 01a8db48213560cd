package io.streamgrad.learner.model;

import io.streamgrad.learner.util.Rng;

/**
 * Weight initialisers. Each draws from the caller's {@link Rng} in index order over the range it fills, so
 * initial parameters are a pure function of the seed and the architecture.
 *
 * <ul>
 *   <li>{@code zeros}: all zero, draws nothing;</li>
 *   <li>{@code xavier_uniform}: U(-a, a) with {@code a = sqrt(6 / (fan_in + fan_out))} (Glorot &amp; Bengio 2010,
 *       eq. 16), one {@link Rng#nextDouble} per weight;</li>
 *   <li>{@code xavier_normal}: N(0, s^2) with {@code s = sqrt(2 / (fan_in + fan_out))}, one
 *       {@link Rng#nextGaussian} per weight;</li>
 *   <li>{@code he}: N(0, s^2) with {@code s = sqrt(2 / fan_in)} (He et al. 2015, "Delving deep into
 *       rectifiers", eq. 10), one {@link Rng#nextGaussian} per weight.</li>
 * </ul>
 */
enum Init {
    ZEROS("zeros"),
    XAVIER_UNIFORM("xavier_uniform"),
    XAVIER_NORMAL("xavier_normal"),
    HE("he");

    static final String ALLOWED = String.join(", ", names());

    private final String configName;

    Init(String configName) {
        this.configName = configName;
    }

    /** Every {@code model.init} value. */
    static java.util.List<String> names() {
        return java.util.Arrays.stream(values()).map(i -> i.configName).toList();
    }

    String configName() {
        return configName;
    }

    static Init parse(String name) {
        if (name != null) {
            for (Init i : values()) {
                if (i.configName.equals(name)) {
                    return i;
                }
            }
        }
        throw new IllegalArgumentException("model.init: unknown value '" + name + "'; allowed: " + ALLOWED);
    }

    /** Fills {@code params[from, from+count)} with weights of a layer with the given fans. */
    void fill(float[] params, int from, int count, long fanIn, long fanOut, Rng rng) {
        int to = from + count;
        switch (this) {
            case ZEROS -> java.util.Arrays.fill(params, from, to, 0f);
            case XAVIER_UNIFORM -> {
                double a = Math.sqrt(6.0 / (fanIn + fanOut));
                for (int i = from; i < to; i++) {
                    params[i] = (float) ((2.0 * rng.nextDouble() - 1.0) * a);
                }
            }
            case XAVIER_NORMAL -> normal(params, from, to, Math.sqrt(2.0 / (fanIn + fanOut)), rng);
            case HE -> normal(params, from, to, Math.sqrt(2.0 / fanIn), rng);
            default -> throw new AssertionError(this);
        }
    }

    static void normal(float[] params, int from, int to, double std, Rng rng) {
        for (int i = from; i < to; i++) {
            params[i] = (float) (std * rng.nextGaussian());
        }
    }
}

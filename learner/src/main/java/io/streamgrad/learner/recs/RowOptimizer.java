package io.streamgrad.learner.recs;

/**
 * The update rule of one row (lazy: only rows with a gradient in the batch move, the others keep their
 * parameters and slots untouched).
 *
 * <ul>
 *   <li>sgd: {@code p -= lr * g};</li>
 *   <li>adagrad (Duchi et al. 2011): {@code a += g²; p -= lr * g / (sqrt(a) + eps)}, {@code a} starting at the
 *   initial accumulator;</li>
 *   <li>adam (Kingma &amp; Ba 2015), lazy: {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
 *   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)} where {@code t} counts the batches that moved
 *   this row (its own bias correction, as a row that is rarely seen has young moments).</li>
 * </ul>
 * Arithmetic in double, stored as float.
 */
public record RowOptimizer(
        Kind kind, double learningRate, double beta1, double beta2, double epsilon, double initialAccumulator) {
    public enum Kind {
        SGD("sgd", 0),
        ADAGRAD("adagrad", 1),
        ADAM("adam", 2);

        private final String yamlName;
        private final int slots;

        Kind(String yamlName, int slots) {
            this.yamlName = yamlName;
            this.slots = slots;
        }

        public String yamlName() {
            return yamlName;
        }

        public static Kind of(String name) {
            for (Kind k : values()) {
                if (k.yamlName.equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown row optimizer '" + name + "'");
        }
    }

    /** Slot arrays per row: 0, 1 or 2. */
    public int slots() {
        return kind.slots;
    }

    public float slotInit() {
        return kind == Kind.ADAGRAD ? (float) initialAccumulator : 0f;
    }

    /** Moves {@code p} by gradient {@code g}; {@code t} is this row's update count including this one (>= 1). */
    public void update(float[] p, float[] s1, float[] s2, double[] g, long t) {
        switch (kind) {
            case SGD -> {
                for (int i = 0; i < p.length; i++) {
                    p[i] = (float) (p[i] - learningRate * g[i]);
                }
            }
            case ADAGRAD -> {
                for (int i = 0; i < p.length; i++) {
                    double a = s1[i] + g[i] * g[i];
                    s1[i] = (float) a;
                    p[i] = (float) (p[i] - learningRate * g[i] / (Math.sqrt(a) + epsilon));
                }
            }
            case ADAM -> {
                double c1 = 1 - Math.pow(beta1, t);
                double c2 = 1 - Math.pow(beta2, t);
                for (int i = 0; i < p.length; i++) {
                    double m = beta1 * s1[i] + (1 - beta1) * g[i];
                    double v = beta2 * s2[i] + (1 - beta2) * g[i] * g[i];
                    s1[i] = (float) m;
                    s2[i] = (float) v;
                    p[i] = (float) (p[i] - learningRate * (m / c1) / (Math.sqrt(v / c2) + epsilon));
                }
            }
        }
    }
}

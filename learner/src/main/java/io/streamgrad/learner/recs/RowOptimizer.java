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
 *   <li>ftrl: FTRL-Proximal per coordinate (McMahan et al. 2013, Algorithm 1) with {@code alpha = lr}: slots
 *   {@code z} and {@code n};
 *   {@code sigma = (sqrt(n + g²) - sqrt(n)) / alpha; z += g - sigma w; n += g²;
 *   w = 0 if |z| <= l1, else -(z - sign(z) l1) / ((beta + sqrt(n)) / alpha)} ({@code l1}:
 *   {@code regularization.l1}; the model's {@code regularization.l2} is added to the gradient as for every
 *   optimizer, so Algorithm 1's lambda2 is 0 here). Algorithm 1 centres the {@code beta/alpha} proximal term at 0, which would zero every
 *   latent vector at its first step (and a zero user and item vector have zero gradients forever); here it is
 *   centred at the row's initial value {@code w0}: the row starts with {@code z = -(beta/alpha) w0},
 *   {@code n = 0}, so the closed form gives {@code w0} back before any step, the first step is
 *   {@code w0 - alpha g / (beta + |g|)}, and for {@code w0 = 0} (every bias) it is Algorithm 1 exactly. L1 gives
 *   exact zeros.</li>
 * </ul>
 * Arithmetic in double, stored as float; ftrl's {@code w} is computed from the stored {@code z} and {@code n}.
 */
public record RowOptimizer(
        Kind kind,
        double learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double initialAccumulator,
        double ftrlBeta,
        double l1) {
    public enum Kind {
        SGD("sgd", 0),
        ADAGRAD("adagrad", 1),
        ADAM("adam", 2),
        FTRL("ftrl", 2);

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

    /** Every optimizer but ftrl: ftrl's beta 1, no ftrl penalties. */
    public RowOptimizer(
            Kind kind, double learningRate, double beta1, double beta2, double epsilon, double initialAccumulator) {
        this(kind, learningRate, beta1, beta2, epsilon, initialAccumulator, 1.0, 0.0);
    }

    /** Slot arrays per row: 0, 1 or 2. */
    public int slots() {
        return kind.slots;
    }

    /** The first slot's starting value of every coordinate (not ftrl: see {@link #initialSlot1}). */
    public float slotInit() {
        return kind == Kind.ADAGRAD ? (float) initialAccumulator : 0f;
    }

    /**
     * A new row's first slot for its initial parameters {@code params}: adagrad's initial accumulator, ftrl's
     * {@code z = -(beta/alpha) w0}, zeros otherwise ({@link Row#NONE} for sgd).
     */
    public float[] initialSlot1(float[] params) {
        if (slots() < 1) {
            return Row.NONE;
        }
        float[] s = new float[params.length];
        if (kind == Kind.FTRL) {
            double c = ftrlBeta / learningRate;
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (-c * params[i]);
            }
        } else {
            java.util.Arrays.fill(s, slotInit());
        }
        return s;
    }

    /** A new row's second slot (zeros; {@link Row#NONE} with fewer than two slots). */
    public float[] initialSlot2(int length) {
        return slots() >= 2 ? new float[length] : Row.NONE;
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
            case FTRL -> {
                for (int i = 0; i < p.length; i++) {
                    double n0 = s2[i];
                    double n1 = n0 + g[i] * g[i];
                    double sigma = (Math.sqrt(n1) - Math.sqrt(n0)) / learningRate;
                    float z = (float) (s1[i] + g[i] - sigma * p[i]);
                    float n = (float) n1;
                    s1[i] = z;
                    s2[i] = n;
                    p[i] = Math.abs(z) <= l1
                            ? 0f
                            : (float) (-(z - Math.signum(z) * l1) / ((ftrlBeta + Math.sqrt(n)) / learningRate));
                }
            }
        }
    }
}

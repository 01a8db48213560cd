package io.streamgrad.learner.util;

/**
 * SplitMix64 (Steele, Lea &amp; Flood 2014): a seeded generator whose whole state is one {@code long}, so the
 * RNG position can be checkpointed with the model and restored exactly.
 *
 * <p>Not thread-safe; every model state owns its own instance (or just its {@link #state()}).
 */
public final class Rng {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private long state;

    public Rng(long state) {
        this.state = state;
    }

    /** The current position; {@code new Rng(r.state())} continues the same sequence. */
    public long state() {
        return state;
    }

    public long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) Math.floorMod(nextLong(), (long) bound);
    }

    /**
     * Standard normal by Box–Muller, drawing two uniforms per call and discarding the second normal so that
     * the state stays a single {@code long}.
     */
    public double nextGaussian() {
        double u1 = nextDouble();
        double u2 = nextDouble();
        // 1 - u1 lies in (0, 1], so the log is finite.
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}

package io.streamgrad.learner.optim;

/**
 * A per-thread float buffer for the checked sparse steps ({@link Sgd}, {@link Ftrl}): the new values are computed
 * there and written back only if all are finite. One buffer per thread serves every optimizer (a step never runs
 * inside another); it grows to the largest step the thread has made.
 */
final class Scratch {
    private static final ThreadLocal<float[]> BUFFER = ThreadLocal.withInitial(() -> new float[0]);

    private Scratch() {}

    /** This thread's buffer, at least {@code length} long; its contents are undefined. */
    static float[] floats(int length) {
        float[] a = BUFFER.get();
        if (a.length < length) {
            a = new float[Math.max(length, 2 * a.length)];
            BUFFER.set(a);
        }
        return a;
    }
}

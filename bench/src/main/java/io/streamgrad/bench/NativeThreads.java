package io.streamgrad.bench;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The number of threads ND4J's native code may use, set at run time so that one JVM can measure 1 and 2 threads
 * side by side.
 *
 * <p>ND4J has two pools: libnd4j's own OpenMP-style pool (element-wise ops, reductions, the updaters;
 * {@code Environment.setMaxThreads}) and OpenBLAS's pool (gemm; {@code Blas.setMaxThreads}, which calls
 * {@code openblas_set_num_threads}). Both start from {@code OMP_NUM_THREADS} when it is set, else the number of
 * cores. Setting only one of them leaves the other contending for the same cores, so this sets both.
 */
public final class NativeThreads {
    private NativeThreads() {}

    /** Sets both native pools to {@code n} threads ({@code n >= 1}). */
    public static void set(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + n);
        }
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        Nd4j.factory().blas().setMaxThreads(n);
    }

    /** What the pools are set to, as {@code "nd4j=<n> blas=<n>"}. */
    public static String describe() {
        return "nd4j=" + Nd4j.getEnvironment().maxThreads() + " blas="
                + Nd4j.factory().blas().getMaxThreads();
    }
}

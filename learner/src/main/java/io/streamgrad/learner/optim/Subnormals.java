package io.streamgrad.learner.optim;

/**
 * The flush the optimizers apply to state that decays (Adam's and AdamW's moments, the momentum and Nesterov
 * velocity, RMSProp's mean square), so that no state value is ever subnormal:
 * <pre>
 *   flush(x) = (x + 2^-90) - 2^-90
 * </pre>
 *
 * <p><b>Why.</b> A coordinate whose gradient stays zero (the weights of a dead ReLU unit) has its state decay by a
 * constant factor per step into the subnormal range (below 2^-126, 1.2e-38), and IEEE gradual underflow then keeps
 * it there: {@code 0.999f * v} rounds back to {@code v} for the smallest few hundred subnormals, so they never
 * reach zero. On Intel x86 cores every vector instruction with a subnormal operand or result takes a microcode
 * assist (~100+ cycles): a batch-128 MLP with a third of its Adam moments subnormal after ~700 steps trained several
 * times slower (docs/BENCHMARKS.md#subnormal-moments). Java cannot set the
 * CPU's flush-to-zero mode, so this does it in arithmetic C2 still vectorises.
 *
 * <p><b>What it changes.</b> {@code x} is rounded to a multiple of 2^-113 (the spacing of floats near 2^-90): |x|
 * below 2^-114 (4.8e-35) becomes 0, |x| of 2^-90 (8e-28) and above comes back within one ulp, non-finite values
 * stay what they are. As with gradual underflow, a decaying value can stop a few grid units above zero
 * ({@code 0.999f * v} rounds back to {@code v} up to 500 units, 4.8e-32; {@code 0.9f * v} up to 4), now a normal
 * float. The effect on the parameters is nil in practice. For Adam the flush moves {@code sqrt(v * c2)} by less
 * than 2^-57 sqrt(c2) (7e-18 sqrt(c2); half an ulp of the default {@code eps} 1e-8 is 4.4e-16) and {@code m} by
 * less than 2^-114, and its update divides before multiplying by {@code lr}, so the step of a moment stopped above
 * zero is a normal float too. TensorFlow's CPU kernels flush subnormals as well (the FTZ/DAZ mode).
 */
final class Subnormals {
    private static final float OFFSET = 0x1p-90f;

    private Subnormals() {}

    /**
     * {@code x} rounded to a multiple of 2^-113: 0 below 2^-114 in magnitude, within one ulp from 2^-90 up,
     * non-finite values unchanged. Two vector instructions in a loop C2 vectorises (a comparison or
     * {@code Math.min} would keep it scalar on JDK 17).
     */
    static float flush(float x) {
        return (x + OFFSET) - OFFSET;
    }
}

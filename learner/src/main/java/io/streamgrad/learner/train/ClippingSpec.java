package io.streamgrad.learner.train;

/**
 * Gradient and weight clipping; 0 disables each.
 *
 * @param value      clip each gradient coordinate to [-value, value]
 * @param globalNorm rescale the whole gradient to this L2 norm when its norm exceeds it
 * @param weight     clamp every parameter to [-weight, weight] after the update
 */
public record ClippingSpec(double value, double globalNorm, double weight) {}

package io.streamgrad.learner.train;

/**
 * L1/L2 penalties added to the gradient of every non-bias weight ({@code l1*sign(w) + l2*w}, i.e. the loss
 * gains {@code l1*|w| + l2/2*w^2}); both non-zero is the elastic net. For ftrl they are the optimizer's own
 * lambda1/lambda2 instead.
 */
public record RegularizationSpec(double l1, double l2) {}

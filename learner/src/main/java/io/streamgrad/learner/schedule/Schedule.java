package io.streamgrad.learner.schedule;

/** A learning-rate schedule: an immutable function of the number of updates already made. */
public interface Schedule {
    /** The learning rate for the update that follows {@code step} completed updates (so step 0 is the first). */
    double rate(long step);
}

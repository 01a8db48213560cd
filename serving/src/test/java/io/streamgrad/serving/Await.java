package io.streamgrad.serving;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for a condition in the follower's integration tests: polled every 20 ms until it holds or the deadline. */
public final class Await {
    private Await() {}

    /** Returns once {@code condition} holds; fails naming {@code what} when it does not within {@code deadline}. */
    public static void until(Duration deadline, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what);
            }
            Thread.sleep(20);
        }
    }
}

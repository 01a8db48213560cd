package io.streamgrad.cli;

import java.time.Duration;

/** Waiting for a condition in the command line's integration tests: polled every 20 ms until it holds or the deadline. */
final class Await {
    /** A condition that may throw (an HTTP request, a JSON parse). */
    interface Check {
        boolean ok() throws Exception;
    }

    private Await() {}

    /** Returns once {@code check} holds; fails naming {@code what} when it does not within {@code deadline}. */
    static void until(Duration deadline, String what, Check check) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what);
            }
            Thread.sleep(20);
        }
    }
}

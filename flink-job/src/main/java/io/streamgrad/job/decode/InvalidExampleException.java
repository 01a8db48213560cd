package io.streamgrad.job.decode;

/** An example that does not fit its model; the message names the field, the problem and the fix. */
public final class InvalidExampleException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidExampleException(String message) {
        super(message, null, false, false); // routed to dead letters, often: no stack trace needed
    }
}

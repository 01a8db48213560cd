package io.streamgrad.job.warmstart;

/** The job cannot start because of the versions already on the models topic; the message says what to do. */
public final class WarmStartException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public WarmStartException(String message) {
        super(message);
    }

    public WarmStartException(String message, Throwable cause) {
        super(message, cause);
    }
}

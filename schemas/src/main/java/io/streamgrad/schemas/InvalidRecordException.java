package io.streamgrad.schemas;

/**
 * A record that cannot be read: not in a format this build knows, truncated, or with fields of the wrong type.
 * The message says what was wrong and how to fix it; the streaming job copies it into the dead letter's
 * {@code reason}.
 */
public final class InvalidRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidRecordException(String message) {
        super(message);
    }

    public InvalidRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}

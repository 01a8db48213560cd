package io.streamgrad.schemas;

/**
 * A record that cannot be read: not in a format this build knows, truncated, or with fields of the wrong type.
 * The message says what was wrong and how to fix it; the streaming job copies it into the dead letter's
 * {@code reason}.
 */
public final class InvalidRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The record's model id where it could be read before the problem was found, else null. */
    private final String modelId;

    public InvalidRecordException(String message) {
        this(message, null, null);
    }

    public InvalidRecordException(String message, Throwable cause) {
        this(message, cause, null);
    }

    private InvalidRecordException(String message, Throwable cause, String modelId) {
        super(message, cause);
        this.modelId = modelId;
    }

    /** This problem, for a record whose model id is {@code modelId} (a dead letter's {@code model_id}). */
    public InvalidRecordException forModel(String modelId) {
        InvalidRecordException e = new InvalidRecordException(getMessage(), getCause(), modelId);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The record's model id where it was readable, else null. */
    public String modelId() {
        return modelId;
    }
}

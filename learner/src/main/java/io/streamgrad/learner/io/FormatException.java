package io.streamgrad.learner.io;

/**
 * Bytes that are not a model state or snapshot this build can read: wrong magic, an unknown (newer) format
 * version, a CRC mismatch, or truncation. The message says which and what to do.
 */
public final class FormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) {
        super(message);
    }
}

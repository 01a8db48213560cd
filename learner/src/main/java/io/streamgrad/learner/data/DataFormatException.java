package io.streamgrad.learner.data;

import java.io.IOException;

/**
 * A line of a data file that cannot be used. The message is {@code FILE:LINE: reason (how to fix)}, the form
 * compilers use, so editors can jump to it.
 */
public final class DataFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final long line;
    private final String reason;

    public DataFormatException(String file, long line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** 1-based line number. */
    public long line() {
        return line;
    }

    /** The reason without the location. */
    public String reason() {
        return reason;
    }
}

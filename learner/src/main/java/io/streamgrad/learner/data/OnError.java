package io.streamgrad.learner.data;

import java.util.Locale;

/** What a reader does with a line it cannot use. */
public enum OnError {
    /** Skip the line, count it, and keep the first few reasons for the report. */
    SKIP,
    /** Stop at the first bad line with a {@link DataFormatException}. */
    FAIL;

    /** Parses {@code skip} or {@code fail}. */
    public static OnError parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "skip" -> SKIP;
            case "fail" -> FAIL;
            default -> throw new IllegalArgumentException("unknown on-error policy '" + s + "'; allowed: skip, fail");
        };
    }
}

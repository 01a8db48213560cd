package io.streamgrad.learner.data;

import java.nio.file.Path;
import java.util.Locale;

/** Text formats of example files. */
public enum DataFormat {
    /** LibSVM / SVMlight: {@code label idx:val idx:val ... [# comment]}, indices 1-based. */
    LIBSVM,
    /** Comma-separated values with a header row. */
    CSV;

    public static DataFormat parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "libsvm", "svmlight" -> LIBSVM;
            case "csv" -> CSV;
            default -> throw new IllegalArgumentException("unknown data format '" + s + "'; allowed: libsvm, csv");
        };
    }

    /** CSV for files ending in {@code .csv} (case-insensitive), LibSVM otherwise. */
    public static DataFormat fromFileName(Path file) {
        Path name = file.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".csv") ? CSV : LIBSVM;
    }
}

package io.streamgrad.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** One captured run of {@link OfflineCli}. */
record CliRun(int status, String out, String err) {
    static final Clock FIXED = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = OfflineCli.run(args, o, e, FIXED);
        }
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> outLines() {
        return out.lines().toList();
    }

    /**
     * A test resource as a path. Resources of another module's test jar (the learner's data sets) are copied, once,
     * to a file of the same name in a temporary directory.
     */
    static String resource(String name) {
        java.net.URL url = CliRun.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        try {
            if (url.getProtocol().equals("file")) {
                return Path.of(url.toURI()).toString();
            }
            synchronized (CliRun.class) {
                if (extracted == null) {
                    extracted = java.nio.file.Files.createTempDirectory("streamgrad-cli-test-");
                    extracted.toFile().deleteOnExit();
                }
                Path copy = extracted.resolve(name.replaceFirst("^/", ""));
                if (!java.nio.file.Files.exists(copy)) {
                    java.nio.file.Files.createDirectories(copy.getParent());
                    try (java.io.InputStream in = url.openStream()) {
                        java.nio.file.Files.copy(in, copy);
                    }
                    copy.toFile().deleteOnExit();
                }
                return copy.toString();
            }
        } catch (URISyntaxException | java.io.IOException e) {
            throw new IllegalStateException("cannot read test resource " + name, e);
        }
    }

    private static Path extracted;
}

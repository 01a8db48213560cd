package io.streamgrad.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code streamgrad run --config job.yaml} in a JVM of its own, with this test's classpath. */
record RunProcess(Process process, Path logFile) {
    /** Starts {@code run --config jobYaml}, then {@code more} arguments (e.g. {@code --create-topics}). */
    static RunProcess start(Path jobYaml, Path log, String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m",
                "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir")));
        String javacpp = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (javacpp != null) {
            cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + javacpp);
        }
        cmd.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "io.streamgrad.cli.Main",
                "run",
                "--config",
                jobYaml.toString()));
        cmd.addAll(List.of(more));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new RunProcess(p, log);
    }

    /** SIGKILL, as {@code kill -9}: no shutdown hook, no cancel, no final checkpoint. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    void assertAlive() {
        if (!process.isAlive()) {
            throw new AssertionError("streamgrad run exited with status " + process.exitValue() + ":\n" + output());
        }
    }

    String output() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.streamgrad.cli;

import java.io.PrintStream;
import java.util.List;

/** {@code streamgrad demo}. */
final class DemoCommand {
    static final String USAGE = "usage: streamgrad demo";

    private DemoCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        throw new UnsupportedOperationException("demo: not yet");
    }
}

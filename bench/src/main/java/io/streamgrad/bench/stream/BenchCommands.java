package io.streamgrad.bench.stream;

import io.streamgrad.cli.Main;
import java.io.PrintStream;
import java.util.List;

/** What the end-to-end benchmark commands ({@code bench-stream}, {@code bench-serve}, {@code bench-series}) share. */
final class BenchCommands {
    private BenchCommands() {}

    /** The command with the command line's usage and error handling ({@link Main#guarded}); its exit status. */
    static int execute(
            String command, String usage, List<String> args, PrintStream out, PrintStream err, Main.Command body) {
        if (args.contains("--help") || args.contains("-h")) {
            out.println(usage);
            return 0;
        }
        return Main.guarded(command, usage, err, body);
    }

    /**
     * Ends the launcher's JVM with {@code status}: Flink, Kafka and ND4J leave non-daemon threads behind once the
     * benchmark has finished its work.
     */
    static void exit(int status) {
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }
}

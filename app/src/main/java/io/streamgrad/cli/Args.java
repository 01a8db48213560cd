package io.streamgrad.cli;

import io.streamgrad.learner.util.Suggestions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} options and {@code --flag} switches of one command, checked against the names the command
 * knows: an unknown name (with the closest known one), a missing value, a repeated option or a malformed number is
 * a {@link UsageException} naming it. The one argument parser of every command.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Args() {}

    /**
     * @param args         the arguments after the command name
     * @param options      option names that take a value (without "--")
     * @param switches     option names that take none
     */
    public static Args parse(List<String> args, Set<String> options, Set<String> switches) throws UsageException {
        Args a = new Args();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (switches.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                a.flags.add(name);
            } else if (options.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args.get(++i);
                }
                if (a.values.put(name, value) != null) {
                    throw new UsageException("--" + name + " given twice");
                }
            } else {
                Set<String> known = new HashSet<>(options);
                known.addAll(switches);
                String hint = Suggestions.closest(name, known);
                throw new UsageException(
                        "unknown option --" + name + (hint == null ? "" : "; did you mean --" + hint + "?"));
            }
        }
        return a;
    }

    /** Whether an option that takes a value was given. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    public String required(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    public Path path(String name, Path dflt) {
        String v = values.get(name);
        return v == null ? dflt : Path.of(v);
    }

    public long longValue(String name, long dflt, long min, long max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        long x;
        try {
            x = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + ": '" + v + "' is not an integer");
        }
        if (x < min || x > max) {
            throw new UsageException("--" + name + ": " + x + " is outside [" + min + ", " + max + "]");
        }
        return x;
    }

    public double doubleValue(String name, double dflt, double min, double max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        double x;
        try {
            x = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + ": '" + v + "' is not a number");
        }
        if (!(x >= min && x <= max)) {
            throw new UsageException("--" + name + ": " + v + " is outside [" + min + ", " + max + "]");
        }
        return x;
    }

    public String oneOf(String name, String dflt, String... allowed) throws UsageException {
        String v = values.getOrDefault(name, dflt);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new UsageException("--" + name + ": '" + v + "' is not one of " + String.join(" | ", allowed));
    }
}

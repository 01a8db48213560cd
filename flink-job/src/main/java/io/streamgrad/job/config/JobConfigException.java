package io.streamgrad.job.config;

import java.util.List;

/** A job configuration with problems; the message lists each, one per line, starting with the key path. */
public final class JobConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public JobConfigException(String source, List<String> problems) {
        super(source + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n  "
                + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}

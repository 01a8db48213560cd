package io.streamgrad.learner.config;

import java.util.List;

/**
 * A configuration that cannot be used. Every problem found is reported at once, each as one line that starts with
 * the full key path ({@code models.ctr.optimizer.type: unknown value 'adm'; allowed: sgd, ...}), so a user can fix
 * them all in one edit.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** One line per problem, each starting with the key path it concerns. */
    public List<String> problems() {
        return problems;
    }
}

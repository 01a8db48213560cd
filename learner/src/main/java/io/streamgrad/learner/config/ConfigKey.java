package io.streamgrad.learner.config;

/**
 * One documented configuration key.
 *
 * @param path         the full key path below the model's root, e.g. {@code optimizer.beta1}
 * @param type         the YAML type: integer, number, boolean, string, list of integers, section
 * @param defaultValue the default as text ({@code required} when there is none)
 * @param allowed      allowed values or range
 * @param description  what it means and which types it applies to
 */
public record ConfigKey(String path, String type, String defaultValue, String allowed, String description) {

    /** The key's last segment ({@code beta1} for {@code optimizer.beta1}). */
    public String name() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    /** The section it belongs to ({@code optimizer}), or {@code ""} for a top-level key. */
    public String section() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }
}

package io.streamgrad.learner.config;

import java.util.List;
import java.util.Objects;

/**
 * One configuration option, declared once: its key path, YAML type, default (or none: required), validator and
 * doc, in the spirit of Kafka's {@code ConfigDef} and Flink's {@code ConfigOption}. The parser reads the key with
 * it, {@link ConfigWriter} writes it, {@code docs/CONFIG.md} documents it and the component the key configures
 * validates its argument with it ({@link #check(double)}), so the parser's check and the component's are one.
 *
 * <p>A kind whose range differs from the family's declares a variant with {@link #withRange} (same key, same
 * default): {@code schedule.decay_rate} is in {@code (0, 1]} for step and exponential, {@code >= 0} for
 * inverse_time.
 *
 * @param <T> the Java type of the value: {@code Double}, {@code Long}, {@code Integer}, {@code Boolean},
 *            {@code String}, {@code List<Integer>}
 */
public final class Option<T> {
    /** The YAML type, as the docs name it. */
    public enum Type {
        INTEGER("integer"),
        NUMBER("number"),
        BOOLEAN("boolean"),
        STRING("string"),
        INTEGER_LIST("list of integers"),
        STRING_OR_SECTION("string or section"),
        SECTION("section");

        private final String text;

        Type(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final String path;
    private final Type type;
    private final T defaultValue;
    private final String defaultText;
    private final Range range;
    private final List<String> choices;
    private final String allowedText;
    private final String doc;

    private Option(
            String path,
            Type type,
            T defaultValue,
            String defaultText,
            Range range,
            List<String> choices,
            String allowedText,
            String doc) {
        this.path = Objects.requireNonNull(path, "path");
        this.type = type;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.range = range;
        this.choices = choices == null ? List.of() : List.copyOf(choices);
        this.allowedText = allowedText;
        this.doc = doc;
    }

    /** A number option with a default. */
    public static Option<Double> number(String path, double defaultValue, Range range, String doc) {
        return new Option<>(
                path, Type.NUMBER, defaultValue, ConfigWriter.formatDouble(defaultValue), range, null, null, doc);
    }

    /** A 32-bit integer option; {@code defaultValue} null: required. */
    public static Option<Integer> integer(String path, Integer defaultValue, Range range, String doc) {
        return new Option<>(
                path,
                Type.INTEGER,
                defaultValue,
                defaultValue == null ? "required" : String.valueOf(defaultValue),
                range,
                null,
                null,
                doc);
    }

    /** A 64-bit integer option; {@code defaultValue} null: required. */
    public static Option<Long> longInteger(String path, Long defaultValue, Range range, String doc) {
        return new Option<>(
                path,
                Type.INTEGER,
                defaultValue,
                defaultValue == null ? "required" : String.valueOf(defaultValue),
                range,
                null,
                null,
                doc);
    }

    public static Option<Boolean> bool(String path, boolean defaultValue, String doc) {
        return new Option<>(
                path,
                Type.BOOLEAN,
                defaultValue,
                String.valueOf(defaultValue),
                null,
                List.of("true", "false"),
                null,
                doc);
    }

    /** A name out of {@code choices}; {@code defaultValue} null: required. */
    public static Option<String> choice(String path, String defaultValue, List<String> choices, String doc) {
        return new Option<>(
                path,
                Type.STRING,
                defaultValue,
                defaultValue == null ? "required" : defaultValue,
                null,
                choices,
                null,
                doc);
    }

    /** A free, non-empty string ({@code null} default: none). */
    public static Option<String> string(String path, String defaultValue, String doc) {
        return new Option<>(
                path, Type.STRING, defaultValue, defaultValue == null ? "none" : defaultValue, null, null, null, doc);
    }

    /** A list of integers, each in {@code range} (required unless the kind says otherwise). */
    public static Option<List<Integer>> integerList(String path, Range range, String doc) {
        return new Option<>(path, Type.INTEGER_LIST, null, "required", range, null, null, doc);
    }

    /** A section heading (no value of its own), for the docs. */
    public static Option<Void> section(String path, String doc) {
        return new Option<>(path, Type.SECTION, null, "", null, null, "", doc);
    }

    /** The same option with another YAML type as documented (a name or a section). */
    public Option<T> documentedAs(Type docType) {
        return new Option<>(path, docType, defaultValue, defaultText, range, choices, allowedText, doc);
    }

    /** The same option whose default is documented as {@code text} (a default that depends on the kind). */
    public Option<T> defaultDocumented(String text) {
        return new Option<>(path, type, defaultValue, text, range, choices, allowedText, doc);
    }

    /** The same option whose allowed values are documented as {@code text} (checks beyond the range). */
    public Option<T> allowedDocumented(String text) {
        return new Option<>(path, type, defaultValue, defaultText, range, choices, text, doc);
    }

    /** A kind's variant: same key, default and doc, another range. */
    public Option<T> withRange(Range kindRange) {
        return new Option<>(path, type, defaultValue, defaultText, kindRange, choices, allowedText, doc);
    }

    /** The full key path below a model's root, e.g. {@code optimizer.rho}. */
    public String path() {
        return path;
    }

    /** The key's last segment ({@code rho}). */
    public String name() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    /** The section ({@code optimizer}), or {@code ""} at the top level. */
    public String section() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }

    public Type type() {
        return type;
    }

    /** The default, or null where the option is required (or its default depends on the kind). */
    public T defaultValue() {
        return defaultValue;
    }

    public boolean required() {
        return defaultValue == null && "required".equals(defaultText);
    }

    public String defaultText() {
        return defaultText;
    }

    /** The validator of a number or integer option (null for others). */
    public Range range() {
        return range;
    }

    /** The accepted names of a string option. */
    public List<String> choices() {
        return choices;
    }

    /** The allowed values, as documented. */
    public String allowedText() {
        if (allowedText != null) {
            return allowedText;
        }
        if (range != null) {
            return range.text() + (type == Type.NUMBER && range.high() == Double.POSITIVE_INFINITY ? ", finite" : "");
        }
        return String.join(", ", choices);
    }

    public String doc() {
        return doc;
    }

    /**
     * The component-side check: returns {@code value} if the range accepts it, else throws a message naming the
     * key, the allowed range and the value ({@code optimizer.rho must be in [0, 1), got 1.0}).
     */
    public double check(double value) {
        return check(value, "");
    }

    /** {@link #check(double)}, the message adding {@code context} ({@code for schedule.type step}). */
    public double check(double value, String context) {
        if (!range.contains(value)) {
            throw new IllegalArgumentException(
                    path + " must be " + range.phrase() + (context.isEmpty() ? "" : " " + context) + ", got " + value);
        }
        return value;
    }

    /** The integer form of {@link #check(double, String)}. */
    public long check(long value, String context) {
        if (!range.contains(value)) {
            throw new IllegalArgumentException(
                    path + " must be " + range.phrase() + (context.isEmpty() ? "" : " " + context) + ", got " + value);
        }
        return value;
    }

    /** The value as {@link ConfigWriter} writes it. */
    public String format(Object value) {
        if (value instanceof Double d) {
            return ConfigWriter.formatDouble(d);
        }
        if (value instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(list.get(i));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(value);
    }

    @Override
    public String toString() {
        return path;
    }
}

package io.streamgrad.learner.config;

import io.streamgrad.learner.util.Suggestions;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The YAML reader every config goes through (the learner's model configs and the streaming job's): one mapping of
 * a document with its key path, read key by key with each key's {@link Option} (type, default, range); it
 * remembers which keys were read so the rest can be reported as unknown (with a "did you mean"). Problems are
 * collected as data, one line each starting with the full key path, so a caller reports them all at once.
 */
public final class ConfigSection {
    /**
     * The options a document may hold ({@code all}, sections included), the names people often use for a key
     * (mapped to its full path), and the wording of value problems.
     */
    public record Keys(List<Option<?>> all, Map<String, String> aliases, Wording wording) {
        public Keys {
            all = List.copyOf(all);
            aliases = Map.copyOf(aliases);
            Set<String> paths = new HashSet<>();
            for (Option<?> o : all) {
                if (!paths.add(o.path())) {
                    throw new IllegalStateException("config key declared twice: " + o.path());
                }
            }
        }

        /** The keys directly below {@code section} ({@code ""}: top level), in declaration order. */
        public Set<String> childrenOf(String section) {
            Set<String> names = new LinkedHashSet<>();
            for (Option<?> k : all) {
                if (k.section().equals(section)) {
                    names.add(k.name());
                }
            }
            return names;
        }

        /** The closest known key to an unknown one, or null. */
        String suggest(String section, String unknown) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            String lower = unknown.toLowerCase(Locale.ROOT).replace('-', '_');
            if (aliases.containsKey(lower)) {
                return aliases.get(lower);
            }
            for (String known : childrenOf(section)) {
                int d = Suggestions.distance(lower, known);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = known;
                }
            }
            int threshold = unknown.length() <= 4 ? 1 : Math.max(2, unknown.length() / 3);
            if (best != null && bestDistance <= threshold) {
                return section.isEmpty() ? best : section + "." + best;
            }
            // Same name in another section ("model.learning_rate" -> "optimizer.learning_rate").
            for (Option<?> k : all) {
                if (k.name().equals(lower) && !k.section().equals(section)) {
                    return k.path();
                }
            }
            return null;
        }
    }

    /** How a value outside its choices or range is reported (the job keeps its own established texts). */
    public interface Wording {
        /** {@code path: unknown value 'x'; allowed: a, b (did you mean 'a'?)}; {@code hint} may be empty. */
        default String unknownValue(String path, String value, List<String> allowed, String hint) {
            return path + ": unknown value '" + value + "'; allowed: " + String.join(", ", allowed) + hint;
        }

        /** {@code path: 0 is out of range; allowed: integer >= 1}. */
        default String integerOutOfRange(String path, Object value, long min, long max, String rangeText) {
            return path + ": " + value + " is out of range; allowed: integer " + rangeText;
        }

        /** {@code path: 2.0 is out of range; allowed: (0, 1]}, with "and finite" for an infinity or NaN. */
        default String numberOutOfRange(String path, Object raw, double value, Range range) {
            return path + ": " + ConfigWriter.formatDouble(value) + " is out of range; allowed: " + range.text()
                    + (Double.isFinite(value) ? "" : " and finite");
        }

        /** The learner's wording. */
        Wording STANDARD = new Wording() {};
    }

    private final Map<?, ?> map;
    private final String prefix; // caller's path prefix ("models.ctr" or "")
    private final String section; // the section's key path below the model root ("optimizer" or "")
    private final List<String> problems;
    private final Keys keys;
    private final Set<String> read = new HashSet<>();
    /** A required section that is missing: its own required keys are not reported again. */
    private boolean absent;

    /**
     * A document root (or the root of one entry, e.g. {@code models.ctr}).
     *
     * @param map      the mapping as a safe YAML constructor loaded it (null: empty)
     * @param prefix   the caller's key path, prefixed to every message ({@code ""}: none)
     * @param keys     the options this document may hold, its aliases and wording
     * @param problems where problems are collected, one line each, starting with the full key path
     */
    public ConfigSection(Map<?, ?> map, String prefix, Keys keys, List<String> problems) {
        this(map, prefix, "", keys, problems);
    }

    private ConfigSection(Map<?, ?> map, String prefix, String section, Keys keys, List<String> problems) {
        this.map = map == null ? Map.of() : map;
        this.prefix = prefix;
        this.section = section;
        this.keys = keys;
        this.problems = problems;
    }

    /** The full path of a key of this section, with the caller's prefix. */
    public String path(String key) {
        String local = section.isEmpty() ? key : section + "." + key;
        return prefix.isEmpty() ? local : prefix + "." + local;
    }

    public Object raw(String key) {
        return map.get(key);
    }

    public boolean hasModelClasses() {
        return map.get("model") instanceof Map<?, ?> m && m.containsKey("classes");
    }

    public ConfigSection section(String key, boolean required) {
        read.add(key);
        Object v = map.get(key);
        String local = section.isEmpty() ? key : section + "." + key;
        if (v == null) {
            ConfigSection empty = new ConfigSection(Map.of(), prefix, local, keys, problems);
            if (required) {
                problems.add(path(key) + ": required section is " + (map.containsKey(key) ? "empty" : "missing")
                        + "; it needs at least " + requiredKeysOf(local));
                empty.absent = true;
            }
            return empty;
        }
        if (!(v instanceof Map<?, ?> m)) {
            Set<String> children = keys.childrenOf(local);
            problems.add(path(key) + ": expected a section (mapping)"
                    + (children.isEmpty() ? "" : " of " + String.join(", ", children)) + ", got " + describe(v));
            ConfigSection empty = new ConfigSection(Map.of(), prefix, local, keys, problems);
            empty.absent = true;
            return empty;
        }
        return new ConfigSection(m, prefix, local, keys, problems);
    }

    private String requiredKeysOf(String section) {
        List<String> names = new ArrayList<>();
        for (Option<?> k : keys.all()) {
            if (k.section().equals(section) && k.required()) {
                names.add(k.name());
            }
        }
        return names.isEmpty() ? "one key" : String.join(", ", names);
    }

    /** The full path of a message that starts with a key path below the model root. */
    public String prefixed(String message) {
        return prefix.isEmpty() ? message : prefix + "." + message;
    }

    /** Marks a key as handled without reading it (a key of an unknown kind). */
    public void skip(String key) {
        read.add(key);
    }

    /**
     * Reads {@code option} (its last segment, in this section) with its type and validator; {@code def} when
     * absent (null: required). Null when the value is invalid (the problem is recorded).
     */
    @SuppressWarnings("unchecked")
    public <T> T read(Option<T> option, Object def) {
        String key = option.name();
        Range r = option.range();
        if (option.type() == Option.Type.STRING && option.choices().isEmpty()) {
            return (T) stringValue(key, (String) def, def == null);
        }
        Object v = switch (option.type()) {
            case NUMBER -> doubleValue(key, (Double) def, r);
            case INTEGER -> {
                if (option.defaultValue() instanceof Long
                        || def instanceof Long
                        || r.high() > Integer.MAX_VALUE
                        || r.low() < Integer.MIN_VALUE) {
                    yield longValue(key, (Long) def, (long) r.low(), (long) r.high());
                }
                yield intValue(key, (Integer) def, (int) r.low(), (int) r.high());
            }
            case BOOLEAN -> boolValue(key, (Boolean) def);
            case STRING, STRING_OR_SECTION -> enumValue(key, (String) def, option.choices());
            case INTEGER_LIST -> intList(key, def == null, (int) r.low());
            case SECTION -> throw new IllegalArgumentException("a section has no value: " + option);
        };
        return (T) v;
    }

    /**
     * Reads {@code option} when present; null when absent or invalid (the problem is recorded), never required:
     * for an optional key without a default ({@code checkpoint_dir}) or whose default depends on other keys.
     */
    public <T> T readOptional(Option<T> option) {
        if (!map.containsKey(option.name())) {
            read.add(option.name());
            return null;
        }
        return read(option, option.defaultValue());
    }

    /** The mapping itself, for a section whose keys are free (client properties, model ids); marks them read. */
    public Map<?, ?> entries() {
        for (Object k : map.keySet()) {
            read.add(String.valueOf(k));
        }
        return map;
    }

    /** Whether {@code key} is present (possibly with an empty value). */
    public boolean has(String key) {
        return map.containsKey(key);
    }

    /** A non-empty string; {@code def} when absent. */
    public String stringValue(String key, String def, boolean required) {
        Object v = value(key, required, "a non-empty string");
        if (v == null) {
            return map.containsKey(key) ? null : def;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            problems.add(path(key) + ": expected a non-empty string, got " + describe(v));
            return null;
        }
        return s;
    }

    public void notApplicable(String key, String appliesTo) {
        read.add(key);
        if (map.containsKey(key)) {
            problems.add(path(key) + ": only applies to model.type " + appliesTo + "; remove it (model.type is "
                    + describe(map.get("type")) + ")");
        }
    }

    private Object value(String key, boolean required, String expected) {
        read.add(key);
        Object v = map.get(key);
        if (v == null && required && !absent) {
            problems.add(
                    path(key) + ": required" + (map.containsKey(key) ? " but empty" : "") + "; expected " + expected);
        } else if (v == null && map.containsKey(key)) {
            problems.add(
                    path(key) + ": empty value; expected " + expected + " (or leave the key out for the " + "default)");
        }
        return v;
    }

    public String enumValue(String key, String def, List<String> allowed) {
        String expected = "one of " + String.join(", ", allowed);
        Object v = value(key, def == null, expected);
        if (v == null) {
            return map.containsKey(key) ? null : def;
        }
        if (!(v instanceof String s)) {
            problems.add(path(key) + ": expected one of " + String.join(", ", allowed) + ", got " + describe(v));
            return null;
        }
        if (!allowed.contains(s)) {
            String hint = "";
            String lower = s.toLowerCase(Locale.ROOT).replace('-', '_');
            if (allowed.contains(lower)) {
                hint = " (did you mean '" + lower + "'?)";
            } else {
                String best = null;
                int bestD = Integer.MAX_VALUE;
                for (String a : allowed) {
                    int d = Suggestions.distance(lower, a);
                    if (d < bestD) {
                        bestD = d;
                        best = a;
                    }
                }
                if (best != null && bestD <= Math.max(2, s.length() / 3)) {
                    hint = " (did you mean '" + best + "'?)";
                }
            }
            problems.add(keys.wording().unknownValue(path(key), s, allowed, hint));
            return null;
        }
        return s;
    }

    public Integer intValue(String key, Integer def, int min, int max) {
        Long v = longValue(key, def == null ? null : Long.valueOf(def), min, max);
        return v == null ? null : Math.toIntExact(v);
    }

    public Long longValue(String key, Long def, long min, long max) {
        String range = rangeText(min, max);
        Object v = value(key, def == null, "an integer " + range);
        if (v == null) {
            return map.containsKey(key) ? null : def;
        }
        long x;
        if (v instanceof Integer i) {
            x = i;
        } else if (v instanceof Long l) {
            x = l;
        } else if (v instanceof BigInteger) {
            problems.add(keys.wording().integerOutOfRange(path(key), v, min, max, range));
            return null;
        } else {
            problems.add(path(key) + ": expected an integer " + range + ", got " + describe(v));
            return null;
        }
        if (x < min || x > max) {
            problems.add(keys.wording().integerOutOfRange(path(key), x, min, max, range));
            return null;
        }
        return x;
    }

    private static String rangeText(long min, long max) {
        if (min == Long.MIN_VALUE && max == Long.MAX_VALUE) {
            return "(any 64-bit value)";
        }
        if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
            return ">= " + min;
        }
        return "in [" + min + ", " + max + "]";
    }

    public Double doubleValue(String key, Double def, Range range) {
        Object v = value(key, def == null, "a number " + range.text());
        if (v == null) {
            return map.containsKey(key) ? null : def;
        }
        double x;
        if (v instanceof Number n && !(v instanceof BigInteger)) {
            x = n.doubleValue();
        } else if (v instanceof String s && looksNumeric(s)) {
            // YAML 1.1 reads 1e-8 (no dot) as a string; accept it as the number it spells.
            x = Double.parseDouble(s.trim());
        } else {
            problems.add(path(key) + ": expected a number " + range.text() + ", got " + describe(v));
            return null;
        }
        if (!Double.isFinite(x) || !range.contains(x)) {
            problems.add(keys.wording().numberOutOfRange(path(key), v, x, range));
            return null;
        }
        return x;
    }

    private static boolean looksNumeric(String s) {
        return s.trim().matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    }

    public Boolean boolValue(String key, Boolean def) {
        Object v = value(key, false, "true or false");
        if (v == null) {
            return map.containsKey(key) ? null : def;
        }
        if (!(v instanceof Boolean b)) {
            problems.add(path(key) + ": expected true or false, got " + describe(v));
            return null;
        }
        return b;
    }

    public List<Integer> intList(String key, boolean required, int min) {
        Object v = value(key, required, "a list of integers >= " + min + ", e.g. [64, 32]");
        if (v == null) {
            return map.containsKey(key) || required ? null : List.of();
        }
        if (v instanceof Integer single) {
            v = List.of(single);
        }
        if (!(v instanceof List<?> list)) {
            problems.add(
                    path(key) + ": expected a list of integers >= " + min + " (e.g. [64, 32]), got " + describe(v));
            return null;
        }
        if (list.isEmpty() && required) {
            problems.add(path(key) + ": needs at least one hidden layer width, e.g. [64]");
            return null;
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object e = list.get(i);
            if (!(e instanceof Integer x) || x < min) {
                problems.add(path(key) + "[" + i + "]: expected an integer >= " + min + ", got " + describe(e));
                return null;
            }
            out.add(x);
        }
        return List.copyOf(out);
    }

    public void reportUnknown() {
        for (Object k : map.keySet()) {
            if (!(k instanceof String name)) {
                problems.add(path(String.valueOf(k)) + ": keys must be names, got " + describe(k));
                continue;
            }
            if (read.contains(name)) {
                continue;
            }
            String suggestion = keys.suggest(section, name);
            Set<String> known = keys.childrenOf(section);
            problems.add(path(name) + ": unknown key"
                    + (suggestion == null
                            ? ""
                            : "; did you mean '" + (prefix.isEmpty() ? suggestion : prefix + "." + suggestion) + "'?")
                    + " (known " + (section.isEmpty() ? "top-level keys" : "keys of " + section) + ": "
                    + String.join(", ", known) + ")");
        }
    }

    /** A value as messages show it. */
    public static String describe(Object v) {
        if (v == null) {
            return "nothing (null)";
        }
        if (v instanceof String s) {
            return "'" + s + "'";
        }
        if (v instanceof Map<?, ?>) {
            return "a section (mapping)";
        }
        if (v instanceof List<?>) {
            return "a list " + v;
        }
        return String.valueOf(v);
    }
}

package io.streamgrad.job.ops;

import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.monitor.config.OpsConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The job's ops models: {@code models:} entries declared with {@code model: {type: forecast}}, whose other keys are
 * those of {@code ops.yaml} ({@code forecast:}, {@code score:}, {@code alert:}, {@code change:}; declared once, in
 * {@link io.streamgrad.monitor.config.OpsOptions}, read by {@link OpsConfig#parse}). Each watches any number of
 * series (the {@code series} field of the points on {@code topics.series}). Shipped to the operators inside their
 * functions: it holds each model's section as YAML text and parses it again, once, on first use.
 */
public final class OpsModels implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The {@code model.type} that makes a {@code models:} entry an ops model. */
    public static final String TYPE = "forecast";

    private static final OpsModels NONE = new OpsModels(new LinkedHashMap<>());

    private final LinkedHashMap<String, String> yaml;
    private transient Map<String, OpsConfig> parsed;

    private OpsModels(LinkedHashMap<String, String> yaml) {
        this.yaml = yaml;
    }

    /** No ops models: the job builds no series path. */
    public static OpsModels none() {
        return NONE;
    }

    /** Whether a {@code models:} entry declares an ops model ({@code model: {type: forecast}} or {@code model: forecast}). */
    public static boolean isOpsModel(Map<?, ?> section) {
        Object m = section.get("model");
        if (m instanceof Map<?, ?> mm) {
            return TYPE.equals(mm.get("type"));
        }
        return TYPE.equals(m);
    }

    /**
     * Validates the ops model entries and keeps them.
     *
     * @param sections model id to its {@code models.<id>} mapping (each one {@link #isOpsModel})
     * @throws ConfigException listing every problem, each starting with {@code models.<id>}
     */
    public static OpsModels of(Map<String, Map<String, Object>> sections) {
        List<String> problems = new ArrayList<>();
        LinkedHashMap<String, String> yaml = new LinkedHashMap<>();
        Map<String, OpsConfig> parsed = new HashMap<>();
        sections.forEach((id, section) -> {
            String path = "models." + id;
            try {
                parsed.put(id, parse(section, path));
                yaml.put(id, dump(section));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        OpsModels m = new OpsModels(yaml);
        m.parsed = parsed;
        return m;
    }

    /** One ops model's settings; problems are prefixed with {@code path}. */
    static OpsConfig parse(Map<String, Object> section, String path) {
        List<String> problems = new ArrayList<>();
        Object m = section.get("model");
        if (m instanceof Map<?, ?> mm) {
            for (Object k : mm.keySet()) {
                if (!"type".equals(k)) {
                    problems.add(path + ".model." + k + ": not a key of an ops model (model: {type: " + TYPE
                            + "} takes no other keys); its settings go under forecast:, score:, alert: and change:"
                            + " (docs/OPS.md)");
                }
            }
        }
        Map<String, Object> rest = new LinkedHashMap<>(section);
        rest.remove("model");
        try {
            OpsConfig c = OpsConfig.parse(rest, path);
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return c;
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            throw new ConfigException(problems);
        }
    }

    private static String dump(Map<String, Object> section) {
        return new Yaml().dump(section);
    }

    public boolean isEmpty() {
        return yaml.isEmpty();
    }

    /** The ops model ids, in file order. */
    public Set<String> ids() {
        return Collections.unmodifiableSet(yaml.keySet());
    }

    public boolean contains(String id) {
        return yaml.containsKey(id);
    }

    /** The model's settings, or null when {@code id} is not an ops model. */
    public OpsConfig config(String id) {
        String y = yaml.get(id);
        if (y == null) {
            return null;
        }
        if (parsed == null) {
            parsed = new HashMap<>();
        }
        return parsed.computeIfAbsent(id, k -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(y);
            return parse(map, "models." + k);
        });
    }

    @Override
    public String toString() {
        return yaml.keySet().toString();
    }
}

package io.streamgrad.job.recs;

import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfSpec;
import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The recommendation models ({@code model.type: mf}) of a job and their settings: each model id with the YAML text
 * of its config (serialisable; parsed once per operator instance, and published in part 0 of every version), the
 * interactions topic they train from, {@code recs.*}. Empty ({@link #NONE}) when the job has no mf model: the
 * recommendation part of the graph is then not built.
 *
 * @param interactionsTopic    {@code topics.interactions}
 * @param yaml                 model id -> mf config YAML, in file order
 * @param evaluateEveryBatches {@code recs.evaluate_every_batches} (0: off)
 * @param rowsPerPart          {@code recs.rows_per_part}
 * @param cachedRows           {@code recs.cached_rows} (0: no row cache)
 */
public record RecsModels(
        String interactionsTopic, Map<String, String> yaml, int evaluateEveryBatches, int rowsPerPart, int cachedRows)
        implements Serializable {
    public static final RecsModels NONE = new RecsModels("interactions", Map.of(), 1, 10_000);

    private static final long serialVersionUID = 1L;

    /** {@code recs.cached_rows}' default (JobOptions declares the option with it). */
    public static final int DEFAULT_CACHED_ROWS = 1 << 20;

    /** Parsed specs by id, per JVM (the YAML is the serialised form). */
    private static final Map<String, MfSpec> PARSED = Collections.synchronizedMap(new HashMap<>());

    public RecsModels {
        yaml = Collections.unmodifiableMap(new LinkedHashMap<>(yaml));
    }

    /** With {@code recs.cached_rows} at its default. */
    public RecsModels(String interactionsTopic, Map<String, String> yaml, int evaluateEveryBatches, int rowsPerPart) {
        this(interactionsTopic, yaml, evaluateEveryBatches, rowsPerPart, DEFAULT_CACHED_ROWS);
    }

    public boolean isEmpty() {
        return yaml.isEmpty();
    }

    public Set<String> modelIds() {
        return yaml.keySet();
    }

    public boolean accepts(String modelId) {
        return yaml.containsKey(modelId);
    }

    /** The model's spec, or null for an id that is not an mf model of this job. */
    public MfSpec spec(String modelId) {
        String y = yaml.get(modelId);
        return y == null ? null : PARSED.computeIfAbsent(y, MfConfig::parse);
    }

    /**
     * Whether a {@code models.<id>} section is an mf model; {@link #parseModel} then reads it (the regular model
     * parser would reject its keys).
     */
    public static boolean isRecs(Map<String, Object> section) {
        return MfConfig.isRecs(section);
    }

    /**
     * The YAML text of an mf model section, validated by the learner's {@link MfConfig}; every problem is added to
     * {@code problems} with the section's path in front ({@code models.<id>.loss: ...}), and null returned.
     */
    public static String parseModel(Map<String, Object> section, String path, List<String> problems) {
        try {
            MfConfig.parse(section);
        } catch (ConfigException e) {
            for (String p : e.problems()) {
                problems.add(path + "." + p);
            }
            return null;
        }
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(o).dump(section);
    }
}

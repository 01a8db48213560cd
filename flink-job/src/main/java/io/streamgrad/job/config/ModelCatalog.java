package io.streamgrad.job.config;

import io.streamgrad.learner.train.TrainerConfig;
import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The models a job trains: each model id with its training configuration, plus an optional template for ids not
 * listed. Shipped to the operators inside their functions, so it holds the canonical YAML of each config
 * (serialisable text, written by the learner's ConfigWriter) and parses it again, once, on first use in each
 * operator instance.
 */
public final class ModelCatalog implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, String> yaml;
    private final String templateYaml;
    private final TemplateLimits templateLimits;
    /** The listed models' parsed configs (never one per template id: their number is not bounded). */
    private transient Map<String, TrainerConfig> parsed;

    private transient TrainerConfig parsedTemplate;

    private ModelCatalog(
            Map<String, String> yaml,
            String templateYaml,
            TemplateLimits templateLimits,
            Map<String, TrainerConfig> parsed,
            TrainerConfig parsedTemplate) {
        this.yaml = new LinkedHashMap<>(yaml);
        this.templateYaml = templateYaml;
        this.templateLimits = templateLimits;
        this.parsed = parsed;
        this.parsedTemplate = parsedTemplate;
    }

    /**
     * @param models   model id -> config, in the order of the job file
     * @param template the config of models not listed, or null to dead-letter their records
     */
    public static ModelCatalog of(Map<String, TrainerConfig> models, TrainerConfig template) {
        return of(models, template, TemplateLimits.defaults());
    }

    /**
     * @param models   model id -> config, in the order of the job file
     * @param template the config of models not listed, or null to dead-letter their records
     * @param limits   how many models the template may create, when, and for how long
     */
    public static ModelCatalog of(Map<String, TrainerConfig> models, TrainerConfig template, TemplateLimits limits) {
        Map<String, String> yaml = new LinkedHashMap<>();
        Map<String, TrainerConfig> parsed = new HashMap<>(models);
        models.forEach((id, c) -> yaml.put(id, ModelConfigs.toYaml(c)));
        String t = null;
        if (template != null) {
            t = ModelConfigs.toYaml(template);
        }
        return new ModelCatalog(yaml, t, limits, parsed, template);
    }

    /** The configured model ids, in file order. */
    public Set<String> modelIds() {
        return Collections.unmodifiableSet(yaml.keySet());
    }

    public boolean hasTemplate() {
        return templateYaml != null;
    }

    /** Whether the id is listed under {@code models:} (else its model, if any, comes from the template). */
    public boolean isListed(String modelId) {
        return yaml.containsKey(modelId);
    }

    /** The bounds on models created from the template. */
    public TemplateLimits templateLimits() {
        return templateLimits;
    }

    /** Whether records for this model id are trained (configured, or a template exists). */
    public boolean accepts(String modelId) {
        return yaml.containsKey(modelId) || templateYaml != null;
    }

    /** The model's config: its own, else the template's, else null (unknown model). */
    public TrainerConfig config(String modelId) {
        if (!yaml.containsKey(modelId)) {
            if (templateYaml == null) {
                return null;
            }
            if (parsedTemplate == null) {
                parsedTemplate = ModelConfigs.parseYaml(templateYaml, "template");
            }
            return parsedTemplate;
        }
        if (parsed == null) {
            parsed = new HashMap<>();
        }
        return parsed.computeIfAbsent(modelId, id -> ModelConfigs.parseYaml(yaml.get(id), "models." + id));
    }

    /** The canonical YAML of the model's config (its own or the template's), or null. */
    public String yaml(String modelId) {
        String y = yaml.get(modelId);
        return y != null ? y : templateYaml;
    }
}

package io.streamgrad.job.config;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.config.ConfigWriter;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.Map;

/**
 * The job's only door to the learner's configuration code: model sections are parsed and written by the
 * learner's {@link ConfigParser} / {@link ConfigWriter}, never re-implemented here.
 */
public final class ModelConfigs {
    private ModelConfigs() {}

    /** Parses one model section; problems are prefixed with {@code path} (e.g. {@code models.ctr}). */
    public static TrainerConfig parse(Map<String, Object> section, String path) {
        return ConfigParser.parse(section, path);
    }

    /** Parses canonical YAML written by {@link #toYaml}. */
    public static TrainerConfig parseYaml(String yaml, String path) {
        return ConfigParser.parse(ConfigParser.loadYaml(yaml, path), path);
    }

    /** Canonical YAML (every key explicit) that {@link #parseYaml} reads back to an equal config. */
    public static String toYaml(TrainerConfig config) {
        return ConfigWriter.toYaml(config);
    }
}

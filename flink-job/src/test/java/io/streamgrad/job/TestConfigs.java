package io.streamgrad.job;

import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** Model configurations used across the job's tests, written as users write them (YAML). */
public final class TestConfigs {
    private TestConfigs() {}

    /** Binary logistic regression over {@code features} inputs, Adam, the given batch size. */
    public static String logisticYaml(int features, int batchSize) {
        return """
                model: {type: logistic, features: %d}
                loss: binary_cross_entropy
                optimizer: {type: adam, learning_rate: 0.05}
                batch_size: %d
                seed: 7
                """.formatted(features, batchSize);
    }

    /** Linear regression, plain SGD. */
    public static String linearYaml(int features, int batchSize) {
        return """
                model: {type: linear, features: %d}
                loss: mse
                optimizer: {type: sgd, learning_rate: 0.1}
                batch_size: %d
                """.formatted(features, batchSize);
    }

    /** Multinomial logistic regression. */
    public static String softmaxYaml(int features, int classes, int batchSize) {
        return """
                model: {type: softmax, features: %d, classes: %d}
                loss: categorical_cross_entropy
                optimizer: {type: adam, learning_rate: 0.05}
                batch_size: %d
                """.formatted(features, classes, batchSize);
    }

    public static TrainerConfig parse(String yaml) {
        return ConfigParser.parse(yaml);
    }

    /** A catalog of {@code id -> yaml} pairs (no template). */
    public static ModelCatalog catalog(String... idYamlPairs) {
        Map<String, TrainerConfig> m = new LinkedHashMap<>();
        for (int i = 0; i < idYamlPairs.length; i += 2) {
            m.put(idYamlPairs[i], parse(idYamlPairs[i + 1]));
        }
        return ModelCatalog.of(m, null);
    }
}

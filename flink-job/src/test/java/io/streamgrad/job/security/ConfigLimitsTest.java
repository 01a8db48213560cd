package io.streamgrad.job.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigException;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.config.JobDefaults;
import org.junit.jupiter.api.Test;

/**
 * Configuration and control input are validated before anything is allocated or connected: a model that would
 * need absurd memory, out-of-range limits and bad command-line values fail fast, naming the key and the fix.
 */
class ConfigLimitsTest {
    static String job(String models, String extra) {
        return """
                kafka: {bootstrap.servers: "127.0.0.1:9092"}
                %s
                models:
                %s
                """.formatted(extra, models.indent(2));
    }

    @Test
    void denseModelOfTwoToTheFortyFeatures_isRefusedBeforeAllocation_namingTheKey() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> JobConfigParser.parse(job("""
                big: {model: {type: logistic, features: 1099511627776}, loss: binary_cross_entropy,
                      optimizer: {type: adam}}
                """, ""), "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("models.big.model.features");
        assertThat((System.nanoTime() - t0) / 1e6).as("ms to refuse").isLessThan(2_000);
    }

    @Test
    void modelWhoseParametersWouldNotFitAnArray_isRefused_namingTheModelAndTheKeysToReduce() {
        Runtime rt = Runtime.getRuntime();
        long before = rt.totalMemory() - rt.freeMemory();
        assertThatThrownBy(() -> JobConfigParser.parse(job("""
                wide: {model: {type: softmax, features: 100000000, classes: 1000}, loss: categorical_cross_entropy,
                       optimizer: {type: adam}}
                """, ""), "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("models.wide.model: 100,000,001,000 parameters do not fit")
                .hasMessageContaining("reduce model.features, model.classes");
        // 10^11 parameters would be 400 GB; nothing of the kind was allocated.
        assertThat(rt.totalMemory() - rt.freeMemory() - before).isLessThan(512L << 20);
    }

    @Test
    void limits_outOfRange_orNotNumbers_areRefused_namingEachKey() {
        String models = "m: {model: {type: logistic, features: 2}, loss: binary_cross_entropy, optimizer: {type: sgd}}";

        assertThatThrownBy(() -> JobConfigParser.parse(job(models, """
                limits: {max_record_bytes: 0, max_abs_value: -1, max_dead_letter_bytes: x, max_examples: 3}
                """), "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("limits.max_record_bytes: 0 is out of range [1, 2147483647]")
                .hasMessageContaining("limits.max_abs_value: expected a finite number > 0, got -1")
                .hasMessageContaining("limits.max_dead_letter_bytes: expected an integer")
                .hasMessageContaining("limits.max_examples: unknown key");
        assertThatThrownBy(() -> JobConfigParser.parse(job(models, "limits: {max_abs_value: .inf}"), "job.yaml"))
                .hasMessageContaining("limits.max_abs_value: expected a finite number > 0");
    }

    @Test
    void limits_haveSafeDefaults_andAcceptYamlNumbersAsWritten() {
        String models = "m: {model: {type: logistic, features: 2}, loss: binary_cross_entropy, optimizer: {type: sgd}}";

        JobConfig defaults = JobConfigParser.parse(job(models, ""), "job.yaml");
        JobConfig custom = JobConfigParser.parse(
                job(models, "limits: {max_abs_value: 1e4, max_dead_letter_bytes: 0}"), "job.yaml");

        assertThat(defaults.limits().maxAbsValue()).isEqualTo(JobDefaults.MAX_ABS_VALUE);
        assertThat(defaults.limits().maxDeadLetterBytes()).isEqualTo(512 * 1024);
        assertThat(custom.limits().maxAbsValue()).isEqualTo(1e4); // YAML 1.1 reads 1e4 as a string
        assertThat(custom.limits().maxDeadLetterBytes()).isZero();
    }
}

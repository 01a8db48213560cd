package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.config.ConfigParser;
import org.junit.jupiter.api.Test;

class MfConfigTest {
    @Test
    void documentedExample_parsesToItsValues() {
        MfSpec s = MfConfig.parse(RecsOptions.EXAMPLE);

        assertThat(s.dim()).isEqualTo(16);
        assertThat(s.loss()).isEqualTo(MfLoss.BPR);
        assertThat(s.sampler()).isEqualTo(MfSpec.Sampler.UNIFORM_RECENT);
        assertThat(s.optimizer().kind()).isEqualTo(RowOptimizer.Kind.ADAGRAD);
        assertThat(s.optimizer().learningRate()).isEqualTo(0.3);
        assertThat(s.users().sweepEverySteps()).isEqualTo(100);
        assertThat(MfConfig.isRecs(ConfigParser.loadYaml(RecsOptions.EXAMPLE, "")))
                .isTrue();
    }

    @Test
    void problems_nameTheKeyPath_andSuggestTheClosestKey() {
        String yaml = """
                model: {type: mf, dims: 8}
                loss: bpr
                optimizer: {type: rmsprop}
                tables: {min_count: 0}
                """;

        assertThatThrownBy(() -> MfConfig.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.dims")
                .hasMessageContaining("model.dim")
                .hasMessageContaining("optimizer.type: unknown value 'rmsprop'; allowed: sgd, adagrad, adam, ftrl")
                .hasMessageContaining("tables.min_count: 0 is out of range");
    }

    @Test
    void everyDocumentedKey_isAcceptedAndRead() {
        MfSpec s = MfConfig.parse("""
                model: {type: mf, dim: 3, init_std: 0.05}
                loss: logistic
                negatives: {count: 2, pool: 9, sampler: popularity}
                optimizer: {type: adam, learning_rate: 0.2, beta1: 0.8, beta2: 0.99, epsilon: 1.0e-6, initial_accumulator: 0.5}
                regularization: {l2: 0.1}
                tables: {min_count: 3, capacity: 7, overflow: evict_least_recent, expire_after_steps: 11,
                  expire_after_ms: 13, sweep_every_steps: 17}
                evaluation: {top_k: 19}
                batch_size: 23
                seed: 29
                """);

        assertThat(s)
                .isEqualTo(new MfSpec(
                        3,
                        0.05,
                        MfLoss.LOGISTIC,
                        2,
                        9,
                        MfSpec.Sampler.POPULARITY,
                        0.1,
                        new RowOptimizer(RowOptimizer.Kind.ADAM, 0.2, 0.8, 0.99, 1e-6, 0.5),
                        new TableSpec(3, 7, TableSpec.Overflow.EVICT_LEAST_RECENT, 11, 13, 17),
                        new TableSpec(3, 7, TableSpec.Overflow.EVICT_LEAST_RECENT, 11, 13, 17),
                        19,
                        23,
                        29));
    }

    @Test
    void missingLoss_isReportedAsRequired() {
        assertThatThrownBy(() -> MfConfig.parse("model: {type: mf}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("loss");
    }
}

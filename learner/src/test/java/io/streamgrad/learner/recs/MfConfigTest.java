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
                optimizer: {type: ftrl}
                tables: {min_count: 0}
                """;

        assertThatThrownBy(() -> MfConfig.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.dims")
                .hasMessageContaining("model.dim")
                .hasMessageContaining("optimizer.type: unknown value 'ftrl'; allowed: sgd, adagrad, adam")
                .hasMessageContaining("tables.min_count: 0 is out of range");
    }

    @Test
    void missingLoss_isReportedAsRequired() {
        assertThatThrownBy(() -> MfConfig.parse("model: {type: mf}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("loss");
    }
}

package io.streamgrad.learner.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.loss.LossKind;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.learner.optim.OptimizerSpec;
import io.streamgrad.learner.schedule.ScheduleKind;
import io.streamgrad.learner.schedule.ScheduleSpec;
import io.streamgrad.learner.train.ClippingSpec;
import io.streamgrad.learner.train.RegularizationSpec;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigWriterTest {

    @Test
    void toYaml_briefExample_parsesBackToEqualConfig() {
        TrainerConfig c = ConfigParser.parse(ConfigKeys.EXAMPLE);

        assertThat(ConfigParser.parse(ConfigWriter.toYaml(c))).isEqualTo(c);
    }

    @Test
    void toYaml_everyModelType_parsesBackToEqualConfig() {
        List<String> yamls = List.of(
                "model: {type: linear, features: 5}\nloss: {type: huber, delta: 0.3}\noptimizer: {type: momentum}\n",
                "model: {type: logistic, features: 5}\nloss: binary_cross_entropy\noptimizer: {type: ftrl}\n"
                        + "regularization: {l1: 1.0e-5}\nsparse_updates: true\n"
                        + "divergence: {max_bad_batches: 7, lr_backoff: 0.3, min_lr_scale: 1.0e-7}\n",
                "model: {type: softmax, features: 5, classes: 3}\nloss: categorical_cross_entropy\n"
                        + "optimizer: {type: rmsprop, learning_rate: 3.0e-4}\nshuffle: true\nseed: -9000000000\n",
                "model: {type: mlp, features: 5, hidden: [7, 3], activation: sigmoid}\nloss: mse\n"
                        + "optimizer: {type: nesterov}\nschedule: {type: step, decay_steps: 3, decay_rate: 0.1}\n",
                "model: {type: fm, features: 5, factors: 2, init_std: 0.001}\nloss: binary_cross_entropy\n"
                        + "optimizer: {type: adagrad}\nclipping: {value: 1.0e10, weight: 1.0e-300}\n");
        for (String yaml : yamls) {
            TrainerConfig c = ConfigParser.parse(yaml);
            assertThat(ConfigParser.parse(ConfigWriter.toYaml(c))).as(yaml).isEqualTo(c);
        }
    }

    @Test
    void toYaml_awkwardDoubles_roundTripExactly() {
        double[] values = {
            0.1,
            1.0 / 3.0,
            1e10,
            1e-300,
            123456789.123456789,
            Double.MIN_VALUE,
            4.9e-324,
            1.7976931348623157e308,
            0.999999999999
        };
        for (double v : values) {
            TrainerConfig c = new TrainerConfig(
                    new ModelSpec(ModelKind.LOGISTIC, 3, 1, List.of(), "relu", "zeros", 8, 0.01),
                    LossKind.BINARY_CROSS_ENTROPY,
                    1.0,
                    new OptimizerSpec(OptimizerKind.SGD, 0.5, 0.9, 0.999, v, v, 0.9, 0.9, v, v, v, v),
                    new ScheduleSpec(ScheduleKind.CONSTANT, 0, v, false, v, 0),
                    new RegularizationSpec(v, v),
                    new ClippingSpec(v, v, v),
                    1,
                    false,
                    Long.MIN_VALUE,
                    false);

            assertThat(ConfigParser.parse(ConfigWriter.toYaml(c)))
                    .as("value %s", v)
                    .isEqualTo(c);
        }
    }

    @Test
    void formatDouble_writesYaml11Floats() {
        assertThat(ConfigWriter.formatDouble(1e10)).isEqualTo("1.0e+10");
        assertThat(ConfigWriter.formatDouble(1e-8)).isEqualTo("1.0e-8");
        assertThat(ConfigWriter.formatDouble(0.001)).isEqualTo("0.001");
        assertThat(ConfigWriter.formatDouble(0.0)).isEqualTo("0.0");
    }
}

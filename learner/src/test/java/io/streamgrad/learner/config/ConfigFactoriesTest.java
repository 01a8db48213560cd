package io.streamgrad.learner.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.learner.schedule.ScheduleKind;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every configuration the parser accepts can be built by the factories, and the size check's estimates (parameter
 * count, optimizer state per parameter) agree with what the models and optimizers really allocate.
 */
class ConfigFactoriesTest {
    private static final Map<String, String> MODELS = Map.of(
            "linear", "model: {type: linear, features: 6}\nloss: mse\n",
            "logistic", "model: {type: logistic, features: 6}\nloss: binary_cross_entropy\n",
            "softmax", "model: {type: softmax, features: 6, classes: 4}\nloss: categorical_cross_entropy\n",
            "mlp", "model: {type: mlp, features: 6, classes: 3, hidden: [5, 4]}\nloss: categorical_cross_entropy\n",
            "mlp1", "model: {type: mlp, features: 6, hidden: [5], activation: tanh}\nloss: {type: huber, delta: 2}\n",
            "fm", "model: {type: fm, features: 6, factors: 3}\nloss: binary_cross_entropy\n");

    @Test
    void everyModelTypeWithEveryOptimizer_buildsATrainer_withTheEstimatedSizes() {
        for (Map.Entry<String, String> m : MODELS.entrySet()) {
            for (OptimizerKind opt : OptimizerKind.values()) {
                TrainerConfig c = ConfigParser.parse(m.getValue() + "optimizer: {type: " + opt + "}\n");

                Trainer t = new Trainer(c);

                long expected = ConfigParser.parameterCount(
                        c.model().type(),
                        c.model().features(),
                        c.model().classes(),
                        c.model().hidden(),
                        c.model().factors());
                assertThat(t.model().numParams())
                        .as("%s parameters", m.getKey())
                        .isEqualTo(expected);
                assertThat(t.optimizer().stateSize(t.model().numParams()))
                        .as("%s state floats", opt)
                        .isEqualTo(opt.statePerParam() * t.model().numParams());
                assertThat(t.initState().params()).hasSize((int) expected);
            }
        }
    }

    @Test
    void everyScheduleType_buildsATrainer() {
        for (String s : ScheduleKind.names()) {
            String schedule = s.equals("constant")
                    ? "schedule: constant\n"
                    : "schedule: {type: " + s + ", decay_steps: 10, warmup_steps: 2}\n";
            TrainerConfig c = ConfigParser.parse(MODELS.get("logistic") + "optimizer: {type: sgd}\n" + schedule);

            Trainer t = new Trainer(c);

            assertThat(t.schedule().rate(0)).as(s).isGreaterThanOrEqualTo(0.0);
            assertThat(t.schedule().rate(5)).as(s).isGreaterThan(0.0);
        }
    }
}

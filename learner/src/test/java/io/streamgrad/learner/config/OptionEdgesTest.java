package io.streamgrad.learner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.loss.LossKind;
import io.streamgrad.learner.loss.LossOptions;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.model.ModelOptions;
import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.learner.schedule.ScheduleKind;
import io.streamgrad.learner.schedule.ScheduleOptions;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The parser's check and the components' check are one: for every kind of every family and every number or
 * integer option the kind uses, a config at each accepted edge of the option's range parses and builds a
 * {@link Trainer}; a value just outside each edge is refused by the parser, naming the YAML key, the value and
 * the range. (This is the test that would have caught {@code schedule: {type: exponential, decay_rate: 2}}.)
 */
class OptionEdgesTest {
    /** Large values for unbounded ranges, and upper edges that other keys bound (all fit in memory). */
    private static final Map<String, Double> LARGE = Map.of(
            "model.features", 100_000.0,
            "model.factors", 64.0,
            "optimizer.learning_rate", 10.0, // adamw: weight_decay (0.01) * learning_rate < 1
            "optimizer.weight_decay", 100.0, // adamw: with the default learning_rate 0.001
            "schedule.min_learning_rate", Math.nextDown(0.001)); // below optimizer.learning_rate (adam's 0.001)

    private static final double UNBOUNDED = 1.0e6;

    private static String model(ModelKind kind) {
        return switch (kind) {
            case LINEAR -> "model: {type: linear, features: 3}\nloss: mse\n";
            case LOGISTIC -> "model: {type: logistic, features: 3}\nloss: binary_cross_entropy\n";
            case SOFTMAX -> "model: {type: softmax, features: 3, classes: 3}\nloss: categorical_cross_entropy\n";
            case MLP -> "model: {type: mlp, features: 3, hidden: [4]}\nloss: binary_cross_entropy\n";
            case FM -> "model: {type: fm, features: 3}\nloss: binary_cross_entropy\n";
        };
    }

    private record Case(String name, String yaml, Option<?> option) {}

    /** Every (kind, option) pair, as a config with a placeholder {@code VALUE} where the option goes. */
    private static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (ModelKind kind : ModelKind.values()) {
            for (Option<?> o : List.of(ModelOptions.FEATURES, ModelOptions.FACTORS, ModelOptions.INIT_STD)) {
                if (kind.uses(o)) {
                    String yaml = (o == ModelOptions.FEATURES
                                    ? model(kind).replace("features: 3", "features: VALUE")
                                    : model(kind).replaceFirst("\\}", ", " + o.name() + ": VALUE}"))
                            + "optimizer: {type: adam}\n";
                    out.add(new Case("model " + kind + " " + o.path(), yaml, o));
                }
            }
        }
        for (LossKind kind : LossKind.values()) {
            if (kind.uses(LossOptions.DELTA) && kind == LossKind.HUBER) {
                out.add(new Case(
                        "loss huber loss.delta",
                        "model: {type: linear, features: 3}\n"
                                + "loss: {type: huber, delta: VALUE}\noptimizer: {type: sgd}\n",
                        LossOptions.DELTA));
            }
        }
        for (OptimizerKind kind : OptimizerKind.values()) {
            for (Option<?> o : kind.options()) {
                String yaml = model(ModelKind.LOGISTIC)
                        + (o.section().equals("optimizer")
                                ? "optimizer: {type: " + kind + ", " + o.name() + ": VALUE}\n"
                                : "optimizer: {type: " + kind + "}\n" + o.section() + ": {" + o.name() + ": VALUE}\n");
                out.add(new Case("optimizer " + kind + " " + o.path(), yaml, o));
            }
        }
        for (ScheduleKind kind : ScheduleKind.values()) {
            for (Option<?> o : kind.options()) {
                String steps =
                        kind == ScheduleKind.CONSTANT || o == ScheduleOptions.DECAY_STEPS ? "" : "decay_steps: 10, ";
                String yaml = model(ModelKind.LOGISTIC) + "optimizer: {type: adam}\nschedule: {type: " + kind + ", "
                        + steps + o.name() + ": VALUE}\n";
                out.add(new Case("schedule " + kind + " " + o.path(), yaml, o));
            }
        }
        return out.stream().filter(c -> c.option().range() != null).toList();
    }

    private static String yamlNumber(Option<?> o, double v) {
        if (o.type() == Option.Type.INTEGER) {
            return String.valueOf((long) v);
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? ".inf" : "-.inf";
        }
        return ConfigWriter.formatDouble(v);
    }

    private static double highest(Option<?> o) {
        return o.range().highestAccepted(LARGE.getOrDefault(o.path(), UNBOUNDED));
    }

    @TestFactory
    Stream<DynamicTest> acceptedEdges_parseAndBuildATrainer() {
        return cases().stream()
                .flatMap(c -> Stream.of(c.option().range().lowestAccepted(), highest(c.option()))
                        .map(v -> DynamicTest.dynamicTest(c.name() + " = " + yamlNumber(c.option(), v), () -> {
                            TrainerConfig config =
                                    ConfigParser.parse(c.yaml().replace("VALUE", yamlNumber(c.option(), v)));
                            assertThatCode(() -> new Trainer(config)).doesNotThrowAnyException();
                        })));
    }

    @TestFactory
    Stream<DynamicTest> valuesJustOutside_areRefusedByTheParser_namingTheYamlKeyAndRange() {
        return cases().stream().flatMap(c -> {
            Range r = c.option().range();
            List<Double> outside = new ArrayList<>();
            outside.add(r.justBelow());
            if (!Double.isNaN(r.justAbove())) {
                outside.add(r.justAbove());
            }
            return outside.stream()
                    .filter(v -> !(r.integral() && v < Long.MIN_VALUE))
                    .map(v -> DynamicTest.dynamicTest(
                            c.name() + " = " + yamlNumber(c.option(), v),
                            () -> assertThatThrownBy(() ->
                                            ConfigParser.parse(c.yaml().replace("VALUE", yamlNumber(c.option(), v))))
                                    .isInstanceOf(ConfigException.class)
                                    .hasMessageContaining(c.option().path() + ": ")
                                    .hasMessageContaining(r.text())));
        });
    }

    @Test
    void exponentialDecayRateAboveOne_isRefusedByTheParser_notLaterByTheTrainer() {
        assertThatThrownBy(() -> ConfigParser.parse(model(ModelKind.LOGISTIC) + "optimizer: {type: sgd}\n"
                        + "schedule: {type: exponential, decay_steps: 10, decay_rate: 2}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("schedule.decay_rate: 2.0 is out of range; allowed: (0, 1]");
    }

    @Test
    void inverseTimeDecayRateZero_isAccepted_asTheScheduleAllows() {
        TrainerConfig c = ConfigParser.parse(model(ModelKind.LOGISTIC) + "optimizer: {type: sgd}\n"
                + "schedule: {type: inverse_time, decay_steps: 10, decay_rate: 0}\n");
        assertThat(new Trainer(c).schedule().rate(100)).isEqualTo(0.01);
    }

    @Test
    void adamwWeightDecayTimesRateAtLeastOne_isRefusedByTheParser() {
        assertThatThrownBy(() -> ConfigParser.parse(
                        ConfigParser.loadYaml(
                                model(ModelKind.LOGISTIC)
                                        + "optimizer: {type: adamw, learning_rate: 0.5, weight_decay: 2}\n",
                                "models.ctr"),
                        "models.ctr"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("models.ctr.optimizer.weight_decay must be < 1/optimizer.learning_rate");
    }

    @Test
    void familyKeysOfAnotherKind_areCheckedWithTheFamilyRange() {
        assertThatThrownBy(() -> ConfigParser.parse(model(ModelKind.LOGISTIC) + "optimizer: {type: sgd, rho: 1.5}\n"))
                .hasMessage("optimizer.rho: 1.5 is out of range; allowed: [0, 1)");
        assertThat(ConfigParser.parse(model(ModelKind.LOGISTIC) + "optimizer: {type: sgd, rho: 0.5}\n")
                        .optimizer()
                        .rho())
                .isEqualTo(0.5);
    }
}

package io.streamgrad.learner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.loss.LossOptions;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.model.ModelOptions;
import io.streamgrad.learner.optim.OptimizerKind;
import io.streamgrad.learner.optim.OptimizerOptions;
import io.streamgrad.learner.schedule.ScheduleOptions;
import io.streamgrad.learner.train.DivergenceSpec;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigParserTest {

    private static final String MINIMAL_LOGISTIC = """
            model: {type: logistic, features: 10}
            loss: binary_cross_entropy
            optimizer: {type: sgd}
            """;

    private static ConfigException problemsOf(String yaml) {
        try {
            ConfigParser.parse(yaml);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void parse_briefExample_readsEveryKeyAsWritten() {
        TrainerConfig c = ConfigParser.parse(ConfigKeys.EXAMPLE);

        assertThat(c.model().type().yamlName()).isEqualTo("mlp");
        assertThat(c.model().features()).isEqualTo(784);
        assertThat(c.model().classes()).isEqualTo(10);
        assertThat(c.model().hidden()).containsExactly(256, 128);
        assertThat(c.model().activation()).isEqualTo("relu");
        assertThat(c.model().init()).isEqualTo("he");
        assertThat(c.loss().yamlName()).isEqualTo("categorical_cross_entropy");
        assertThat(c.optimizer().type().yamlName()).isEqualTo("adam");
        assertThat(c.optimizer().learningRate()).isEqualTo(0.001);
        assertThat(c.optimizer().beta1()).isEqualTo(0.9);
        assertThat(c.optimizer().beta2()).isEqualTo(0.999);
        assertThat(c.optimizer().epsilon()).isEqualTo(1.0e-8);
        assertThat(c.optimizer().weightDecay()).isEqualTo(0.0);
        assertThat(c.optimizer().momentum()).isEqualTo(0.9);
        assertThat(c.schedule().type().yamlName()).isEqualTo("cosine");
        assertThat(c.schedule().decaySteps()).isEqualTo(4690);
        assertThat(c.regularization().l1()).isZero();
        assertThat(c.regularization().l2()).isZero();
        assertThat(c.clipping().globalNorm()).isZero();
        assertThat(c.batchSize()).isEqualTo(64);
        assertThat(c.shuffle()).isFalse();
        assertThat(c.seed()).isEqualTo(1);
        assertThat(c.sparseUpdates()).isFalse();
        assertThat(c.task()).isEqualTo(TrainerConfig.Task.MULTICLASS);
    }

    @Test
    void parse_minimalConfig_takesEveryOtherValueFromDefaults() {
        TrainerConfig c = ConfigParser.parse(MINIMAL_LOGISTIC);

        assertThat(c.model().classes()).isEqualTo(ModelOptions.CLASSES.defaultValue());
        assertThat(c.model().init()).isEqualTo("zeros");
        assertThat(c.model().hidden()).isEmpty();
        assertThat(c.huberDelta()).isEqualTo(LossOptions.DELTA.defaultValue());
        assertThat(c.optimizer().learningRate()).isEqualTo(OptimizerKind.SGD.defaultLearningRate());
        assertThat(c.optimizer().beta1()).isEqualTo(OptimizerOptions.BETA1.defaultValue());
        assertThat(c.optimizer().beta2()).isEqualTo(OptimizerOptions.BETA2.defaultValue());
        assertThat(c.optimizer().epsilon()).isEqualTo(OptimizerOptions.EPSILON.defaultValue());
        assertThat(c.optimizer().weightDecay()).isEqualTo(OptimizerOptions.WEIGHT_DECAY.defaultValue());
        assertThat(c.optimizer().momentum()).isEqualTo(OptimizerOptions.MOMENTUM.defaultValue());
        assertThat(c.optimizer().rho()).isEqualTo(OptimizerOptions.RHO.defaultValue());
        assertThat(c.optimizer().initialAccumulator()).isEqualTo(OptimizerOptions.INITIAL_ACCUMULATOR.defaultValue());
        assertThat(c.optimizer().ftrlBeta()).isEqualTo(OptimizerOptions.BETA.defaultValue());
        assertThat(c.schedule().type().yamlName()).isEqualTo("constant");
        assertThat(c.schedule().decayRate()).isEqualTo(ScheduleOptions.DECAY_RATE.defaultValue());
        assertThat(c.schedule().warmupSteps()).isEqualTo(ScheduleOptions.WARMUP_STEPS.defaultValue());
        assertThat(c.clipping().value()).isEqualTo(TrainingOptions.CLIP_VALUE.defaultValue());
        assertThat(c.clipping().weight()).isEqualTo(TrainingOptions.CLIP_WEIGHT.defaultValue());
        assertThat(c.batchSize()).isEqualTo(TrainingOptions.BATCH_SIZE.defaultValue());
        assertThat(c.shuffle()).isEqualTo(TrainingOptions.SHUFFLE.defaultValue());
        assertThat(c.seed()).isEqualTo(TrainingOptions.SEED.defaultValue());
        assertThat(c.sparseUpdates()).isEqualTo(TrainingOptions.SPARSE_UPDATES.defaultValue());
        assertThat(c.task()).isEqualTo(TrainerConfig.Task.BINARY);
    }

    @Test
    void parse_adaptiveOptimizerWithoutRate_usesItsOwnDefaultRate() {
        TrainerConfig c = ConfigParser.parse(MINIMAL_LOGISTIC.replace("type: sgd", "type: adam"));

        assertThat(c.optimizer().learningRate()).isEqualTo(OptimizerKind.ADAM.defaultLearningRate());
    }

    @Test
    void parse_mlpDefaults_initFollowsActivation() {
        String base = "model: {type: mlp, features: 4, classes: 3, hidden: [8], activation: %s}\n"
                + "loss: categorical_cross_entropy\noptimizer: {type: adam}\n";

        assertThat(ConfigParser.parse(base.formatted("relu")).model().init()).isEqualTo("he");
        assertThat(ConfigParser.parse(base.formatted("tanh")).model().init()).isEqualTo("xavier_uniform");
    }

    @Test
    void parse_fmAndRegularizationAndFtrlKeys_areRead() {
        TrainerConfig c = ConfigParser.parse("""
                model: {type: fm, features: 1000, factors: 4, init_std: 0.05}
                loss: {type: huber, delta: 2.5}
                optimizer: {type: ftrl, learning_rate: 0.1, beta: 0.5, rho: 0.8, initial_accumulator: 0.2}
                regularization: {l1: 0.01, l2: 0.001}
                clipping: {value: 5, weight: 10, global_norm: 1.0}
                schedule: {type: exponential, decay_steps: 100, decay_rate: 0.96, staircase: true, warmup_steps: 10}
                sparse_updates: true
                seed: -7
                """);

        assertThat(c.model().factors()).isEqualTo(4);
        assertThat(c.model().initStd()).isEqualTo(0.05);
        assertThat(c.loss().yamlName()).isEqualTo("huber");
        assertThat(c.huberDelta()).isEqualTo(2.5);
        assertThat(c.optimizer().ftrlBeta()).isEqualTo(0.5);
        assertThat(c.optimizer().rho()).isEqualTo(0.8);
        assertThat(c.optimizer().initialAccumulator()).isEqualTo(0.2);
        assertThat(c.optimizer().l1()).isEqualTo(0.01);
        assertThat(c.optimizer().l2()).isEqualTo(0.001);
        assertThat(c.clipping().value()).isEqualTo(5.0);
        assertThat(c.clipping().weight()).isEqualTo(10.0);
        assertThat(c.schedule().staircase()).isTrue();
        assertThat(c.schedule().decayRate()).isEqualTo(0.96);
        assertThat(c.schedule().warmupSteps()).isEqualTo(10);
        assertThat(c.sparseUpdates()).isTrue();
        assertThat(c.seed()).isEqualTo(-7);
    }

    @Test
    void parse_exponentWithoutDot_isAcceptedAsNumber() {
        // YAML 1.1 resolves 1e-8 to a string.
        TrainerConfig c = ConfigParser.parse(MINIMAL_LOGISTIC.replace("type: sgd", "type: adam, epsilon: 1e-7"));

        assertThat(c.optimizer().epsilon()).isEqualTo(1e-7);
    }

    @Test
    void parse_scheduleShorthand_constantWorks_othersNeedDecaySteps() {
        assertThat(ConfigParser.parse(MINIMAL_LOGISTIC + "schedule: constant\n")
                        .schedule()
                        .type()
                        .yamlName())
                .isEqualTo("constant");

        assertThat(problemsOf(MINIMAL_LOGISTIC + "schedule: cosine\n").problems())
                .containsExactly("schedule: 'cosine' needs decay_steps; write it as a section, "
                        + "e.g. schedule: {type: cosine, decay_steps: 1000}");
        assertThat(problemsOf(MINIMAL_LOGISTIC + "schedule: {type: step}\n").getMessage())
                .startsWith("schedule.decay_steps: required");
    }

    @Test
    void unknownEnumValue_namesKeyValueAndAllowedValues() {
        ConfigException e = problemsOf(MINIMAL_LOGISTIC.replace("type: logistic", "type: mpl"));

        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0))
                .startsWith("model.type: unknown value 'mpl'; allowed: linear, logistic, softmax, mlp, fm")
                .contains("did you mean 'mlp'?");
    }

    @Test
    void unknownKey_isErrorWithClosestKnownKey() {
        ConfigException e = problemsOf(MINIMAL_LOGISTIC.replace("type: sgd", "type: sgd, learning_rat: 0.1"));

        assertThat(e.getMessage())
                .startsWith("optimizer.learning_rat: unknown key; did you mean " + "'optimizer.learning_rate'?");
    }

    @Test
    void unknownKey_inWrongSection_suggestsTheSectionItBelongsTo() {
        ConfigException e = problemsOf(MINIMAL_LOGISTIC.replace("features: 10", "features: 10, learning_rate: 1"));

        assertThat(e.getMessage())
                .startsWith("model.learning_rate: unknown key; did you mean " + "'optimizer.learning_rate'?");
    }

    @Test
    void unknownTopLevelKey_commonAlias_suggestsRealKey() {
        assertThat(problemsOf(MINIMAL_LOGISTIC + "batchsize: 3\n").getMessage())
                .startsWith("batchsize: unknown key; did you mean 'batch_size'?");
        assertThat(problemsOf(MINIMAL_LOGISTIC + "optimiser: {}\n").getMessage())
                .startsWith("optimiser: unknown key; did you mean 'optimizer'?");
    }

    @Test
    void outOfRangeNumber_namesValueAndRange() {
        assertThat(problemsOf(MINIMAL_LOGISTIC.replace("type: sgd", "type: adam, beta1: 1.5"))
                        .problems())
                .containsExactly("optimizer.beta1: 1.5 is out of range; allowed: [0, 1)");
        assertThat(problemsOf(MINIMAL_LOGISTIC.replace("type: sgd", "type: sgd, learning_rate: -0.1"))
                        .problems())
                .containsExactly("optimizer.learning_rate: -0.1 is out of range; allowed: > 0");
        assertThat(problemsOf(MINIMAL_LOGISTIC + "batch_size: 0\n").problems())
                .containsExactly("batch_size: 0 is out of range; allowed: integer in [1, 65536]");
    }

    @Test
    void absurdBatchSize_isRefusedNamingTheKeyAndTheMaximum() {
        assertThat(problemsOf(MINIMAL_LOGISTIC + "batch_size: 1000000000\n").problems())
                .containsExactly("batch_size: 1000000000 is out of range; allowed: integer in [1, 65536]");
    }

    @Test
    void wrongType_namesKeyAndGivenValue() {
        assertThat(problemsOf(MINIMAL_LOGISTIC + "batch_size: '64'\n").problems())
                .containsExactly("batch_size: expected an integer in [1, 65536], got '64'");
        assertThat(problemsOf(MINIMAL_LOGISTIC + "shuffle: maybe\n").problems())
                .containsExactly("shuffle: expected true or false, got 'maybe'");
        assertThat(problemsOf(MINIMAL_LOGISTIC + "batch_size: 2.5\n").problems())
                .containsExactly("batch_size: expected an integer in [1, 65536], got 2.5");
        assertThat(problemsOf(MINIMAL_LOGISTIC.replace("type: sgd", "type: sgd, learning_rate: fast"))
                        .problems())
                .containsExactly("optimizer.learning_rate: expected a number > 0, got 'fast'");
    }

    @Test
    void missingRequiredKeys_areAllReported() {
        ConfigException e = problemsOf("model: {type: logistic}\noptimizer: {learning_rate: 0.1}\n");

        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems().get(0)).startsWith("model.features: required");
        assertThat(e.problems().get(1)).startsWith("loss: required");
        assertThat(e.problems().get(2)).startsWith("optimizer.type: required");
    }

    @Test
    void missingSection_isReportedOnce() {
        ConfigException e = problemsOf("loss: mse\noptimizer: {type: sgd}\n");

        assertThat(e.problems())
                .containsExactly("model: required section is missing; it needs at least type, " + "features");
    }

    @Test
    void crossCheck_logisticNeedsBinaryCrossEntropy() {
        assertThat(problemsOf(MINIMAL_LOGISTIC.replace("binary_cross_entropy", "mse"))
                        .getMessage())
                .startsWith("loss: model.type logistic needs binary_cross_entropy, got 'mse'");
    }

    @Test
    void crossCheck_softmaxNeedsCategoricalAndTwoClasses() {
        ConfigException e = problemsOf("""
                model: {type: softmax, features: 4}
                loss: binary_cross_entropy
                optimizer: {type: sgd}
                """);

        assertThat(e.problems())
                .containsExactly(
                        "loss: model.type softmax needs categorical_cross_entropy, got 'binary_cross_entropy' "
                                + "(use logistic for binary_cross_entropy, linear for mse/huber)",
                        "model.classes: softmax needs classes >= 2, and it is missing (set model.classes to the number "
                                + "of classes)");
    }

    @Test
    void crossCheck_linearNeedsRegressionLoss() {
        assertThat(problemsOf("""
                model: {type: linear, features: 4}
                loss: categorical_cross_entropy
                optimizer: {type: sgd}
                """).getMessage()).startsWith("loss: model.type linear needs mse or huber");
    }

    @Test
    void crossCheck_mlpClassesMustMatchLoss() {
        String cce = "model: {type: mlp, features: 4, hidden: [8]}\nloss: categorical_cross_entropy\n"
                + "optimizer: {type: sgd}\n";
        assertThat(problemsOf(cce).getMessage())
                .startsWith("model.classes: an mlp with categorical_cross_entropy "
                        + "needs classes >= 2, and it is missing");

        String bce = "model: {type: mlp, features: 4, hidden: [8], classes: 3}\nloss: binary_cross_entropy\n"
                + "optimizer: {type: sgd}\n";
        assertThat(problemsOf(bce).getMessage())
                .startsWith("model.classes: an mlp with binary_cross_entropy has "
                        + "one output; classes must be 1, got 3");
    }

    @Test
    void crossCheck_mlpNeedsHiddenAndNonZeroInit() {
        assertThat(problemsOf("model: {type: mlp, features: 4}\nloss: mse\noptimizer: {type: sgd}\n")
                        .getMessage())
                .startsWith("model.hidden: required");
        assertThat(problemsOf("model: {type: mlp, features: 4, hidden: []}\nloss: mse\noptimizer: {type: sgd}\n")
                        .getMessage())
                .startsWith("model.hidden: needs at least one hidden layer width");
        assertThat(problemsOf("model: {type: mlp, features: 4, hidden: [8], init: zeros}\nloss: mse\n"
                                + "optimizer: {type: sgd}\n")
                        .getMessage())
                .startsWith("model.init: zeros would make every hidden " + "unit of the mlp identical");
        assertThat(problemsOf("model: {type: mlp, features: 4, hidden: [8, 0]}\nloss: mse\n"
                                + "optimizer: {type: sgd}\n")
                        .problems())
                .containsExactly("model.hidden[1]: expected an integer " + ">= 1, got 0");
    }

    @Test
    void crossCheck_fmNeedsFactorsAtLeastOneAndOneOutputLoss() {
        assertThat(problemsOf("model: {type: fm, features: 4, factors: 0}\nloss: mse\noptimizer: {type: sgd}\n")
                        .problems())
                .containsExactly("model.factors: 0 is out of range; allowed: integer >= 1");
        assertThat(problemsOf("model: {type: fm, features: 4}\nloss: categorical_cross_entropy\n"
                                + "optimizer: {type: sgd}\n")
                        .getMessage())
                .startsWith("loss: model.type fm has one output");
    }

    @Test
    void modelKeysOfAnotherType_areRefused() {
        assertThat(problemsOf(MINIMAL_LOGISTIC.replace("features: 10", "features: 10, hidden: [3]"))
                        .problems())
                .containsExactly(
                        "model.hidden: only applies to model.type mlp; remove it (model.type is " + "'logistic')");
        assertThat(problemsOf(MINIMAL_LOGISTIC.replace("features: 10", "features: 10, factors: 3"))
                        .getMessage())
                .startsWith("model.factors: only applies to model.type fm");
    }

    @Test
    void optimizerKeysOfAnotherRule_areAcceptedAndKept() {
        TrainerConfig c = ConfigParser.parse(MINIMAL_LOGISTIC.replace("type: sgd", "type: sgd, beta1: 0.5"));

        assertThat(c.optimizer().beta1()).isEqualTo(0.5);
    }

    @Test
    void cosineFloorAboveRate_isRefused() {
        assertThat(problemsOf(MINIMAL_LOGISTIC.replace("type: sgd", "type: sgd, learning_rate: 0.01")
                                + "schedule: {type: cosine, decay_steps: 10, min_learning_rate: 0.1}\n")
                        .problems())
                .containsExactly("schedule.min_learning_rate: 0.1 must be below optimizer.learning_rate 0.01");
    }

    @Test
    void hugeModel_isRefusedBeforeAllocation_namingTheKeys() {
        ConfigException e = problemsOf("""
                model: {type: softmax, features: 1000000000, classes: 10}
                loss: categorical_cross_entropy
                optimizer: {type: adam}
                """);

        assertThat(e.problems())
                .containsExactly("model: 10,000,000,010 parameters do not fit in one array (at "
                        + "most 2,147,483,639); reduce model.features, model.classes");
    }

    @Test
    void modelWithTooMuchOptimizerState_isRefused_andSgdWouldFit() {
        String yaml = """
                model: {type: fm, features: 30000000, factors: 8}
                loss: binary_cross_entropy
                optimizer: {type: adam}
                """;
        // 1 + 3e7 * 9 = 270,000,001 params; with Adam's two moments 810,000,003 floats > 2^29.
        assertThat(problemsOf(yaml).problems())
                .containsExactly("model: 270,000,001 parameters plus adam state make "
                        + "810,000,003 floats, more than the limit of 536,870,912 (2 GiB); reduce model.features, "
                        + "model.factors or choose an optimizer.type with less state (sgd keeps none)");
        assertThat(ConfigParser.parse(yaml.replace("adam", "sgd")).model().features())
                .isEqualTo(30_000_000);
    }

    @Test
    void parameterCount_matchesTheDocumentedFormulas() {
        assertThat(ConfigParser.parameterCount(ModelKind.LINEAR, 10, 1, List.of(), 8))
                .isEqualTo(11);
        assertThat(ConfigParser.parameterCount(ModelKind.SOFTMAX, 784, 10, List.of(), 8))
                .isEqualTo(7850);
        assertThat(ConfigParser.parameterCount(ModelKind.MLP, 784, 10, List.of(256, 128), 8))
                .isEqualTo(785 * 256 + 257 * 128 + 129 * 10);
        assertThat(ConfigParser.parameterCount(ModelKind.MLP, 4, 1, List.of(3), 8))
                .isEqualTo(5 * 3 + 4);
        assertThat(ConfigParser.parameterCount(ModelKind.FM, 100, 1, List.of(), 8))
                .isEqualTo(1 + 100 * 9);
        assertThat(ConfigParser.parameterCount(
                        ModelKind.MLP,
                        Integer.MAX_VALUE,
                        1,
                        List.of(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE),
                        8))
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void embeddedMap_errorsCarryTheGivenPathPrefix() {
        Map<String, Object> jobYaml = ConfigParser.loadYaml("""
                models:
                  ctr:
                    model: {type: logistic, features: 16}
                    loss: binary_cross_entropy
                    optimizer: {type: adm}
                """, "");
        @SuppressWarnings("unchecked")
        Map<String, Object> ctr = (Map<String, Object>) ((Map<String, Object>) jobYaml.get("models")).get("ctr");

        assertThatThrownBy(() -> ConfigParser.parse(ctr, "models.ctr"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("models.ctr.optimizer.type: unknown value 'adm'; allowed: sgd, momentum, "
                        + "nesterov, adagrad, rmsprop, adam, adamw, ftrl");
    }

    @Test
    void embeddedMap_unknownKeySuggestionCarriesPrefix() {
        Map<String, Object> m = ConfigParser.loadYaml(MINIMAL_LOGISTIC + "batchsize: 3\n", "");

        assertThatThrownBy(() -> ConfigParser.parse(m, "models.a"))
                .hasMessageStartingWith("models.a.batchsize: unknown key; did you mean 'models.a.batch_size'?");
    }

    @Test
    void invalidYaml_reportsPosition() {
        assertThatThrownBy(() -> ConfigParser.parse("model: {type: logistic\nloss: [\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("invalid YAML: ")
                .hasMessageContaining("line");
    }

    @Test
    void duplicateKey_isRefused() {
        assertThatThrownBy(() -> ConfigParser.parse(MINIMAL_LOGISTIC + "seed: 1\nseed: 2\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("duplicate key seed");
    }

    @Test
    void arbitraryJavaTypeTag_isRefused() {
        assertThatThrownBy(() -> ConfigParser.parse(MINIMAL_LOGISTIC + "seed: !!java.io.File [/etc/passwd]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("invalid YAML: ");
    }

    @Test
    void emptyOrScalarDocument_isRefusedWithHint() {
        assertThatThrownBy(() -> ConfigParser.parse("")).hasMessageStartingWith("config: empty");
        assertThatThrownBy(() -> ConfigParser.parse("just text"))
                .hasMessageStartingWith("config: expected a " + "mapping of keys");
    }

    @Test
    void everyDocumentedKey_isAcceptedByTheParser() {
        // Keys that are documented but rejected would be a lie in docs/CONFIG.md.
        TrainerConfig c = ConfigParser.parse("""
                model: {type: mlp, features: 3, classes: 2, hidden: [4], activation: tanh, init: xavier_normal}
                loss: {type: categorical_cross_entropy, delta: 1.5}
                optimizer: {type: adamw, learning_rate: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 1.0e-6,
                  weight_decay: 0.1, momentum: 0.5, rho: 0.95, initial_accumulator: 0.0, beta: 2.0}
                schedule: {type: cosine, decay_steps: 100, decay_rate: 0.1, staircase: true,
                  min_learning_rate: 0.001, warmup_steps: 5}
                regularization: {l1: 0.1, l2: 0.2}
                clipping: {global_norm: 1.0, value: 2.0, weight: 3.0}
                divergence: {max_bad_batches: 3, lr_backoff: 0.5, min_lr_scale: 0.01}
                batch_size: 8
                shuffle: true
                seed: 42
                sparse_updates: true
                """);
        TrainerConfig fm = ConfigParser.parse(
                "model: {type: fm, features: 3, factors: 2, init_std: 0.1}\n" + "loss: mse\noptimizer: {type: sgd}\n");

        assertThat(c.shuffle()).isTrue();
        assertThat(c.divergence()).isEqualTo(new DivergenceSpec(3, 0.5, 0.01));
        assertThat(fm.model().factors()).isEqualTo(2);
        String both = ConfigWriter.toYaml(c) + ConfigWriter.toYaml(fm);
        for (Option<?> k : ConfigKeys.ALL) {
            if (k.type() != Option.Type.SECTION && k.type() != Option.Type.STRING_OR_SECTION) {
                assertThat(both).as("key %s is written", k.path()).contains(k.name() + ":");
            }
        }
    }

    @Test
    void divergence_absent_isThePolicyOffWithDocumentedDefaults() {
        TrainerConfig c = ConfigParser.parse(MINIMAL_LOGISTIC);

        assertThat(c.divergence()).isEqualTo(DivergenceSpec.OFF);
        assertThat(c.divergence().maxBadBatches()).isZero();
        assertThat(c.divergence().lrBackoff()).isEqualTo(0.5);
        assertThat(c.divergence().minLrScale()).isEqualTo(1e-3);
        assertThat(c.divergence().enabled()).isFalse();
    }

    @Test
    void divergence_section_isRead() {
        TrainerConfig c = ConfigParser.parse(
                MINIMAL_LOGISTIC + "divergence: {max_bad_batches: 5, lr_backoff: 1, min_lr_scale: 1e-4}\n");

        assertThat(c.divergence()).isEqualTo(new DivergenceSpec(5, 1.0, 1e-4));
        assertThat(c.divergence().enabled()).isTrue();
    }

    @Test
    void divergence_outOfRangeValues_nameEachKeyAndItsRange() {
        assertThat(problemsOf(MINIMAL_LOGISTIC
                                + "divergence: {max_bad_batches: -1, lr_backoff: 0, min_lr_scale: 1.5}\n")
                        .problems())
                .containsExactly(
                        "divergence.max_bad_batches: -1 is out of range; allowed: integer >= 0",
                        "divergence.lr_backoff: 0.0 is out of range; allowed: (0, 1]",
                        "divergence.min_lr_scale: 1.5 is out of range; allowed: (0, 1]");
        assertThat(problemsOf(MINIMAL_LOGISTIC + "divergence: {max_bad_batches: 2.5, lr_backoff: .nan}\n")
                        .problems())
                .containsExactly(
                        "divergence.max_bad_batches: expected an integer >= 0, got 2.5",
                        "divergence.lr_backoff: NaN is out of range; allowed: (0, 1] and finite");
    }

    @Test
    void divergence_unknownKeyOrScalar_isRefusedWithHint() {
        assertThat(problemsOf(MINIMAL_LOGISTIC + "divergence: {max_bad_batch: 3}\n")
                        .getMessage())
                .startsWith("divergence.max_bad_batch: unknown key; did you mean 'divergence.max_bad_batches'?");
        assertThat(problemsOf(MINIMAL_LOGISTIC + "divergence: 3\n").getMessage())
                .startsWith("divergence: expected a section (mapping) of max_bad_batches, lr_backoff, min_lr_scale");
    }

    @Test
    void divergence_embeddedMap_errorsCarryThePrefix() {
        Map<String, Object> m = ConfigParser.loadYaml(MINIMAL_LOGISTIC + "divergence: {lr_backoff: 2}\n", "");

        assertThatThrownBy(() -> ConfigParser.parse(m, "models.ctr"))
                .hasMessageContaining("models.ctr.divergence.lr_backoff: 2.0 is out of range; allowed: (0, 1]");
    }
}

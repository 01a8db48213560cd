package io.streamgrad.learner.optim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scaffolding the rules share: name and state size from the kind, toString from the option values. */
class AbstractOptimizerTest {
    @Test
    void toString_listsTheOptionValues_inTheFormTheRulesHadBeforeTheBaseClass() {
        assertThat(new Sgd(0.5)).hasToString("Sgd{learningRate=0.5}");
        assertThat(new Momentum(0.5, 0.9)).hasToString("Momentum{learningRate=0.5, momentum=0.9}");
        assertThat(new Nesterov(0.5, 0.9)).hasToString("Nesterov{learningRate=0.5, momentum=0.9}");
        assertThat(new Adagrad(0.5, 0.1, 1e-8))
                .hasToString("Adagrad{learningRate=0.5, initialAccumulator=0.1, epsilon=1.0E-8}");
        assertThat(new RmsProp(0.5, 0.9, 1e-8)).hasToString("RmsProp{learningRate=0.5, rho=0.9, epsilon=1.0E-8}");
        assertThat(new Adam(0.5, 0.9, 0.999, 1e-8))
                .hasToString("Adam{learningRate=0.5, beta1=0.9, beta2=0.999, epsilon=1.0E-8}");
        assertThat(new AdamW(0.5, 0.9, 0.999, 1e-8, 0.01))
                .hasToString("AdamW{learningRate=0.5, beta1=0.9, beta2=0.999, epsilon=1.0E-8, weightDecay=0.01}");
        assertThat(new Ftrl(0.5, 1.0, 0.0, 2.0)).hasToString("Ftrl{alpha=0.5, beta=1.0, l1=0.0, l2=2.0}");
    }

    @Test
    void nameAndStateSize_comeFromTheKind() {
        for (OptimizerKind k : OptimizerKind.values()) {
            Optimizer o = k.create(SpecBuilder.of(k.yamlName()).build());
            assertThat(o.name()).isEqualTo(k.yamlName());
            assertThat(o.stateSize(7)).isEqualTo(7 * k.statePerParam());
            assertThat(((AbstractOptimizer) o).kind()).isEqualTo(k);
        }
    }
}

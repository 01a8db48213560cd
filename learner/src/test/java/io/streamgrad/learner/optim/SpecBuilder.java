package io.streamgrad.learner.optim;

/**
 * Builds {@link OptimizerSpec}s for tests. The defaults are deliberately NOT the usual library defaults (and all
 * differ from each other), so a constructor argument wired to the wrong spec field changes the numbers.
 */
final class SpecBuilder {
    private String type;
    private double learningRate = 0.05;
    private double beta1 = 0.8;
    private double beta2 = 0.95;
    private double epsilon = 1e-3;
    private double weightDecay = 0.3;
    private double momentum = 0.7;
    private double rho = 0.85;
    private double initialAccumulator = 0.2;
    private double ftrlBeta = 0.6;
    private double l1 = 0.01;
    private double l2 = 0.15;

    private SpecBuilder(String type) {
        this.type = type;
    }

    static SpecBuilder of(String type) {
        return new SpecBuilder(type);
    }

    static SpecBuilder from(OptimizerSpec s) {
        SpecBuilder b = new SpecBuilder(s.type() == null ? null : s.type().yamlName());
        b.learningRate = s.learningRate();
        b.beta1 = s.beta1();
        b.beta2 = s.beta2();
        b.epsilon = s.epsilon();
        b.weightDecay = s.weightDecay();
        b.momentum = s.momentum();
        b.rho = s.rho();
        b.initialAccumulator = s.initialAccumulator();
        b.ftrlBeta = s.ftrlBeta();
        b.l1 = s.l1();
        b.l2 = s.l2();
        return b;
    }

    SpecBuilder type(String v) {
        type = v;
        return this;
    }

    SpecBuilder learningRate(double v) {
        learningRate = v;
        return this;
    }

    SpecBuilder beta1(double v) {
        beta1 = v;
        return this;
    }

    SpecBuilder beta2(double v) {
        beta2 = v;
        return this;
    }

    SpecBuilder epsilon(double v) {
        epsilon = v;
        return this;
    }

    SpecBuilder weightDecay(double v) {
        weightDecay = v;
        return this;
    }

    SpecBuilder momentum(double v) {
        momentum = v;
        return this;
    }

    SpecBuilder rho(double v) {
        rho = v;
        return this;
    }

    SpecBuilder initialAccumulator(double v) {
        initialAccumulator = v;
        return this;
    }

    SpecBuilder ftrlBeta(double v) {
        ftrlBeta = v;
        return this;
    }

    SpecBuilder l1(double v) {
        l1 = v;
        return this;
    }

    SpecBuilder l2(double v) {
        l2 = v;
        return this;
    }

    OptimizerSpec build() {
        return new OptimizerSpec(
                OptimizerKind.of(type),
                learningRate,
                beta1,
                beta2,
                epsilon,
                weightDecay,
                momentum,
                rho,
                initialAccumulator,
                ftrlBeta,
                l1,
                l2);
    }
}

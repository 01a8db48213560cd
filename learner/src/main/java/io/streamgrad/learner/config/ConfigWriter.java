package io.streamgrad.learner.config;

import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.optim.OptimizerSpec;
import io.streamgrad.learner.schedule.ScheduleSpec;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.StringJoiner;

/**
 * Writes a {@link TrainerConfig} as YAML that {@link ConfigParser} reads back to an equal config: every key is
 * written explicitly (defaults included, so a later change of a default cannot change a saved model's meaning),
 * numbers in a form that round-trips exactly. Model keys that do not apply to the model type are left out,
 * since the parser refuses them. Snapshots embed this text.
 */
public final class ConfigWriter {
    private ConfigWriter() {
    }

    public static String toYaml(TrainerConfig c) {
        ModelSpec m = c.model();
        OptimizerSpec o = c.optimizer();
        ScheduleSpec s = c.schedule();
        StringBuilder y = new StringBuilder();
        y.append("model:\n");
        y.append("  type: ").append(m.type()).append('\n');
        y.append("  features: ").append(m.features()).append('\n');
        y.append("  classes: ").append(m.classes()).append('\n');
        if ("mlp".equals(m.type())) {
            StringJoiner hidden = new StringJoiner(", ", "[", "]");
            m.hidden().forEach(h -> hidden.add(String.valueOf(h)));
            y.append("  hidden: ").append(hidden).append('\n');
            y.append("  activation: ").append(m.activation()).append('\n');
        }
        y.append("  init: ").append(m.init()).append('\n');
        if ("fm".equals(m.type())) {
            y.append("  factors: ").append(m.factors()).append('\n');
            y.append("  init_std: ").append(formatDouble(m.initStd())).append('\n');
        }
        y.append("loss:\n");
        y.append("  type: ").append(c.loss()).append('\n');
        y.append("  delta: ").append(formatDouble(c.huberDelta())).append('\n');
        y.append("optimizer:\n");
        y.append("  type: ").append(o.type()).append('\n');
        y.append("  learning_rate: ").append(formatDouble(o.learningRate())).append('\n');
        y.append("  beta1: ").append(formatDouble(o.beta1())).append('\n');
        y.append("  beta2: ").append(formatDouble(o.beta2())).append('\n');
        y.append("  epsilon: ").append(formatDouble(o.epsilon())).append('\n');
        y.append("  weight_decay: ").append(formatDouble(o.weightDecay())).append('\n');
        y.append("  momentum: ").append(formatDouble(o.momentum())).append('\n');
        y.append("  rho: ").append(formatDouble(o.rho())).append('\n');
        y.append("  initial_accumulator: ").append(formatDouble(o.initialAccumulator())).append('\n');
        y.append("  beta: ").append(formatDouble(o.ftrlBeta())).append('\n');
        y.append("schedule:\n");
        y.append("  type: ").append(s.type()).append('\n');
        y.append("  decay_steps: ").append(s.decaySteps()).append('\n');
        y.append("  decay_rate: ").append(formatDouble(s.decayRate())).append('\n');
        y.append("  staircase: ").append(s.staircase()).append('\n');
        y.append("  min_learning_rate: ").append(formatDouble(s.minLearningRate())).append('\n');
        y.append("  warmup_steps: ").append(s.warmupSteps()).append('\n');
        y.append("regularization:\n");
        y.append("  l1: ").append(formatDouble(c.regularization().l1())).append('\n');
        y.append("  l2: ").append(formatDouble(c.regularization().l2())).append('\n');
        y.append("clipping:\n");
        y.append("  global_norm: ").append(formatDouble(c.clipping().globalNorm())).append('\n');
        y.append("  value: ").append(formatDouble(c.clipping().value())).append('\n');
        y.append("  weight: ").append(formatDouble(c.clipping().weight())).append('\n');
        y.append("divergence:\n");
        y.append("  max_bad_batches: ").append(c.divergence().maxBadBatches()).append('\n');
        y.append("  lr_backoff: ").append(formatDouble(c.divergence().lrBackoff())).append('\n');
        y.append("  min_lr_scale: ").append(formatDouble(c.divergence().minLrScale())).append('\n');
        y.append("batch_size: ").append(c.batchSize()).append('\n');
        y.append("shuffle: ").append(c.shuffle()).append('\n');
        y.append("seed: ").append(c.seed()).append('\n');
        y.append("sparse_updates: ").append(c.sparseUpdates()).append('\n');
        return y.toString();
    }

    /**
     * The shortest decimal that reads back to the same double ({@link Double#toString}), spelled as a YAML 1.1
     * float: {@code 1.0E10} becomes {@code 1.0e+10} (YAML 1.1 needs the exponent's sign, or the value would be
     * read as a string).
     */
    public static String formatDouble(double v) {
        String s = Double.toString(v);
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mantissa = s.substring(0, e);
        String exponent = s.substring(e + 1);
        return mantissa + "e" + (exponent.startsWith("-") ? exponent : "+" + exponent);
    }
}

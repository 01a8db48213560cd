package io.streamgrad.learner.config;

import io.streamgrad.learner.loss.LossOptions;
import io.streamgrad.learner.model.ModelOptions;
import io.streamgrad.learner.model.ModelSpec;
import io.streamgrad.learner.optim.OptimizerOptions;
import io.streamgrad.learner.schedule.ScheduleOptions;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link TrainerConfig} as YAML that {@link ConfigParser} reads back to an equal config: every key is
 * written explicitly (defaults included, so a later change of a default cannot change a saved model's meaning),
 * numbers in a form that round-trips exactly. It walks the option registries in their declaration order. Model keys that do not apply to the model type are left out,
 * since the parser refuses them. Snapshots embed this text.
 */
public final class ConfigWriter {
    private ConfigWriter() {}

    public static String toYaml(TrainerConfig c) {
        ModelSpec m = c.model();
        StringBuilder y = new StringBuilder();
        y.append("model:\n");
        Map<String, Object> model = m.values();
        for (Option<?> o : ModelOptions.ALL) {
            if (m.type().uses(o)) {
                line(y, o, model.get(o.path()));
            }
        }
        Map<String, Object> loss = new LinkedHashMap<>();
        loss.put(LossOptions.TYPE.path(), c.loss());
        loss.put(LossOptions.DELTA.path(), c.huberDelta());
        section(y, "loss", LossOptions.SECTION_KEYS, loss);
        section(y, "optimizer", OptimizerOptions.ALL, c.optimizer().values());
        section(y, "schedule", ScheduleOptions.ALL, c.schedule().values());
        Map<String, Object> rest = new LinkedHashMap<>();
        rest.put(TrainingOptions.L1.path(), c.regularization().l1());
        rest.put(TrainingOptions.L2.path(), c.regularization().l2());
        rest.put(TrainingOptions.CLIP_GLOBAL_NORM.path(), c.clipping().globalNorm());
        rest.put(TrainingOptions.CLIP_VALUE.path(), c.clipping().value());
        rest.put(TrainingOptions.CLIP_WEIGHT.path(), c.clipping().weight());
        rest.put(TrainingOptions.MAX_BAD_BATCHES.path(), c.divergence().maxBadBatches());
        rest.put(TrainingOptions.LR_BACKOFF.path(), c.divergence().lrBackoff());
        rest.put(TrainingOptions.MIN_LR_SCALE.path(), c.divergence().minLrScale());
        rest.put(TrainingOptions.BATCH_SIZE.path(), c.batchSize());
        rest.put(TrainingOptions.SHUFFLE.path(), c.shuffle());
        rest.put(TrainingOptions.SEED.path(), c.seed());
        rest.put(TrainingOptions.SPARSE_UPDATES.path(), c.sparseUpdates());
        section(y, "regularization", TrainingOptions.REGULARIZATION_KEYS, rest);
        section(y, "clipping", TrainingOptions.CLIPPING_KEYS, rest);
        section(y, "divergence", TrainingOptions.DIVERGENCE_KEYS, rest);
        for (Option<?> o : TrainingOptions.TOP_LEVEL_KEYS) {
            line(y, o, rest.get(o.path()));
        }
        return y.toString();
    }

    private static void section(StringBuilder y, String name, List<Option<?>> options, Map<String, Object> values) {
        y.append(name).append(":\n");
        for (Option<?> o : options) {
            line(y, o, values.get(o.path()));
        }
    }

    /** One key, indented below its section; kinds are written as their YAML names (their toString). */
    private static void line(StringBuilder y, Option<?> o, Object value) {
        y.append(o.section().isEmpty() ? "" : "  ")
                .append(o.name())
                .append(": ")
                .append(o.format(value))
                .append('\n');
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

package io.streamgrad.learner.config;

import io.streamgrad.learner.loss.LossOptions;
import io.streamgrad.learner.model.ModelOptions;
import io.streamgrad.learner.optim.OptimizerOptions;
import io.streamgrad.learner.recs.RecsOptions;
import io.streamgrad.learner.schedule.ScheduleOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every configuration key the parser accepts, walked from the option registries of each family; a key declared
 * twice fails at class initialisation. The parser rejects any key not listed here, and {@code docs/CONFIG.md} is
 * generated from it ({@link #markdown()}; a test keeps the file in step).
 */
public final class ConfigKeys {
    private ConfigKeys() {}

    /** Every key, walked from the registries in documentation order (sections before their keys). */
    public static final List<Option<?>> ALL = all();

    private static List<Option<?>> all() {
        List<Option<?>> all = new ArrayList<>();
        all.add(ModelOptions.SECTION);
        all.addAll(ModelOptions.ALL);
        all.add(LossOptions.LOSS);
        all.addAll(LossOptions.SECTION_KEYS);
        all.add(OptimizerOptions.SECTION);
        all.addAll(OptimizerOptions.ALL);
        all.add(ScheduleOptions.SCHEDULE);
        all.addAll(ScheduleOptions.ALL);
        all.add(TrainingOptions.REGULARIZATION);
        all.addAll(TrainingOptions.REGULARIZATION_KEYS);
        all.add(TrainingOptions.CLIPPING);
        all.addAll(TrainingOptions.CLIPPING_KEYS);
        all.add(TrainingOptions.DIVERGENCE);
        all.addAll(TrainingOptions.DIVERGENCE_KEYS);
        all.addAll(TrainingOptions.TOP_LEVEL_KEYS);
        Set<String> paths = new HashSet<>();
        for (Option<?> o : all) {
            if (!paths.add(o.path())) {
                throw new IllegalStateException("config key declared twice: " + o.path());
            }
        }
        return List.copyOf(all);
    }

    /** The keys directly below {@code section} ({@code ""}: top level), in table order. */
    public static Set<String> childrenOf(String section) {
        Set<String> names = new LinkedHashSet<>();
        for (Option<?> k : ALL) {
            if (k.section().equals(section)) {
                names.add(k.name());
            }
        }
        return names;
    }

    /** All full key paths. */
    public static List<String> paths() {
        List<String> out = new ArrayList<>();
        for (Option<?> k : ALL) {
            out.add(k.path());
        }
        return out;
    }

    /** The reference table, as {@code docs/CONFIG.md} holds it. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Model configuration reference\n\n")
                .append("<!-- Generated from io.streamgrad.learner.config.ConfigKeys; do not edit by hand. "
                        + "Regenerate: mvn -pl learner test -Dtest=ConfigDocsTest -Dstreamgrad.writeDocs=true -->\n\n")
                .append("One model's training configuration: the YAML file of `streamgrad train --config`, and each "
                        + "entry of the streaming job's `models: {<id>: {...}}` map. Unknown keys are errors (the "
                        + "message suggests the closest known key); every error names the full key path. "
                        + "Each key is declared once, as an `Option` of its family (`ModelOptions`, `LossOptions`, "
                        + "`OptimizerOptions`, `ScheduleOptions`, `TrainingOptions`); the kinds (`ModelKind`, `LossKind`, "
                        + "`OptimizerKind`, `ScheduleKind`) say which keys they use.\n\n")
                .append("```yaml\n")
                .append(EXAMPLE)
                .append("```\n\n");
        appendTable(sb, ALL);
        sb.append("\n## Checks across keys\n\n")
                .append("- `logistic` needs `binary_cross_entropy`; `softmax` needs `categorical_cross_entropy` and "
                        + "`classes >= 2`; `linear` needs `mse` or `huber`; `fm` needs `binary_cross_entropy`, "
                        + "`mse` or `huber`; an `mlp` with `categorical_cross_entropy` needs `classes >= 2`, with "
                        + "any other loss `classes: 1`.\n")
                .append("- `schedule.min_learning_rate` must be below `optimizer.learning_rate`.\n")
                .append(String.format(
                        Locale.ROOT,
                        "- Memory: the parameter vector must fit in one Java array "
                                + "(%,d floats) and parameters plus optimizer state (sgd 0, momentum/nesterov/adagrad/rmsprop "
                                + "1, adam/adamw/ftrl 2 floats per parameter) may not exceed %,d floats (2 GiB). Parameter "
                                + "counts: linear/logistic `features + 1`; softmax `(features + 1) * classes`; mlp the sum "
                                + "over layers of `(in + 1) * out`; fm `1 + features * (1 + factors)`. The check runs "
                                + "before anything is allocated.\n",
                        Defaults.MAX_ARRAY_FLOATS,
                        Defaults.MAX_STATE_FLOATS))
                .append("- YAML 1.1 reads `1e-8` (no dot) as a string; number keys accept such strings too.\n");
        sb.append("\n## Recommendation models (`model.type: mf`)\n\n")
                .append("A config whose `model.type` is `mf` is a recommendation model over interaction files "
                        + "(`user,item[,rating],timestamp`); it has its own keys, declared in `RecsOptions` "
                        + "(`io.streamgrad.learner.recs`), and none of the table above.\n\n")
                .append("```yaml\n")
                .append(RecsOptions.EXAMPLE)
                .append("```\n\n");
        appendTable(sb, RecsOptions.ALL);
        return sb.toString();
    }

    private static void appendTable(StringBuilder sb, List<Option<?>> keys) {
        sb.append("| key | type | default | allowed | meaning |\n")
                .append("|-----|------|---------|---------|---------|\n");
        for (Option<?> k : keys) {
            sb.append("| `")
                    .append(k.path())
                    .append("` | ")
                    .append(k.type().text())
                    .append(" | ")
                    .append(cell(k.defaultText()))
                    .append(" | ")
                    .append(cell(k.allowedText()))
                    .append(" | ")
                    .append(cell(k.doc()))
                    .append(" |\n");
        }
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }

    /** A complete example (every section), used in the docs and tests. */
    public static final String EXAMPLE = """
            model:
              type: mlp            # linear | logistic | softmax | mlp | fm
              features: 784       # input dimension (hash space for named features)
              classes: 10         # softmax / multi-class mlp
              hidden: [256, 128]  # mlp only
              activation: relu
              init: he            # zeros | xavier_uniform | xavier_normal | he
            loss: categorical_cross_entropy
            optimizer:
              type: adam          # sgd | momentum | nesterov | adagrad | rmsprop | adam | adamw | ftrl
              learning_rate: 0.001
              beta1: 0.9
              beta2: 0.999
              epsilon: 1.0e-8
              weight_decay: 0.0   # adamw
              momentum: 0.9       # momentum / nesterov
            schedule: {type: cosine, decay_steps: 4690}
            regularization: {l1: 0.0, l2: 0.0}
            clipping: {global_norm: 0.0}
            divergence: {max_bad_batches: 0, lr_backoff: 0.5}  # 3: roll back + halve the rate after 3 bad batches
            batch_size: 64
            shuffle: false
            seed: 1
            """;
}

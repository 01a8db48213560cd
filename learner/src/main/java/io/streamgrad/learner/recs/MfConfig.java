package io.streamgrad.learner.recs;

import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.config.ConfigSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads an {@code mf} configuration ({@link RecsOptions}); every problem names its key path. */
public final class MfConfig {
    private static final ConfigSection.Keys KEYS = new ConfigSection.Keys(
            RecsOptions.ALL, Map.of("k", "model.dim", "factors", "model.dim"), ConfigSection.Wording.STANDARD);

    private MfConfig() {}

    /** Whether a loaded YAML document is a recommendation model ({@code model.type: mf}). */
    public static boolean isRecs(Map<String, Object> doc) {
        return doc.get("model") instanceof Map<?, ?> m && "mf".equals(m.get("type"));
    }

    public static MfSpec parse(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    public static MfSpec parse(String yaml) {
        return parse(ConfigParser.loadYaml(yaml, ""));
    }

    /** @throws ConfigException listing every problem */
    public static MfSpec parse(Map<String, Object> doc) {
        List<String> problems = new ArrayList<>();
        ConfigSection root = new ConfigSection(doc, "", KEYS, problems);
        ConfigSection model = root.section("model", true);
        model.read(RecsOptions.TYPE, null);
        Integer dim = model.read(RecsOptions.DIM, RecsOptions.DIM.defaultValue());
        Double initStd = model.read(RecsOptions.INIT_STD, RecsOptions.INIT_STD.defaultValue());
        model.reportUnknown();
        String lossName = root.read(RecsOptions.LOSS, null);
        ConfigSection neg = root.section("negatives", false);
        Integer negatives = neg.read(RecsOptions.NEGATIVES_COUNT, RecsOptions.NEGATIVES_COUNT.defaultValue());
        Integer pool = neg.read(RecsOptions.NEGATIVES_POOL, RecsOptions.NEGATIVES_POOL.defaultValue());
        String sampler = neg.read(RecsOptions.NEGATIVES_SAMPLER, RecsOptions.NEGATIVES_SAMPLER.defaultValue());
        neg.reportUnknown();
        ConfigSection opt = root.section("optimizer", false);
        String optType = opt.read(RecsOptions.OPTIMIZER_TYPE, RecsOptions.OPTIMIZER_TYPE.defaultValue());
        Double lr = opt.read(RecsOptions.LEARNING_RATE, RecsOptions.LEARNING_RATE.defaultValue());
        Double b1 = opt.read(RecsOptions.BETA1, RecsOptions.BETA1.defaultValue());
        Double b2 = opt.read(RecsOptions.BETA2, RecsOptions.BETA2.defaultValue());
        Double eps = opt.read(RecsOptions.EPSILON, RecsOptions.EPSILON.defaultValue());
        Double acc = opt.read(RecsOptions.INITIAL_ACCUMULATOR, RecsOptions.INITIAL_ACCUMULATOR.defaultValue());
        Double ftrlBeta = opt.read(RecsOptions.FTRL_BETA, RecsOptions.FTRL_BETA.defaultValue());
        opt.reportUnknown();
        ConfigSection reg = root.section("regularization", false);
        Double l2 = reg.read(RecsOptions.L2, RecsOptions.L2.defaultValue());
        Double l1 = reg.read(RecsOptions.L1, RecsOptions.L1.defaultValue());
        reg.reportUnknown();
        if (l1 != null && l1 > 0 && !"ftrl".equals(optType)) {
            problems.add("regularization.l1: only optimizer.type ftrl applies an L1 penalty (exact zeros), got "
                    + optType + "; set optimizer.type: ftrl or remove regularization.l1");
        }
        ConfigSection tables = root.section("tables", false);
        Long minCount = tables.read(RecsOptions.MIN_COUNT, RecsOptions.MIN_COUNT.defaultValue());
        Long capacity = tables.read(RecsOptions.CAPACITY, RecsOptions.CAPACITY.defaultValue());
        String overflow = tables.read(RecsOptions.OVERFLOW, RecsOptions.OVERFLOW.defaultValue());
        Long expSteps = tables.read(RecsOptions.EXPIRE_AFTER_STEPS, RecsOptions.EXPIRE_AFTER_STEPS.defaultValue());
        Long expMs = tables.read(RecsOptions.EXPIRE_AFTER_MS, RecsOptions.EXPIRE_AFTER_MS.defaultValue());
        Long sweep = tables.read(RecsOptions.SWEEP_EVERY_STEPS, RecsOptions.SWEEP_EVERY_STEPS.defaultValue());
        tables.reportUnknown();
        Map<String, TableSpec> contexts = new LinkedHashMap<>();
        ConfigSection context = root.section("context", false);
        for (Object key : context.entries().keySet()) {
            String field = String.valueOf(key);
            if (!field.matches("[a-z][a-z0-9_]{0,63}") || MfSpec.RESERVED.contains(field)) {
                problems.add(context.path(field) + ": a context field is named with lower case letters, digits and _ "
                        + "(starting with a letter, at most 64) and is none of "
                        + new java.util.TreeSet<>(MfSpec.RESERVED)
                        + "; rename it (and the matching CSV column / context key)");
                continue;
            }
            ConfigSection f = context.section(field, false);
            Long cMin = f.read(RecsOptions.MIN_COUNT, or(minCount, RecsOptions.MIN_COUNT));
            Long cCap = f.read(RecsOptions.CAPACITY, or(capacity, RecsOptions.CAPACITY));
            String cOverflow = f.read(RecsOptions.OVERFLOW, or(overflow, RecsOptions.OVERFLOW));
            Long cSteps = f.read(RecsOptions.EXPIRE_AFTER_STEPS, or(expSteps, RecsOptions.EXPIRE_AFTER_STEPS));
            Long cMs = f.read(RecsOptions.EXPIRE_AFTER_MS, or(expMs, RecsOptions.EXPIRE_AFTER_MS));
            Long cSweep = f.read(RecsOptions.SWEEP_EVERY_STEPS, or(sweep, RecsOptions.SWEEP_EVERY_STEPS));
            f.reportUnknown();
            if (cMin != null && cCap != null && cOverflow != null && cSteps != null && cMs != null && cSweep != null) {
                contexts.put(field, new TableSpec(cMin, cCap, TableSpec.Overflow.of(cOverflow), cSteps, cMs, cSweep));
            }
        }
        ConfigSection eval = root.section("evaluation", false);
        Integer topK = eval.read(RecsOptions.TOP_K, RecsOptions.TOP_K.defaultValue());
        eval.reportUnknown();
        Integer batchSize = root.read(RecsOptions.BATCH_SIZE, RecsOptions.BATCH_SIZE.defaultValue());
        Long seed = root.read(RecsOptions.SEED, RecsOptions.SEED.defaultValue());
        root.reportUnknown();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        TableSpec t = new TableSpec(minCount, capacity, TableSpec.Overflow.of(overflow), expSteps, expMs, sweep);
        return new MfSpec(
                dim,
                initStd,
                MfLoss.of(lossName),
                negatives,
                pool,
                MfSpec.Sampler.of(sampler),
                l2,
                new RowOptimizer(RowOptimizer.Kind.of(optType), lr, b1, b2, eps, acc, ftrlBeta, l1),
                t,
                t,
                topK,
                batchSize,
                seed,
                contexts);
    }

    private static <T> T or(T value, io.streamgrad.learner.config.Option<T> option) {
        return value != null ? value : option.defaultValue();
    }
}

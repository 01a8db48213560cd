package io.streamgrad.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.learner.config.ConfigException;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionCsv;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfModelFile;
import io.streamgrad.learner.recs.MfSpec;
import io.streamgrad.learner.recs.Popularity;
import io.streamgrad.learner.recs.Prequential;
import io.streamgrad.learner.recs.RankingMetrics;
import io.streamgrad.learner.recs.Row;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code train} and {@code evaluate} for recommendation models ({@code model.type: mf}) on interaction files
 * (CSV {@code user,item[,rating],timestamp} in timestamp order): {@link OfflineCli} hands over when the config
 * or the saved model is one.
 */
final class RecsCli {
    private RecsCli() {}

    /** Whether {@code configFile} declares {@code model.type: mf}. */
    static boolean isRecsConfig(Path configFile) throws IOException {
        String yaml = Files.readString(configFile, StandardCharsets.UTF_8);
        try {
            return MfConfig.isRecs(ConfigParser.loadYaml(yaml, ""));
        } catch (ConfigException e) {
            return false; // the regular parser reports it
        }
    }

    static int train(Path configFile, Path data, Path save, int passes, PrintStream out) throws IOException {
        String yaml = Files.readString(configFile, StandardCharsets.UTF_8);
        MfSpec spec;
        try {
            spec = MfConfig.parse(yaml);
        } catch (ConfigException e) {
            throw new ConfigException(
                    e.problems().stream().map(p -> configFile + ": " + p).toList());
        }
        List<Interaction> interactions = InteractionCsv.read(data, spec.contextFields());
        out.println("read " + interactions.size() + " interactions from " + data
                + (spec.contexts().isEmpty() ? "" : " (context " + String.join(", ", spec.contextFields()) + ")"));
        MfModel model = new MfModel(spec);
        long removedUsers = 0;
        long removedItems = 0;
        for (int p = 1; p <= passes; p++) {
            Prequential pass = new Prequential(model);
            pass.run(interactions);
            removedUsers += pass.removedUsers().size();
            removedItems += pass.removedItems().size();
            out.println(
                    "pass " + p + "/" + passes + ": mf " + format(pass.model().snapshot()) + " | popularity "
                            + format(pass.baseline().snapshot()) + " (prequential)");
        }
        MfModelFile.save(save, yaml, model);
        out.println("saved " + save + " (mf, step " + model.global().step() + ", "
                + model.global().userRows()
                + " user rows, " + model.global().itemRows() + " item rows" + contextRows(model)
                + "; expired or evicted: " + removedUsers
                + " users, " + removedItems + " items)");
        return OfflineCli.OK;
    }

    private static String contextRows(MfModel model) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < model.contexts().size(); c++) {
            sb.append(", ")
                    .append(model.global().contextRows(c))
                    .append(' ')
                    .append(model.contexts().get(c).name())
                    .append(" rows");
        }
        return sb.toString();
    }

    /** The saved model, fixed, on a file; the baseline ranks items by their interaction counts in training. */
    static int evaluate(Path modelFile, Path data, boolean json, PrintStream out) throws IOException {
        MfModel model = MfModelFile.load(modelFile).model();
        List<Interaction> interactions = InteractionCsv.read(data, model.spec().contextFields());
        int k = model.spec().topK();
        RankingMetrics mf = new RankingMetrics(k);
        RankingMetrics popular = new RankingMetrics(k);
        Popularity popularity = new Popularity();
        List<Map.Entry<String, Row>> items = new ArrayList<>();
        model.items().store().entries().forEach(items::add);
        items.sort(Map.Entry.comparingByKey());
        for (Map.Entry<String, Row> e : items) {
            popularity.addCount(e.getKey(), e.getValue().count());
        }
        List<String> top = popularity.topK(k);
        for (Interaction x : interactions) {
            if (model.spec().loss().implicit()) {
                List<String> ids = new ArrayList<>();
                for (MfModel.Scored s : model.topK(x.user(), x.context(), k)) {
                    ids.add(s.item());
                }
                mf.addRanking(ids, x.item());
                popular.addRanking(top, x.item());
            }
            if (x.hasRating()) {
                mf.addRating(model.score(x), x.rating());
            }
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", modelFile.toString());
            o.put("data", data.toString());
            o.put("mf", mf.snapshot());
            o.put("popularity", popular.snapshot());
            try {
                out.println(new ObjectMapper().writeValueAsString(o));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.println("mf " + format(mf.snapshot()) + " | popularity " + format(popular.snapshot()));
        }
        return OfflineCli.OK;
    }

    private static String format(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e.getKey()).append('=');
            sb.append(
                    e.getKey().equals("examples")
                            ? String.valueOf(e.getValue().longValue())
                            : String.format(Locale.ROOT, "%.4f", e.getValue()));
        }
        return sb.toString();
    }
}

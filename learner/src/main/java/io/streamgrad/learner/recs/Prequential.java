package io.streamgrad.learner.recs;

import java.util.ArrayList;
import java.util.List;

/**
 * Trains an {@code mf} model on interactions in order, measuring it prequentially: before each batch is trained,
 * every interaction in it is scored with the model as it stands (the score, and the exact top-K for its user),
 * beside the popularity baseline, which also sees each interaction only after scoring it. The offline trainer
 * and the streaming job both go through this, so their metrics are the same numbers.
 */
public final class Prequential {
    private final MfModel model;
    private final Popularity popularity = new Popularity();
    private final RankingMetrics modelMetrics;
    private final RankingMetrics baselineMetrics;
    private final List<String> removedUsers = new ArrayList<>();
    private final List<String> removedItems = new ArrayList<>();

    public Prequential(MfModel model) {
        this.model = model;
        this.modelMetrics = new RankingMetrics(model.spec().topK());
        this.baselineMetrics = new RankingMetrics(model.spec().topK());
    }

    /** Scores then trains one batch. */
    public MfModel.StepResult step(List<Interaction> batch) {
        int k = model.spec().topK();
        boolean ranking = model.spec().loss().implicit();
        measure(model, batch, modelMetrics);
        List<String> popular = ranking ? popularity.topK(k) : List.of();
        for (Interaction x : batch) {
            if (ranking) {
                baselineMetrics.addRanking(popular, x.item());
            }
            if (x.hasRating()) {
                baselineMetrics.addRating(popularity.meanRating(), x.rating());
            }
        }
        for (Interaction x : batch) {
            popularity.add(x);
        }
        MfModel.StepResult r = model.train(batch);
        removedUsers.addAll(r.removedUsers());
        removedItems.addAll(r.removedItems());
        return r;
    }

    /**
     * Scores every interaction of {@code batch} with {@code model} as it stands (before training on the batch) into
     * {@code metrics}: the exact top-K for its user under its context against the item it chose (implicit losses), and the score
     * against its rating (when it has one). The one definition of the model's prequential metrics: the offline
     * trainer ({@link #step}) and the streaming job both call it.
     */
    public static void measure(MfModel model, List<Interaction> batch, RankingMetrics metrics) {
        int k = model.spec().topK();
        boolean ranking = model.spec().loss().implicit();
        List<List<MfModel.Scored>> tops = List.of();
        if (ranking) { // one scan of the item table for the whole batch
            List<MfModel.Query> queries = new ArrayList<>(batch.size());
            for (Interaction x : batch) {
                queries.add(new MfModel.Query(x.user(), x.context()));
            }
            tops = model.topK(queries, k);
        }
        for (int n = 0; n < batch.size(); n++) {
            Interaction x = batch.get(n);
            if (ranking) {
                List<String> ids = new ArrayList<>(k);
                for (MfModel.Scored s : tops.get(n)) {
                    ids.add(s.item());
                }
                metrics.addRanking(ids, x.item());
            }
            if (x.hasRating()) {
                metrics.addRating(model.score(x), x.rating());
            }
        }
    }

    /** Runs the whole list in batches of {@code batch_size}. */
    public void run(List<Interaction> interactions) {
        int b = model.spec().batchSize();
        for (int from = 0; from < interactions.size(); from += b) {
            step(interactions.subList(from, Math.min(interactions.size(), from + b)));
        }
    }

    public MfModel mfModel() {
        return model;
    }

    public RankingMetrics model() {
        return modelMetrics;
    }

    public RankingMetrics baseline() {
        return baselineMetrics;
    }

    public List<String> removedUsers() {
        return removedUsers;
    }

    public List<String> removedItems() {
        return removedItems;
    }
}

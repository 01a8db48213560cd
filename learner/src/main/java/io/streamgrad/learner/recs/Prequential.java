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
        for (Interaction x : batch) {
            if (ranking) {
                List<MfModel.Scored> top = model.topK(x.user(), x.context(), k);
                List<String> ids = new ArrayList<>(top.size());
                for (MfModel.Scored s : top) {
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

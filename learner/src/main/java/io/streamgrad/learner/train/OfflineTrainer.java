package io.streamgrad.learner.train;

import io.streamgrad.learner.config.TrainingOptions;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.metrics.PrequentialMetrics;
import io.streamgrad.learner.util.Rng;

/**
 * Passes over an in-memory {@link Dataset}: the offline training loop of {@code streamgrad train}. Each pass
 * cuts the examples into batches of {@code batch_size} (the last one may be smaller) in file order, or — with
 * {@code shuffle: true} — in a fresh Fisher–Yates permutation drawn from the model's own RNG, whose position is
 * written back into the {@link ModelState} (so a saved model continues the same sequence). Each batch goes
 * through {@link Trainer#train}; its predictions, made before the update, feed the prequential metrics.
 *
 * <p>With the divergence rollback policy on ({@code divergence.max_bad_batches > 0}) the model is marked good
 * ({@link Trainer#markGood}) after every {@code markGoodEvery} applied updates in a row, and at the end of a pass
 * when no batch was rejected since the last mark. A rejection restarts the count: offline, the readers refuse
 * non-finite input, so a rejected batch means the model itself is unstable, and a state reached after one is
 * not trusted until it has trained cleanly for a while (otherwise a finite but diverging state could be marked).
 *
 * <p>With {@code shuffle: false} a run is a pure function of the config and the data: the same bytes every time.
 * Not thread-safe (it owns a {@link Trainer}).
 */
public final class OfflineTrainer {
    private final Trainer trainer;
    private final long markGoodEvery;

    /** Marks the model good after {@link TrainingOptions#OFFLINE_MARK_GOOD_EVERY} clean updates (policy on only). */
    public OfflineTrainer(TrainerConfig config) {
        this(config, TrainingOptions.OFFLINE_MARK_GOOD_EVERY);
    }

    /**
     * @param markGoodEvery applied updates in a row between two marks of the last-good state, >= 1 (used only
     *                      with the rollback policy on)
     */
    public OfflineTrainer(TrainerConfig config, long markGoodEvery) {
        if (markGoodEvery < 1) {
            throw new IllegalArgumentException("markGoodEvery must be >= 1, got " + markGoodEvery);
        }
        this.trainer = new Trainer(config);
        this.markGoodEvery = markGoodEvery;
    }

    public Trainer trainer() {
        return trainer;
    }

    public TrainerConfig config() {
        return trainer.config();
    }

    /** A fresh state (see {@link Trainer#initState()}). */
    public ModelState initState() {
        return trainer.initState();
    }

    /**
     * One pass over {@code data}, updating {@code state} in place. Only applied batches are added to
     * {@code metrics}; rejected ones (non-finite loss, gradient or update) are counted in the result, and so are
     * rollbacks of the divergence policy.
     */
    public PassResult pass(ModelState state, Dataset data, PrequentialMetrics metrics) {
        if (data.dim() != trainer.config().model().features()) {
            throw new IllegalArgumentException("data has " + data.dim() + " features, model.features is "
                    + trainer.config().model().features());
        }
        int n = data.size();
        int[] order = null;
        if (trainer.config().shuffle()) {
            Rng rng = new Rng(state.rngState());
            order = Dataset.shuffledOrder(n, rng);
            state.setRngState(rng.state());
        }
        int batchSize = trainer.config().batchSize();
        long batches = 0;
        long applied = 0;
        long rollbacks = 0;
        long sinceMark = 0; // applied updates since the last mark or the last rejection
        boolean clean = true; // no rejection since the last mark (or the start of the pass)
        String firstReject = null;
        double gradientNormSum = 0;
        Batch batch = null;
        for (int from = 0; from < n; from += batchSize) {
            int to = (int) Math.min((long) from + batchSize, n);
            batch = data.batch(order, from, to, batch); // the previous batch's arrays: nothing keeps them
            StepResult r = trainer.train(state, batch);
            batches++;
            if (r.applied()) {
                applied++;
                gradientNormSum += r.gradientNorm();
                metrics.add(r.predictions(), batch.labels(), batch.weights(), batch.size(), r.loss());
                if (++sinceMark >= markGoodEvery && trainer.markGood(state)) {
                    sinceMark = 0;
                    clean = true;
                }
            } else {
                if (firstReject == null) {
                    firstReject = r.rejectReason();
                }
                if (r.rolledBack()) {
                    rollbacks++;
                }
                sinceMark = 0;
                clean = false;
            }
        }
        if (clean) {
            trainer.markGood(state);
        }
        return new PassResult(
                n,
                batches,
                applied,
                batches - applied,
                firstReject,
                applied == 0 ? Double.NaN : gradientNormSum / applied,
                rollbacks,
                state.lrScale());
    }

    /**
     * What one pass did.
     *
     * @param examples         examples in the data
     * @param batches          batches formed
     * @param applied          batches whose update was applied
     * @param rejected         batches rejected (the model was left unchanged for them)
     * @param firstRejectReason the reason of the first rejection, or null
     * @param meanGradientNorm mean gradient norm of the applied batches
     * @param rollbacks        rollbacks of the divergence policy during the pass
     * @param lrScale          the model's learning-rate scale after the pass
     */
    public record PassResult(
            long examples,
            long batches,
            long applied,
            long rejected,
            String firstRejectReason,
            double meanGradientNorm,
            long rollbacks,
            double lrScale) {}
}

package io.streamgrad.bench;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.List;

/**
 * streamgrad's own training step as the benchmarks time it: {@link Trainer#train} on a cycle of prebuilt batches,
 * with the model state the caller owns, exactly as the Flink operator calls it per mini-batch (prediction, loss,
 * gradient, regularisation, clipping, non-finite guard and optimizer step all included).
 */
public final class TrainLoop {
    private final Trainer trainer;
    private final ModelState state;
    private final List<Batch> batches;
    private int next;

    public TrainLoop(TrainerConfig config, List<Batch> batches) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("need at least one batch");
        }
        this.trainer = new Trainer(config);
        this.state = trainer.initState();
        this.batches = batches;
    }

    public Trainer trainer() {
        return trainer;
    }

    public ModelState state() {
        return state;
    }

    public int batchSize() {
        return batches.get(0).size();
    }

    /** Trains on the next batch of the cycle; returns the batch loss so the work stays observable. */
    public double step() {
        Batch b = batches.get(next);
        next = next + 1 == batches.size() ? 0 : next + 1;
        StepResult r = trainer.train(state, b);
        return r.loss();
    }
}

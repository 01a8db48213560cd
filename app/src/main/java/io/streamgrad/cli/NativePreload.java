package io.streamgrad.cli;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.model.ModelKind;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.Collection;
import java.util.List;

/**
 * Loads the learner's native backend (ND4J and OpenBLAS, which the MLP uses) on a background thread while a
 * command's broker and Flink MiniCluster start, instead of on the trainer task's first MLP step: one training step
 * of a throwaway copy of each MLP model on a one-example batch of zeros. The job's own models are untouched (their
 * state is created by the job's trainer, from its seed, as always).
 *
 * <p>Loading ND4J takes seconds (unpacked natives, backend discovery, op
 * registry); started at JVM start it overlaps the broker's start, which does not use both cores all the time.
 * Commands whose models are not MLPs load nothing.
 */
public final class NativePreload {
    private NativePreload() {}

    /** Starts the preload of the MLP models among {@code configs} on a daemon thread; returns at once. */
    public static void startInBackground(Collection<TrainerConfig> configs) {
        List<TrainerConfig> mlps =
                configs.stream().filter(c -> c.model().type() == ModelKind.MLP).toList();
        if (mlps.isEmpty()) {
            return;
        }
        Thread t = new Thread(
                () -> {
                    for (TrainerConfig c : mlps) {
                        try {
                            step(c);
                        } catch (RuntimeException | LinkageError e) {
                            // Not fatal here: the trainer's first step loads the backend again and reports what fails.
                            return;
                        }
                    }
                },
                "native-preload");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void step(TrainerConfig config) {
        Trainer trainer = new Trainer(config);
        int dim = config.model().features();
        trainer.train(trainer.initState(), Batch.dense(1, dim, new float[dim], new float[1], new float[] {1f}));
    }
}

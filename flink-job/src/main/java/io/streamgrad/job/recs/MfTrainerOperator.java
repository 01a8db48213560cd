package io.streamgrad.job.recs;

import io.streamgrad.avro.TrainingMetrics;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * The operator of {@link MfTrainer} (uid {@code mf-trainer}): Flink's {@link KeyedProcessOperator} that also writes
 * what the trainer holds in memory only (dirty cached rows, {@code recs.cached_rows}; changed-ids marks; the partial
 * batch; the model's global part and progress) to the keyed state before every checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier}, which runs in the task thread before the state is snapshotted, so it may set
 * the current key and write keyed state) and when the input ends ({@link #finish}). The checkpoint therefore holds
 * every row as trained so far; the caches themselves are never checkpointed and start empty after a restore.
 */
public final class MfTrainerOperator extends KeyedProcessOperator<String, InteractionRecord, TrainingMetrics> {
    private static final long serialVersionUID = 1L;

    private final MfTrainer trainer;

    public MfTrainerOperator(MfTrainer trainer) {
        super(trainer);
        trainer.enableWriteBack();
        this.trainer = trainer;
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        trainer.flush(this::setCurrentKey);
    }

    @Override
    public void finish() throws Exception {
        trainer.flush(this::setCurrentKey);
        super.finish();
    }

    /** The rows the trainer holds decoded for {@code modelId} now (tests). */
    int cachedRows(String modelId) {
        return trainer.cachedRows(modelId);
    }
}

package io.streamgrad.job.batch;

/**
 * The admission bookkeeping of one id not listed under {@code models:} (keyed state {@code templateModel} of the
 * mini-batcher; absent for listed ids and for ids never seen or forgotten). A Flink POJO: its fields are part of the
 * savepoint format.
 */
public class TemplateModelState {
    /** When the model was created (processing time, ms); 0 while the id is pending admission. */
    public long admittedAtMs;
    /** Examples seen while pending (at most {@code min_examples}). */
    public int pendingExamples;
    /** Processing time of the id's latest example (ms). */
    public long lastSeenMs;
    /** The processing-time timer that checks for idleness (ms). */
    public long idleTimerAtMs;

    public TemplateModelState() {}

    public boolean admitted() {
        return admittedAtMs > 0;
    }
}

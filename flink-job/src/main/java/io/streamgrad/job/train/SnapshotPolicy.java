package io.streamgrad.job.train;

/**
 * When a model publishes a snapshot, without Flink: every {@code everySteps} updates and/or every
 * {@code everySeconds} of processing time (once there is a new step to publish), and once more when a bounded input
 * ends. The time is passed in; the policy's state is the model's {@link TrainerProgress} (last snapshot step and
 * time, the pending timer), which {@link #published} and the decisions update.
 *
 * <p>A time-based snapshot that is not due yet asks for one processing-time timer at its due time; when the timer
 * fires after a step-triggered snapshot came in between, the snapshot waits a full period after that one.
 *
 * <p>Serializable: it holds only its two periods and travels with the operator in the job graph.
 */
final class SnapshotPolicy implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** What to do now: nothing, publish a snapshot, or set a processing-time timer at {@link #timerAt}. */
    record Decision(boolean snapshotNow, long timerAt) {
        static final Decision NONE = new Decision(false, 0);
        static final Decision SNAPSHOT = new Decision(true, 0);

        static Decision timer(long at) {
            return new Decision(false, at);
        }

        boolean setTimer() {
            return timerAt != 0;
        }
    }

    private final long everySteps;
    private final long everySeconds;
    private final long firstAfterMs;

    /** @param everySteps 0 for none; @param everySeconds 0 for none */
    SnapshotPolicy(long everySteps, long everySeconds) {
        this(everySteps, everySeconds, 0);
    }

    /**
     * @param firstAfterMs with {@code everySeconds > 0}: a model that has never published is due this long after its
     *                     first batch (the time its progress was created) instead of a full period; 0: a full period
     */
    SnapshotPolicy(long everySteps, long everySeconds, long firstAfterMs) {
        if (everySteps < 0 || everySeconds < 0 || firstAfterMs < 0) {
            throw new IllegalArgumentException("snapshot periods must be >= 0 (0: none), got every " + everySteps
                    + " steps and every " + everySeconds + " seconds");
        }
        this.everySteps = everySteps;
        this.everySeconds = everySeconds;
        this.firstAfterMs = firstAfterMs;
    }

    /** After a trained (or rejected) batch, at {@code nowMs}. */
    Decision afterBatch(TrainerProgress p, long nowMs) {
        if (everySteps > 0 && p.step - p.lastSnapshotStep >= everySteps) {
            return Decision.SNAPSHOT;
        }
        if (everySeconds > 0 && p.step > p.lastSnapshotStep) {
            // One pending timer at a time: a timer already set fires at or before the due time and decides again.
            return dueOrTimer(p, nowMs, p.snapshotTimerAt == 0);
        }
        return Decision.NONE;
    }

    /**
     * When the processing-time timer at {@code timestamp} fires, at {@code nowMs}; a timer other than the pending
     * one (a stale one) does nothing.
     */
    Decision onTimer(TrainerProgress p, long timestamp, long nowMs) {
        if (timestamp != p.snapshotTimerAt) {
            return Decision.NONE;
        }
        p.snapshotTimerAt = 0;
        // Not due yet: a step-triggered snapshot came in between; wait a full period after it.
        return p.step > p.lastSnapshotStep ? dueOrTimer(p, nowMs, true) : Decision.NONE;
    }

    /** At the end of a bounded input: whether there is something not published yet (or nothing ever was). */
    boolean atEndOfInput(TrainerProgress p) {
        return p.step > p.lastSnapshotStep || p.snapshotVersion == 0;
    }

    /** Records a snapshot published at {@code nowMs}; returns its version (strictly increasing per model). */
    long published(TrainerProgress p, long nowMs) {
        p.snapshotVersion++;
        p.lastSnapshotStep = p.step;
        p.lastSnapshotAtMs = nowMs;
        return p.snapshotVersion;
    }

    private Decision dueOrTimer(TrainerProgress p, long nowMs, boolean setTimer) {
        long period = everySeconds * 1000;
        if (p.snapshotVersion == 0 && firstAfterMs > 0) {
            period = Math.min(period, firstAfterMs); // a new model shows up soon, not a full period later
        }
        long due = p.lastSnapshotAtMs + period;
        if (nowMs >= due) {
            return Decision.SNAPSHOT;
        }
        if (!setTimer) {
            return Decision.NONE;
        }
        p.snapshotTimerAt = due;
        return Decision.timer(due);
    }
}

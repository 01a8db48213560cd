package io.streamgrad.job.reliability;

import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ProducerBatch;
import io.streamgrad.job.records.TrainingExample;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * A pass-through operator that throws once when the example (or producer batch) read from {@code partition@offset}
 * reaches it, so the job fails in the middle of a stream and Flink restores it from its last completed checkpoint.
 * "Once" survives the restart because the record of firing is static (the MiniCluster runs in this JVM): the
 * replayed record passes the second time.
 *
 * <p>It also records when the first record reached it again after the failure, which measures the recovery time
 * (restart delay, redeploy, state restore, source reconnect).
 */
final class FailOnceAt implements MapFunction<BatcherInput, BatcherInput> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Long> FIRED_AT = new ConcurrentHashMap<>();
    private static final Map<String, Long> RESUMED_AT = new ConcurrentHashMap<>();

    private final String runId;
    private final int partition;
    private final long offset;

    FailOnceAt(String runId, int partition, long offset) {
        this.runId = runId;
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public BatcherInput map(BatcherInput e) {
        String topic;
        int p;
        long o;
        if (e instanceof TrainingExample t) {
            topic = t.topic;
            p = t.partition;
            o = t.offset;
        } else {
            ProducerBatch b = (ProducerBatch) e;
            topic = b.topic();
            p = b.partition();
            o = b.offset();
        }
        if (FIRED_AT.containsKey(runId)) {
            RESUMED_AT.putIfAbsent(runId, System.nanoTime());
        } else if (p == partition && o == offset && FIRED_AT.putIfAbsent(runId, System.nanoTime()) == null) {
            throw new InjectedFailure("injected failure (" + runId + ") at " + topic + "-" + partition + "@" + offset);
        }
        return e;
    }

    static boolean fired(String runId) {
        return FIRED_AT.containsKey(runId);
    }

    /** Nanoseconds from the failure to the first record processed after the restore, or -1. */
    static long recoveryNanos(String runId) {
        Long f = FIRED_AT.get(runId);
        Long r = RESUMED_AT.get(runId);
        return f == null || r == null ? -1 : r - f;
    }

    /** The exception the injector throws: recognisable in a job's failure history. */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}

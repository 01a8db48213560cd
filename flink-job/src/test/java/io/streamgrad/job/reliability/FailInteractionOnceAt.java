package io.streamgrad.job.reliability;

import io.streamgrad.job.recs.InteractionRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * {@link FailOnceAt} for the interactions of the mf models: throws once when the interaction read from
 * {@code partition@offset} reaches it (the record of firing is static, so the replayed record passes).
 */
final class FailInteractionOnceAt implements MapFunction<InteractionRecord, InteractionRecord> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Long> FIRED_AT = new ConcurrentHashMap<>();

    private final String runId;
    private final int partition;
    private final long offset;

    FailInteractionOnceAt(String runId, int partition, long offset) {
        this.runId = runId;
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public InteractionRecord map(InteractionRecord r) {
        if (r.partition == partition && r.offset == offset && FIRED_AT.putIfAbsent(runId, System.nanoTime()) == null) {
            throw new FailOnceAt.InjectedFailure("injected failure (" + runId + ") at " + r.coordinates());
        }
        return r;
    }

    static boolean fired(String runId) {
        return FIRED_AT.containsKey(runId);
    }
}

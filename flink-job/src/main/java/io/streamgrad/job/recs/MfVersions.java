package io.streamgrad.job.recs;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.job.BuildInfo;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import io.streamgrad.learner.recs.RankingMetrics;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.OutputTag;

/**
 * When an mf model publishes a version and what it holds. A version is due every {@code snapshot.every_steps} steps
 * or {@code snapshot.every_seconds} of processing time since the last one (checked after each batch and by a timer,
 * {@link #nextDueAt}; and at the end of a bounded input), and for an idle model whose newest version is a DELTA
 * {@code deltas.full_every_seconds} after its last FULL one; it is
 * FULL (every admitted row, {@link MfPublication#full}) when it is the model's first, when
 * {@code deltas.full_every_versions} versions have passed since the last full one, or when that one is
 * {@code deltas.full_every_seconds} old; otherwise a DELTA ({@link MfPublication#delta}) of the rows written since
 * the previous version, with tombstones for rows deleted by expiry or overflow. The changed and deleted ids are kept
 * in keyed state ({@code mfChangedUsers}, {@code mfChangedItems}, {@code mfChangedContexts}) until the version is published, so they survive a
 * restore; a restore also replays the versions after the checkpoint, and the transactional sink commits each once.
 * Every part of a version goes to {@link #VERSIONS}, in part order.
 */
final class MfVersions {
    static final OutputTag<RecsVersion> VERSIONS =
            new OutputTag<>("recs-versions", new AvroTypeInfo<>(RecsVersion.class));

    /**
     * @param everySteps        a version after this many steps since the last one (0: not by steps)
     * @param everySeconds      ... or this much processing time (0: not by time)
     * @param fullEveryVersions a FULL version after this many versions since the last full one (0: not by versions)
     * @param fullEverySeconds  ... or when the last full one is this old
     * @param rowsPerPart       rows (and tombstones) per record
     */
    record Policy(long everySteps, long everySeconds, long fullEveryVersions, long fullEverySeconds, int rowsPerPart)
            implements Serializable {}

    private final RecsModels models;
    private final Policy policy;

    MfVersions(RecsModels models, Policy policy) {
        this.models = models;
        this.policy = policy;
    }

    boolean due(MfModel model, MfProgress p, long nowMs) {
        long steps = model.global().step() - p.lastVersionStep;
        if (steps <= 0) {
            return false;
        }
        if (policy.everySteps() > 0 && steps >= policy.everySteps()) {
            return true;
        }
        if (policy.everySeconds() > 0) {
            if (p.lastVersionAtMs < 0) {
                p.lastVersionAtMs = nowMs; // the period starts at the first trained batch
                return false;
            }
            return nowMs - p.lastVersionAtMs >= policy.everySeconds() * 1000;
        }
        return false;
    }

    /**
     * When the next version falls due by time if no batch comes first (a processing-time timer to set), or 0 when
     * none does: trained steps wait at most {@code snapshot.every_seconds} (not only until the next batch), and a
     * model whose newest version is a DELTA gets a FULL one {@code deltas.full_every_seconds} after its last FULL one
     * even when idle, so a new reader never needs deltas older than that (the updates topic deletes them).
     */
    long nextDueAt(MfModel model, MfProgress p) {
        long at = 0;
        if (policy.everySeconds() > 0 && model.global().step() > p.lastVersionStep && p.lastVersionAtMs >= 0) {
            at = p.lastVersionAtMs + policy.everySeconds() * 1000;
        }
        if (p.version > p.fullVersion) {
            long full = p.lastFullAtMs + policy.fullEverySeconds() * 1000;
            at = at == 0 ? full : Math.min(at, full);
        }
        return at;
    }

    /**
     * At a processing-time timer: whether a version is due now although no batch came, by {@link #due}'s time rule
     * for trained steps, or as a FULL version of an idle model whose newest version is a DELTA.
     */
    boolean dueByTime(MfModel model, MfProgress p, long nowMs) {
        if (model.global().step() > p.lastVersionStep) {
            return policy.everySeconds() > 0
                    && p.lastVersionAtMs >= 0
                    && nowMs - p.lastVersionAtMs >= policy.everySeconds() * 1000;
        }
        return p.version > p.fullVersion && nowMs - p.lastFullAtMs >= policy.fullEverySeconds() * 1000;
    }

    private boolean fullDue(MfProgress p, long nowMs) {
        return p.version == 0
                || policy.fullEveryVersions() > 0 && p.versionsSinceFull >= policy.fullEveryVersions()
                || nowMs - p.lastFullAtMs >= policy.fullEverySeconds() * 1000;
    }

    /** Publishes the model's next version to {@link #VERSIONS} and clears the changed ids. */
    void publish(
            String modelId,
            MfModel model,
            MfProgress p,
            ChangedMarks changedUsers,
            ChangedMarks changedItems,
            ChangedMarks changedContexts,
            long nowMs,
            KeyedProcessFunction<String, InteractionRecord, ?>.Context ctx)
            throws Exception {
        boolean full = fullDue(p, nowMs);
        long version = p.version + 1;
        List<MfPublication.Part> parts;
        if (full) {
            parts = MfPublication.full(model, policy.rowsPerPart());
        } else {
            // ids in mark order; MfPublication.delta sorts them
            Map<String, List<String>> changed = new LinkedHashMap<>();
            Map<String, List<String>> removed = new LinkedHashMap<>();
            collect(MfModel.USERS, changedUsers, changed, removed);
            collect(MfModel.ITEMS, changedItems, changed, removed);
            if (!model.contexts().isEmpty()) {
                collectContexts(changedContexts, changed, removed);
            }
            parts = MfPublication.delta(model, changed, removed, policy.rowsPerPart());
        }
        Map<String, Long> offsets = new LinkedHashMap<>();
        p.nextOffsets.forEach((partition, next) -> offsets.put(models.interactionsTopic() + "-" + partition, next));
        Map<String, Double> metrics = new LinkedHashMap<>();
        RankingMetrics window = RankingMetrics.of(model.spec().topK(), p.windowSums);
        window.snapshot().forEach(metrics::put);
        for (RecsVersion r : RecsVersionRecords.of(
                modelId,
                version,
                full ? version : p.fullVersion,
                model.global().step(),
                p.examplesSeen,
                nowMs,
                models.yaml().get(modelId),
                parts,
                metrics,
                offsets,
                BuildInfo.version())) {
            ctx.output(VERSIONS, r);
        }
        changedUsers.clear();
        changedItems.clear();
        if (!model.contexts().isEmpty()) {
            changedContexts.clear();
        }
        p.version = version;
        p.lastVersionStep = model.global().step();
        p.lastVersionAtMs = nowMs;
        if (full) {
            p.fullVersion = version;
            p.lastFullAtMs = nowMs;
            p.versionsSinceFull = 0;
        } else {
            p.versionsSinceFull++;
        }
    }

    /** The context tables' changed ids, keyed {@code field/id} in one map, split by field. */
    private static void collectContexts(
            ChangedMarks marks, Map<String, List<String>> changed, Map<String, List<String>> removed) throws Exception {
        marks.forEach((key, deleted) -> {
            int slash = key.indexOf('/');
            String field = key.substring(0, slash);
            String id = key.substring(slash + 1);
            changed.computeIfAbsent(field, k -> new ArrayList<>()).add(id);
            if (deleted) {
                removed.computeIfAbsent(field, k -> new ArrayList<>()).add(id);
            }
        });
    }

    private static void collect(
            String table, ChangedMarks marks, Map<String, List<String>> changed, Map<String, List<String>> removed)
            throws Exception {
        List<String> c = new ArrayList<>();
        List<String> r = new ArrayList<>();
        marks.forEach((id, deleted) -> {
            c.add(id); // delta() keeps those with an admitted row now
            if (deleted) {
                r.add(id);
            }
        });
        changed.put(table, c);
        removed.put(table, r);
    }
}

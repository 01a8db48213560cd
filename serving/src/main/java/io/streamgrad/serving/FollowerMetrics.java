package io.streamgrad.serving;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A point-in-time view of a {@link ModelFollower}, for the caller to export (Prometheus, JMX, logs). Immutable.
 *
 * @param ready           every followed model has a servable version (when following all models: the first read
 *                        of the topic reached its end and at least one model has a version)
 * @param bootstrapped    the first read of the models topic reached the end offsets it saw at start, and then
 *                        the first read of the updates topic (if followed) reached its end offsets
 * @param offsetsBehind   the topic end (last stable offset, read_committed) minus the consumed position, summed
 *                        over the partitions of the models topic and the updates topic: 0 when caught up. Offsets, not versions: transaction markers
 *                        take offsets too, so it is an upper bound on the versions not yet read. -1 before the
 *                        first fetch.
 * @param updatesOffsetsBehind the part of {@code offsetsBehind} on the updates topic (0 when none is followed)
 * @param skippedRecords  records on the topics that could not be used (corrupt, or a snapshot whose state does not
 *                        fit its config); each was logged with its topic, partition and offset
 * @param lastError       the latest such problem (or a consumer error), with its place; null when none
 * @param models          per followed dense/sparse model that has been seen on the models topic
 * @param recsModels      per followed recommendation ({@code mf}) model seen on the updates topic, in the same form:
 *                        {@code bufferedDeltas} counts the versions read but not applied yet (incomplete, or
 *                        waiting for a missing version), apply times are the build of a FULL version or the
 *                        copy-on-write apply of a DELTA
 */
public record FollowerMetrics(
        boolean ready,
        boolean bootstrapped,
        long offsetsBehind,
        long updatesOffsetsBehind,
        long skippedRecords,
        String lastError,
        Map<String, ModelMetrics> models,
        Map<String, ModelMetrics> recsModels) {

    public FollowerMetrics {
        models = Map.copyOf(models);
        recsModels = Map.copyOf(recsModels);
    }

    /**
     * One model.
     *
     * @param modelId             the model
     * @param version             the live (servable) version, 0 when none yet
     * @param newestVersion       the newest version read from either topic (greater than {@code version} while
     *                            pinned or rolled back, or while deltas wait for a missing version)
     * @param pinnedVersion       the version pinned (by configuration, {@code pin} or {@code rollback}), if any
     * @param createdAt           when the live version was published, null when none
     * @param stalenessSeconds    seconds from the live version's {@code created_at} to now (the follower's clock);
     *                            NaN when none
     * @param versionsApplied     versions made live so far (new versions, pins and rollbacks)
     * @param lastApplyNanos      time to make the last version live: decode the snapshot, parse its config, build
     *                            the servable view, swap it in
     * @param maxApplyNanos       the longest such time so far
     * @param retainedVersions    versions kept (built; blocked ones share unchanged blocks) for pin and rollback,
     *                            oldest first
     * @param fullVersions        versions made from a full snapshot (models topic)
     * @param deltaVersions       versions made by applying a delta (updates topic) to the version before
     * @param lastDeltaApplyNanos time to apply the last delta (copy-on-write of its blocks)
     * @param maxDeltaApplyNanos  the longest such time so far
     * @param bufferedDeltas      deltas waiting for a missing version before them
     * @param missingVersion      the version they wait for, 0 when none is missing
     */
    public record ModelMetrics(
            String modelId,
            long version,
            long newestVersion,
            OptionalLong pinnedVersion,
            Instant createdAt,
            double stalenessSeconds,
            long versionsApplied,
            long lastApplyNanos,
            long maxApplyNanos,
            List<Long> retainedVersions,
            long fullVersions,
            long deltaVersions,
            long lastDeltaApplyNanos,
            long maxDeltaApplyNanos,
            int bufferedDeltas,
            long missingVersion) {

        public ModelMetrics {
            retainedVersions = List.copyOf(retainedVersions);
        }

        /** Versions between the live one and the newest read (0 when following the latest and caught up). */
        public long versionsBehindNewest() {
            return Math.max(0, newestVersion - version);
        }
    }
}

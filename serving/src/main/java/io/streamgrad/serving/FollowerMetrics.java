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
 * @param bootstrapped    the first read of the models topic reached the end offsets it saw at start
 * @param offsetsBehind   the topic end (last stable offset, read_committed) minus the consumed position, summed
 *                        over the topic's partitions: 0 when caught up. Offsets, not versions: transaction markers
 *                        take offsets too, so it is an upper bound on the versions not yet read. -1 before the
 *                        first fetch.
 * @param skippedRecords  records on the topic that could not be used (corrupt, or a snapshot whose state does not
 *                        fit its config); each was logged with its topic, partition and offset
 * @param lastError       the latest such problem (or a consumer error), with its place; null when none
 * @param models          per followed model that has been seen on the topic
 */
public record FollowerMetrics(
        boolean ready,
        boolean bootstrapped,
        long offsetsBehind,
        long skippedRecords,
        String lastError,
        Map<String, ModelMetrics> models) {

    public FollowerMetrics {
        models = Map.copyOf(models);
    }

    /**
     * One model.
     *
     * @param modelId             the model
     * @param version             the live (servable) version, 0 when none yet
     * @param newestVersion       the newest version read from the topic (greater than {@code version} while pinned
     *                            or rolled back)
     * @param pinnedVersion       the version pinned (by configuration, {@code pin} or {@code rollback}), if any
     * @param createdAt           when the live version was published, null when none
     * @param stalenessSeconds    seconds from the live version's {@code created_at} to now (the follower's clock);
     *                            NaN when none
     * @param versionsApplied     versions made live so far (new versions, pins and rollbacks)
     * @param lastApplyNanos      time to make the last version live: decode the snapshot, parse its config, build
     *                            the servable view, swap it in
     * @param maxApplyNanos       the longest such time so far
     * @param retainedVersions    versions kept (raw) for pin and rollback, oldest first
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
            List<Long> retainedVersions) {

        public ModelMetrics {
            retainedVersions = List.copyOf(retainedVersions);
        }

        /** Versions between the live one and the newest read (0 when following the latest and caught up). */
        public long versionsBehindNewest() {
            return Math.max(0, newestVersion - version);
        }
    }
}

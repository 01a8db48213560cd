package io.streamgrad.serving.recs;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SchemaHistory;
import io.streamgrad.schemas.SingleObjectCodec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recommendation models a {@code ModelFollower} follows: it hands over every updates-topic record whose
 * single-object fingerprint is {@link RecsVersion}'s ({@link #claims}), on its own thread, and readers ask for the
 * live version of a model ({@link #model}) from any thread. Per model a {@link RecsChain} puts the parts together and
 * applies versions in order; each version made is swapped in with one volatile write, so a reader sees one whole
 * version, never a half-applied one.
 *
 * <p>Pin and rollback, as for the other models: the last {@code retainedVersions} versions made are kept (the live
 * one included). They cost little: a version made from a delta shares every table block and index node it did not
 * change with the version before ({@link RecsTable}), so N retained versions hold one full table plus the blocks the
 * deltas between them touched. A pinned model keeps serving its pinned version while newer versions are still
 * made and retained; {@link #unpin} makes the newest live again. {@link #pin}, {@link #unpin} and {@link #rollback}
 * run on the follower thread (the {@code ModelFollower} hands them over).
 */
public final class RecsFollowing {
    private static final Logger LOG = LoggerFactory.getLogger(RecsFollowing.class);
    private static final long FINGERPRINT = SchemaHistory.fingerprint(RecsVersion.getClassSchema());

    /** Called on the follower thread after a version became live (a new version, a pin, unpin or rollback). */
    @FunctionalInterface
    public interface Listener {
        void onVersion(RecsModel model);
    }

    /**
     * What {@code /metrics}-style callers see of one model.
     *
     * @param liveVersion         the version served, 0 when none
     * @param waitingVersions     versions read but not applied yet (incomplete, or waiting for one before them)
     * @param missingVersion      the version complete deltas wait for
     * @param fullVersions        versions made from a FULL version
     * @param deltaVersions       versions made by applying a DELTA to the version before
     * @param lastApplyNanos      time to make the last version (build or apply, copy-on-write)
     * @param maxDeltaApplyNanos  the longest DELTA apply so far
     * @param newestVersion       the newest version made, or read whole and waiting for a version before it
     *                            (greater than {@code liveVersion} while pinned or while versions wait)
     * @param pinnedVersion       the version pinned ({@link #pin} or {@link #rollback}), if any
     * @param retainedVersions    versions kept for pin and rollback, oldest first (the newest made included)
     * @param versionsApplied     versions made live (new versions, pins, unpins and rollbacks)
     * @param maxApplyNanos       the longest time to make a version so far
     * @param lastDeltaApplyNanos time to apply the last DELTA
     */
    public record Status(
            long liveVersion,
            List<Long> waitingVersions,
            OptionalLong missingVersion,
            long fullVersions,
            long deltaVersions,
            long lastApplyNanos,
            long maxDeltaApplyNanos,
            long newestVersion,
            OptionalLong pinnedVersion,
            List<Long> retainedVersions,
            long versionsApplied,
            long maxApplyNanos,
            long lastDeltaApplyNanos) {

        public Status {
            waitingVersions = List.copyOf(waitingVersions);
            retainedVersions = List.copyOf(retainedVersions);
        }
    }

    private final int maxBuffered;
    private final int retainedVersions;
    private final Map<String, Long> pins;
    private final Predicate<String> follows;
    private final Consumer<String> skip;
    private final SingleObjectCodec<RecsVersion> codec = SingleObjectCodec.recsVersion();
    /** Follower-thread bookkeeping per model. */
    private final Map<String, Track> tracks = new HashMap<>();
    /** Readers' view per model. */
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** Follower-thread state of one model. */
    private static final class Track {
        final RecsChain chain;
        /** Versions made, for pin and rollback, oldest first; they share unchanged blocks. */
        final TreeMap<Long, RecsModel> retained = new TreeMap<>();

        long pinned;
        long fullVersions;
        long deltaVersions;
        long lastApplyNanos;
        long maxApplyNanos;
        long lastDeltaApplyNanos;
        long maxDeltaApplyNanos;
        long versionsApplied;

        Track(RecsChain chain) {
            this.chain = chain;
        }
    }

    private static final class Slot {
        volatile RecsModel live;
        volatile Status status;
    }

    /**
     * @param maxBuffered versions kept per model while a version before them is missing
     * @param follows     which model ids to follow
     * @param skip        reports a record that cannot be used (the message names its place); counted by the caller
     */
    public RecsFollowing(int maxBuffered, Predicate<String> follows, Consumer<String> skip) {
        this(maxBuffered, 1, follows, skip);
    }

    /**
     * @param maxBuffered      versions kept per model while a version before them is missing
     * @param retainedVersions versions of each model kept for pin and rollback, the newest made included (the
     *                         follower's {@code retainVersions})
     * @param follows          which model ids to follow
     * @param skip             reports a record that cannot be used (the message names its place); counted by the
     *                         caller
     */
    public RecsFollowing(int maxBuffered, int retainedVersions, Predicate<String> follows, Consumer<String> skip) {
        this(maxBuffered, retainedVersions, Map.of(), follows, skip);
    }

    /**
     * @param pins model id -> the version to serve from the start instead of the latest (until {@link #unpin}); the
     *             model has no live version until that one is made
     */
    public RecsFollowing(
            int maxBuffered,
            int retainedVersions,
            Map<String, Long> pins,
            Predicate<String> follows,
            Consumer<String> skip) {
        if (retainedVersions < 1) {
            throw new IllegalArgumentException("retainedVersions must be >= 1, got " + retainedVersions);
        }
        this.maxBuffered = maxBuffered;
        this.retainedVersions = retainedVersions;
        this.pins = Map.copyOf(pins);
        this.follows = Objects.requireNonNull(follows, "follows");
        this.skip = Objects.requireNonNull(skip, "skip");
    }

    /** Whether {@code value} is a single-object encoded RecsVersion (told apart by its writer fingerprint). */
    public static boolean claims(byte[] value) {
        OptionalLong fp = SingleObjectCodec.headerFingerprint(value);
        return fp.isPresent() && fp.getAsLong() == FINGERPRINT;
    }

    /** One claimed record, read at {@code where} (topic, partition, offset). Follower thread only. */
    public void read(byte[] value, String where) {
        RecsVersion r;
        try {
            r = codec.decode(value);
        } catch (InvalidRecordException e) {
            skip.accept(where + ": skipped, not a readable RecsVersion: " + e.getMessage());
            return;
        }
        String id = r.getModelId();
        if (!follows.test(id)) {
            return;
        }
        Track t = tracks.computeIfAbsent(id, m -> {
            Track created = new Track(new RecsChain(m, maxBuffered));
            created.pinned = pins.getOrDefault(m, 0L);
            return created;
        });
        RecsChain.Outcome out = t.chain.offer(r, where);
        for (String problem : out.problems()) {
            skip.accept(problem);
        }
        for (RecsChain.Built b : out.built()) {
            RecsModel m = b.model();
            t.retained.put(m.version(), m);
            while (t.retained.size() > retainedVersions) {
                t.retained.pollFirstEntry();
            }
            t.lastApplyNanos = b.nanos();
            t.maxApplyNanos = Math.max(t.maxApplyNanos, b.nanos());
            if (b.full()) {
                t.fullVersions++;
            } else {
                t.deltaVersions++;
                t.lastDeltaApplyNanos = b.nanos();
                t.maxDeltaApplyNanos = Math.max(t.maxDeltaApplyNanos, b.nanos());
            }
            LOG.debug("recommendation model {} made ({} in {} µs)", m, b.full() ? "full" : "delta", b.nanos() / 1000);
            if (t.pinned == 0 || t.pinned == m.version()) {
                swap(id, t, m);
            }
        }
        publish(id, t);
    }

    /**
     * Serves {@code version} of {@code modelId} from now on, while newer versions are still made, until
     * {@link #unpin}. Follower thread only.
     *
     * @param rollback the version must be older than the live one
     * @return the version now live
     * @throws IllegalArgumentException when the model is unknown or the version is not retained (the message names
     *                                  the retained ones)
     */
    public RecsModel pin(String modelId, long version, boolean rollback) {
        Track t = track(modelId);
        RecsModel live = slot(modelId).live;
        if (rollback && live != null && version >= live.version()) {
            throw new IllegalArgumentException("rollback of recommendation model '" + modelId + "' to version "
                    + version + ": the live version is " + live.version() + "; roll back to an earlier one ("
                    + retainedText(t) + "), or pin a newer one");
        }
        RecsModel result;
        if (live != null && live.version() == version) {
            result = live;
        } else {
            result = t.retained.get(version);
            if (result == null) {
                throw new IllegalArgumentException("version " + version + " of recommendation model '" + modelId
                        + "' is not retained (" + retainedText(t) + "): the follower keeps the last "
                        + retainedVersions + " versions it has made (--retain); pick a retained version, or raise"
                        + " --retain");
            }
            swap(modelId, t, result);
        }
        t.pinned = version;
        LOG.info(
                "recommendation model '{}' {} version {}",
                modelId,
                rollback ? "rolled back and pinned to" : "pinned to",
                version);
        publish(modelId, t);
        return result;
    }

    /** Rolls back to the newest retained version older than the live one, and pins it. Follower thread only. */
    public RecsModel rollback(String modelId) {
        Track t = track(modelId);
        RecsModel live = slot(modelId).live;
        Long earlier = live == null ? null : t.retained.lowerKey(live.version());
        if (earlier == null) {
            throw new IllegalArgumentException("recommendation model '" + modelId + "' has no retained version older"
                    + " than the live " + (live == null ? "(none)" : "version " + live.version()) + " ("
                    + retainedText(t) + "); raise --retain to keep more");
        }
        return pin(modelId, earlier, true);
    }

    /** Follows the latest again: the newest version made becomes live. Follower thread only. */
    public RecsModel unpin(String modelId) {
        Track t = track(modelId);
        t.pinned = 0;
        RecsModel newest = t.chain.current();
        if (newest != null && newest != slot(modelId).live) {
            swap(modelId, t, newest);
        }
        LOG.info("recommendation model '{}' unpinned: follows the latest", modelId);
        publish(modelId, t);
        return slot(modelId).live;
    }

    /** Whether a version of {@code modelId} has been read (it is a recommendation model). */
    public boolean knows(String modelId) {
        return slots.containsKey(modelId);
    }

    /** The live version of {@code modelId}, empty until its first complete FULL version is read. */
    public Optional<RecsModel> model(String modelId) {
        Slot s = slots.get(modelId);
        return Optional.ofNullable(s == null ? null : s.live);
    }

    /** Live versions by model id. */
    public Map<String, RecsModel> models() {
        Map<String, RecsModel> out = new TreeMap<>();
        slots.forEach((id, s) -> {
            RecsModel live = s.live;
            if (live != null) {
                out.put(id, live);
            }
        });
        return out;
    }

    /** Per model: live version, waiting versions, apply times, pin and retained versions. */
    public Map<String, Status> status() {
        Map<String, Status> out = new TreeMap<>();
        slots.forEach((id, s) -> {
            if (s.status != null) {
                out.put(id, s.status);
            }
        });
        return out;
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private void swap(String modelId, Track t, RecsModel m) {
        slot(modelId).live = m; // the one write that makes the version visible
        t.versionsApplied++;
        for (Listener l : listeners) {
            try {
                l.onVersion(m);
            } catch (RuntimeException e) {
                LOG.error("a recommendation listener failed on {} (ignored)", m, e);
            }
        }
    }

    private void publish(String modelId, Track t) {
        Slot slot = slot(modelId);
        RecsModel live = slot.live;
        RecsModel current = t.chain.current();
        List<Long> waiting = t.chain.waitingVersions();
        long newest = Math.max(current == null ? 0 : current.version(), t.chain.newestWaitingComplete());
        slot.status = new Status(
                live == null ? 0 : live.version(),
                waiting,
                t.chain.missing(),
                t.fullVersions,
                t.deltaVersions,
                t.lastApplyNanos,
                t.maxDeltaApplyNanos,
                newest,
                t.pinned == 0 ? OptionalLong.empty() : OptionalLong.of(t.pinned),
                List.copyOf(t.retained.keySet()),
                t.versionsApplied,
                t.maxApplyNanos,
                t.lastDeltaApplyNanos);
    }

    private Slot slot(String modelId) {
        return slots.computeIfAbsent(modelId, m -> new Slot());
    }

    private Track track(String modelId) {
        Track t = tracks.get(modelId);
        if (t == null) {
            throw new IllegalArgumentException("recommendation model '" + modelId + "' has no version on the updates"
                    + " topic yet; known: " + new TreeMap<>(tracks).keySet());
        }
        return t;
    }

    private static String retainedText(Track t) {
        if (t.retained.isEmpty()) {
            return "none retained";
        }
        return "retained: versions " + t.retained.firstKey() + " to " + t.retained.lastKey() + " "
                + t.retained.keySet();
    }
}

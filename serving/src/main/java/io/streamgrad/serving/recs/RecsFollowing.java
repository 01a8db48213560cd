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
 */
public final class RecsFollowing {
    private static final Logger LOG = LoggerFactory.getLogger(RecsFollowing.class);
    private static final long FINGERPRINT = SchemaHistory.fingerprint(RecsVersion.getClassSchema());

    /** Called on the follower thread after a version became live. */
    @FunctionalInterface
    public interface Listener {
        void onVersion(RecsModel model);
    }

    /** What {@code /metrics}-style callers see of one model. */
    public record Status(
            long liveVersion,
            List<Long> waitingVersions,
            OptionalLong missingVersion,
            long fullVersions,
            long deltaVersions,
            long lastApplyNanos,
            long maxDeltaApplyNanos) {}

    private final int maxBuffered;
    private final Predicate<String> follows;
    private final Consumer<String> skip;
    private final SingleObjectCodec<RecsVersion> codec = SingleObjectCodec.recsVersion();
    private final Map<String, RecsChain> chains = new HashMap<>();
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private static final class Slot {
        volatile RecsModel live;
        volatile Status status;
        long fullVersions;
        long deltaVersions;
        long maxDeltaApplyNanos;
    }

    /**
     * @param maxBuffered versions kept per model while a version before them is missing
     * @param follows     which model ids to follow
     * @param skip        reports a record that cannot be used (the message names its place); counted by the caller
     */
    public RecsFollowing(int maxBuffered, Predicate<String> follows, Consumer<String> skip) {
        this.maxBuffered = maxBuffered;
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
        RecsChain chain = chains.computeIfAbsent(id, m -> new RecsChain(m, maxBuffered));
        RecsChain.Outcome out = chain.offer(r, where);
        for (String problem : out.problems()) {
            skip.accept(problem);
        }
        Slot slot = slots.computeIfAbsent(id, m -> new Slot());
        long lastNanos = slot.status == null ? 0 : slot.status.lastApplyNanos();
        for (RecsChain.Built b : out.built()) {
            slot.live = b.model(); // the one write that makes the version visible
            lastNanos = b.nanos();
            if (b.full()) {
                slot.fullVersions++;
            } else {
                slot.deltaVersions++;
                slot.maxDeltaApplyNanos = Math.max(slot.maxDeltaApplyNanos, b.nanos());
            }
            LOG.debug(
                    "recommendation model {} live ({} in {} µs)",
                    b.model(),
                    b.full() ? "full" : "delta",
                    b.nanos() / 1000);
            for (Listener l : listeners) {
                try {
                    l.onVersion(b.model());
                } catch (RuntimeException e) {
                    LOG.error("a recommendation listener failed on {} (ignored)", b.model(), e);
                }
            }
        }
        RecsModel live = slot.live;
        slot.status = new Status(
                live == null ? 0 : live.version(),
                chain.waitingVersions(),
                chain.missing(),
                slot.fullVersions,
                slot.deltaVersions,
                lastNanos,
                slot.maxDeltaApplyNanos);
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

    /** Per model: live version, waiting versions, apply times. */
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
}

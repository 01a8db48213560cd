package io.streamgrad.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The version order of one model, fed from two topics whose relative order is not guaranteed: full versions (the
 * models topic) and deltas (the updates topic, each on the version before it). Strictly in version order:
 *
 * <ul>
 *   <li>a full version G newer than the current one is built fresh and becomes current; buffered deltas up to G
 *       are dropped;</li>
 *   <li>a delta for version current+1 is applied to the current version;</li>
 *   <li>a version not newer than the current one is skipped (a duplicate: a version may come both ways);</li>
 *   <li>a delta further ahead is buffered (at most {@code maxBuffered}) until the versions before it arrive, as
 *       deltas or as a full version; then the buffered ones apply in order.</li>
 * </ul>
 *
 * Each offer returns the versions it made, oldest first: every version becomes its own view. Not thread-safe: the
 * follower thread owns it. No I/O: {@code VersionChainTest} drives it directly.
 */
final class VersionChain {
    /** One version as read: how to build it, and its place (topic, partition, offset) for messages. */
    sealed interface Update permits Full, Delta {
        long version();

        String where();
    }

    /** A full version: {@code build} decodes and builds it (throws when it cannot be served). */
    record Full(long version, String where, Supplier<ServableModel> build) implements Update {}

    /** A delta on version {@code version - 1}: {@code apply} makes the new version from that one. */
    record Delta(long version, String where, UnaryOperator<ServableModel> apply) implements Update {}

    /** A version made current, and how long making it took. */
    record Built(ServableModel model, boolean full, long nanos) {}

    /**
     * What one offer did.
     *
     * @param built    the versions made, oldest first
     * @param problems records that could not be used, each naming its place
     * @param skipped  versions skipped as not newer than the current one
     */
    record Outcome(List<Built> built, List<String> problems, List<Long> skipped) {}

    private final String modelId;
    private final int maxBuffered;
    private final TreeMap<Long, Delta> buffered = new TreeMap<>();
    private ServableModel current;
    /** After a tombstone: the next full version becomes current whatever its number. */
    private boolean restarted;

    VersionChain(String modelId, int maxBuffered) {
        this.modelId = modelId;
        this.maxBuffered = maxBuffered;
    }

    /** The newest version made (the one a delta for {@code version + 1} applies to), or null. */
    ServableModel current() {
        return current;
    }

    /** Versions of buffered deltas, ascending. */
    List<Long> bufferedVersions() {
        return List.copyOf(buffered.keySet());
    }

    /** The version the chain waits for while deltas after it are buffered; empty when none is missing. */
    OptionalLong missing() {
        if (buffered.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(current == null || restarted ? buffered.firstKey() - 1 : current.version() + 1);
    }

    /** The model's versions were deleted (a tombstone): drop the buffer; the next full version starts over. */
    void restart() {
        buffered.clear();
        restarted = true;
    }

    Outcome offer(Update u) {
        List<Built> built = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Long> skipped = new ArrayList<>();
        if (u instanceof Full full) {
            if (current != null && !restarted && full.version() <= current.version()) {
                skipped.add(full.version());
            } else {
                long start = System.nanoTime();
                ServableModel m = null;
                try {
                    m = full.build().get();
                } catch (RuntimeException e) {
                    problems.add(full.where() + ": version " + full.version() + " of model '" + modelId
                            + "' skipped, its snapshot cannot be served: " + e.getMessage());
                }
                if (m != null) {
                    current = m;
                    restarted = false;
                    built.add(new Built(m, true, System.nanoTime() - start));
                    buffered.headMap(m.version(), true).clear();
                    drain(built, problems);
                }
            }
        } else {
            Delta delta = (Delta) u;
            if (current != null && !restarted && delta.version() <= current.version()) {
                skipped.add(delta.version());
            } else if (current != null && !restarted && delta.version() == current.version() + 1) {
                apply(delta, built, problems);
                drain(built, problems);
            } else if (buffered.containsKey(delta.version())) {
                skipped.add(delta.version());
            } else if (buffered.size() >= maxBuffered) {
                problems.add(delta.where() + ": delta for version " + delta.version() + " of model '" + modelId
                        + "' dropped: " + maxBuffered + " deltas are already buffered waiting for version "
                        + missing().orElse(-1) + "; the model catches up at its next full version");
            } else {
                buffered.put(delta.version(), delta);
            }
        }
        return new Outcome(built, problems, skipped);
    }

    private void drain(List<Built> built, List<String> problems) {
        while (current != null && !buffered.isEmpty() && buffered.firstKey() == current.version() + 1) {
            if (!apply(buffered.pollFirstEntry().getValue(), built, problems)) {
                return;
            }
        }
    }

    private boolean apply(Delta delta, List<Built> built, List<String> problems) {
        long start = System.nanoTime();
        try {
            ServableModel next = delta.apply().apply(current);
            current = next;
            built.add(new Built(next, false, System.nanoTime() - start));
            return true;
        } catch (RuntimeException e) {
            problems.add(delta.where() + ": delta for version " + delta.version() + " of model '" + modelId
                    + "' skipped, it does not apply to version " + current.version() + ": " + e.getMessage()
                    + "; the model waits for its next full version");
            return false;
        }
    }

    /** For messages: buffered versions as ranges. */
    @Override
    public String toString() {
        return "VersionChain{" + modelId + " at " + (current == null ? "none" : current.version()) + ", buffered "
                + buffered.keySet() + "}";
    }
}

package io.streamgrad.serving.recs;

import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The versions of one recommendation model as their parts arrive from the updates topic, strictly in version order:
 *
 * <ul>
 *   <li>a version is used once all its parts {@code 0..parts-1} are read (every part must carry the same kind,
 *       parts, base and full version);</li>
 *   <li>a complete FULL version newer than the current one is built fresh and becomes current; anything older
 *       waiting is dropped;</li>
 *   <li>a complete DELTA on the current version is applied to it (copy-on-write, {@link RecsTable});</li>
 *   <li>a version not newer than the current one is skipped; a DELTA further ahead waits (at most
 *       {@code maxBuffered} versions, complete or not) until the versions before it arrive, as deltas or as a newer
 *       FULL version; then the waiting ones apply in order. Before the first FULL version every DELTA waits.</li>
 * </ul>
 *
 * Not thread-safe: the follower thread owns it. No I/O: {@code RecsChainTest} drives it directly.
 */
final class RecsChain {
    /** A version made current, and how long making it took. */
    record Built(RecsModel model, boolean full, long nanos) {}

    /** What one offer did: versions made (oldest first), and records that could not be used (naming their place). */
    record Outcome(List<Built> built, List<String> problems) {}

    /** The parts of one version read so far. */
    private static final class Assembly {
        final RecsVersion first;
        final RecsVersion[] parts;
        final String[] wheres;
        int got;

        Assembly(RecsVersion first) {
            this.first = first;
            this.parts = new RecsVersion[first.getParts()];
            this.wheres = new String[first.getParts()];
        }

        boolean complete() {
            return got == parts.length;
        }

        boolean full() {
            return first.getKind() == RecsVersionKind.FULL;
        }
    }

    private final String modelId;
    private final int maxBuffered;
    private final TreeMap<Long, Assembly> waiting = new TreeMap<>();
    private RecsModel current;

    RecsChain(String modelId, int maxBuffered) {
        this.modelId = modelId;
        this.maxBuffered = maxBuffered;
    }

    RecsModel current() {
        return current;
    }

    /** Versions read but not applied yet (incomplete, or waiting for a version before them), ascending. */
    List<Long> waitingVersions() {
        return List.copyOf(waiting.keySet());
    }

    /** The newest version whose parts are all read but that waits for a version before it; 0 when none. */
    long newestWaitingComplete() {
        for (Assembly a : waiting.descendingMap().values()) {
            if (a.complete()) {
                return a.first.getVersion();
            }
        }
        return 0;
    }

    /** The version the chain waits for while complete deltas after it wait; empty when none is missing. */
    OptionalLong missing() {
        for (Assembly a : waiting.values()) {
            if (a.complete() && !a.full()) {
                return OptionalLong.of(current == null ? a.first.getFullVersion() : current.version() + 1);
            }
        }
        return OptionalLong.empty();
    }

    Outcome offer(RecsVersion r, String where) {
        List<Built> built = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String invalid = invalid(r);
        if (invalid != null) {
            problems.add(where + ": part " + r.getPart() + " of version " + r.getVersion() + " of model '" + modelId
                    + "' skipped: " + invalid);
            return new Outcome(built, problems);
        }
        long version = r.getVersion();
        if (current != null && version <= current.version()) {
            return new Outcome(built, problems); // not newer than the version served: a duplicate or an old one
        }
        Assembly a = waiting.get(version);
        if (a == null) {
            if (waiting.size() >= maxBuffered) {
                problems.add(where + ": version " + version + " of model '" + modelId + "' dropped: " + maxBuffered
                        + " versions already wait (" + describeWaiting() + "); the model catches up at its next"
                        + " FULL version");
                return new Outcome(built, problems);
            }
            a = new Assembly(r);
            waiting.put(version, a);
        } else if (!sameVersionMetadata(a.first, r)) {
            problems.add(where + ": part " + r.getPart() + " of version " + version + " of model '" + modelId
                    + "' skipped: it says kind " + r.getKind() + ", " + r.getParts() + " parts, base "
                    + r.getBaseVersion() + ", full " + r.getFullVersion() + " but part " + a.first.getPart()
                    + " said kind " + a.first.getKind() + ", " + a.first.getParts() + " parts, base "
                    + a.first.getBaseVersion() + ", full " + a.first.getFullVersion()
                    + "; every part of a version carries the same metadata");
            return new Outcome(built, problems);
        }
        if (a.parts[r.getPart()] != null) {
            return new Outcome(built, problems); // a part read twice: the first one counts
        }
        a.parts[r.getPart()] = r;
        a.wheres[r.getPart()] = where;
        a.got++;
        if (!a.complete()) {
            return new Outcome(built, problems);
        }
        if (a.full()) {
            waiting.remove(version);
            build(a, built, problems);
        } else if (current != null && a.first.getBaseVersion() == current.version()) {
            waiting.remove(version);
            build(a, built, problems);
        }
        drain(built, problems);
        return new Outcome(built, problems);
    }

    private void drain(List<Built> built, List<String> problems) {
        while (current != null) {
            Assembly next = waiting.get(current.version() + 1);
            if (next == null || !next.complete()) {
                return;
            }
            waiting.remove(current.version() + 1);
            if (!build(next, built, problems)) {
                return;
            }
        }
    }

    private boolean build(Assembly a, List<Built> built, List<String> problems) {
        long start = System.nanoTime();
        List<RecsVersion> parts = Arrays.asList(a.parts);
        List<String> wheres = Arrays.asList(a.wheres);
        try {
            RecsModel m = a.full() ? RecsModel.full(parts, wheres) : current.withDelta(parts, wheres);
            current = m;
            built.add(new Built(m, a.full(), System.nanoTime() - start));
            waiting.headMap(m.version(), true).clear();
            return true;
        } catch (RuntimeException e) {
            problems.add("version " + a.first.getVersion() + " (" + a.first.getKind() + ") of model '" + modelId
                    + "' skipped: " + e.getMessage() + (a.full() ? "" : "; the model waits for its next FULL version"));
            return false;
        }
    }

    private static String invalid(RecsVersion r) {
        if (r.getParts() < 1 || r.getPart() < 0 || r.getPart() >= r.getParts()) {
            return "part " + r.getPart() + " of " + r.getParts() + ": parts are numbered 0..parts-1, parts >= 1";
        }
        if (r.getVersion() < 1) {
            return "versions start at 1";
        }
        if (r.getKind() == RecsVersionKind.FULL) {
            if (r.getFullVersion() != r.getVersion() || r.getBaseVersion() != 0) {
                return "a FULL version has full_version = version and base_version = 0, got full_version "
                        + r.getFullVersion() + ", base_version " + r.getBaseVersion();
            }
            for (var t : r.getTables()) {
                if (!t.getRemoved().isEmpty()) {
                    return "a FULL version carries no tombstones (table '" + t.getName() + "' has "
                            + t.getRemoved().size() + ")";
                }
            }
        } else if (r.getBaseVersion() != r.getVersion() - 1
                || r.getFullVersion() >= r.getVersion()
                || r.getFullVersion() < 1) {
            return "a DELTA applies to the version right before it (base_version = version - 1) of a chain that"
                    + " starts at an earlier FULL version, got base_version " + r.getBaseVersion() + ", full_version "
                    + r.getFullVersion();
        }
        return null;
    }

    private static boolean sameVersionMetadata(RecsVersion a, RecsVersion b) {
        return a.getKind() == b.getKind()
                && a.getParts() == b.getParts()
                && a.getBaseVersion() == b.getBaseVersion()
                && a.getFullVersion() == b.getFullVersion();
    }

    private String describeWaiting() {
        List<String> out = new ArrayList<>();
        for (Assembly a : waiting.values()) {
            out.add(a.first.getVersion() + (a.complete() ? "" : " (" + a.got + "/" + a.parts.length + " parts)"));
        }
        return String.join(", ", out);
    }

    @Override
    public String toString() {
        return "RecsChain{" + modelId + " at " + (current == null ? "none" : current.version()) + ", waiting "
                + describeWaiting() + "}";
    }
}

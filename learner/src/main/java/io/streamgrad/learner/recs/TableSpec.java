package io.streamgrad.learner.recs;

/**
 * How an {@link EmbeddingTable} admits, forgets and bounds its rows.
 *
 * @param minCount         an id gets a row once it has been seen this many times (1: at once)
 * @param capacity         the most admitted rows (0: unbounded)
 * @param overflow         what admission does at capacity
 * @param expireAfterSteps a row (or candidate) not seen for more than this many steps is deleted at the next
 *                         sweep (0: never)
 * @param expireAfterMs    likewise in event time, milliseconds since last seen (0: never)
 * @param sweepEverySteps  expiry runs after every this many steps
 */
public record TableSpec(
        long minCount,
        long capacity,
        Overflow overflow,
        long expireAfterSteps,
        long expireAfterMs,
        long sweepEverySteps) {
    /** What admission does when the table is full. */
    public enum Overflow {
        /** The new id stays a candidate (counted) until expiry makes room. */
        REJECT("reject"),
        /**
         * The admitted row seen least recently (oldest {@code lastStep}, then oldest {@code lastTimeMs}, then the
         * smallest id) is evicted and reported; this scans the table, so it costs O(rows) per eviction.
         */
        EVICT_LEAST_RECENT("evict_least_recent");

        private final String yamlName;

        Overflow(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }

        public static Overflow of(String name) {
            for (Overflow o : values()) {
                if (o.yamlName.equals(name)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("unknown overflow policy '" + name + "'");
        }
    }

    public TableSpec {
        if (minCount < 1 || capacity < 0 || expireAfterSteps < 0 || expireAfterMs < 0 || sweepEverySteps < 1) {
            throw new IllegalArgumentException("invalid table spec " + minCount + "/" + capacity + "/"
                    + expireAfterSteps + "/" + expireAfterMs + "/" + sweepEverySteps);
        }
    }

    /** Admit at first sight, never expire, unbounded. */
    public static TableSpec unbounded() {
        return new TableSpec(1, 0, Overflow.REJECT, 0, 0, 1);
    }
}

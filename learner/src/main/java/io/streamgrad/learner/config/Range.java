package io.streamgrad.learner.config;

/**
 * The values a number or integer option accepts: an interval with open or closed ends (an infinite end means
 * unbounded), always finite. It describes itself for the docs and for messages, and exposes its accepted edges
 * and the values just outside them (for edge tests).
 *
 * @param low         the lower end ({@link Double#NEGATIVE_INFINITY}: none)
 * @param lowOpen     whether {@code low} itself is refused
 * @param high        the upper end ({@link Double#POSITIVE_INFINITY}: none)
 * @param highOpen    whether {@code high} itself is refused
 * @param integral    an integer range (edges step by 1, not by one ulp)
 */
public record Range(double low, boolean lowOpen, double high, boolean highOpen, boolean integral) {
    /** {@code > 0}, finite. */
    public static final Range POSITIVE = new Range(0, true, Double.POSITIVE_INFINITY, true, false);
    /** {@code >= 0}, finite. */
    public static final Range NON_NEGATIVE = new Range(0, false, Double.POSITIVE_INFINITY, true, false);
    /** {@code [0, 1)}: a decay coefficient (1 would never forget). */
    public static final Range UNIT_OPEN = new Range(0, false, 1, true, false);
    /** {@code (0, 1]}: a factor that shrinks or keeps. */
    public static final Range UNIT_LEFT_OPEN = new Range(0, true, 1, false, false);
    /** Any 64-bit integer. */
    public static final Range ANY_LONG = new Range(Long.MIN_VALUE, false, Long.MAX_VALUE, false, true);

    /** Integers {@code >= min} (up to {@code max}, the type's own limit). */
    public static Range atLeast(long min, long max) {
        return new Range(min, false, max, false, true);
    }

    /** Integers in {@code [min, max]}. */
    public static Range between(long min, long max) {
        return new Range(min, false, max, false, true);
    }

    public boolean contains(double v) {
        if (!Double.isFinite(v)) {
            return false;
        }
        boolean aboveLow = lowOpen ? v > low : v >= low;
        boolean belowHigh = highOpen ? v < high : v <= high;
        return aboveLow && belowHigh;
    }

    public boolean contains(long v) {
        return contains((double) v) && (!integral || (v >= (long) low && v <= (long) high));
    }

    private boolean unboundedHigh() {
        return high == Double.POSITIVE_INFINITY || (integral && (high == Long.MAX_VALUE || high == Integer.MAX_VALUE));
    }

    /** As the docs and the parser write it: {@code > 0}, {@code [0, 1)}, {@code >= 1}. */
    public String text() {
        if (integral) {
            long lo = (long) low;
            long hi = (long) high;
            if (lo == Long.MIN_VALUE && hi == Long.MAX_VALUE) {
                return "(any 64-bit value)";
            }
            if (unboundedHigh()) {
                return ">= " + lo;
            }
            return "in [" + lo + ", " + hi + "]";
        }
        if (high == Double.POSITIVE_INFINITY) {
            return (lowOpen ? "> " : ">= ") + num(low);
        }
        return (lowOpen ? "(" : "[") + num(low) + ", " + num(high) + (highOpen ? ")" : "]");
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : ConfigWriter.formatDouble(v);
    }

    /** As a component's message writes it after "must be": {@code a finite number > 0}, {@code in [0, 1)}. */
    public String phrase() {
        if (integral) {
            return text();
        }
        if (high != Double.POSITIVE_INFINITY) {
            return "in " + text();
        }
        return "a finite number " + text();
    }

    /** The smallest accepted value. */
    public double lowestAccepted() {
        if (integral) {
            return low;
        }
        return lowOpen ? Math.nextUp(low) : low;
    }

    /** The largest accepted value ({@code large} where the range has no upper end). */
    public double highestAccepted(double large) {
        if (unboundedHigh()) {
            return large;
        }
        if (integral) {
            return high;
        }
        return highOpen ? Math.nextDown(high) : high;
    }

    /** The largest refused value below the range. */
    public double justBelow() {
        if (integral) {
            return low - 1;
        }
        return lowOpen ? low : Math.nextDown(low);
    }

    /** The smallest refused value above the range, or NaN where it has no upper end (infinity is refused). */
    public double justAbove() {
        if (unboundedHigh()) {
            return integral ? Double.NaN : Double.POSITIVE_INFINITY;
        }
        if (integral) {
            return high + 1;
        }
        return highOpen ? high : Math.nextUp(high);
    }
}

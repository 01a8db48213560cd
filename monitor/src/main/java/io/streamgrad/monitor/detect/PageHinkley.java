package io.streamgrad.monitor.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The Page-Hinkley test (Page 1954, "Continuous inspection schemes"; in the form of Gama, Žliobaitė, Bifet,
 * Pechenizkiy and Bouchachia 2014, "A survey on concept drift adaptation", section 3.2): a cumulative sum of the
 * deviations of each observation from the running mean, less a tolerance {@code delta}, and an alarm when the sum
 * rises more than {@code lambda} above its smallest value so far.
 *
 * <p>Per observation {@code x_t} ({@code t = 1, 2, ...}): {@code mean_t = mean_{t-1} + (x_t - mean_{t-1}) / t};
 * for an increase, {@code m_t = m_{t-1} + (x_t - mean_t - delta)}, {@code M_t = min(M_{t-1}, m_t)} and an alarm
 * when {@code t >= minInstances} and {@code m_t - M_t > lambda}; for a decrease the mirror image
 * ({@code u_t = u_{t-1} + (x_t - mean_t + delta)}, {@code U_t = max}, alarm when {@code U_t - u_t > lambda}). The
 * survey writes the mean over all {@code T} points; like MOA and River, the online form uses the running mean at
 * {@code t} (the only one known then). After an alarm the state resets (the test restarts on the new regime).
 *
 * <p>Immutable config; the {@link State} is the caller's (five numbers, {@link State#write versioned}).
 */
public record PageHinkley(double delta, double lambda, int minInstances, Direction direction) {
    /** Which change to detect. */
    public enum Direction {
        UP,
        DOWN,
        BOTH
    }

    public PageHinkley {
        if (!(delta >= 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("page_hinkley.delta: " + delta + " must be >= 0 and finite");
        }
        if (!(lambda > 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("page_hinkley.lambda: " + lambda + " must be > 0 and finite");
        }
        if (minInstances < 1) {
            throw new IllegalArgumentException("page_hinkley.min_instances: " + minInstances + " must be >= 1");
        }
        if (direction == null) {
            throw new IllegalArgumentException("page_hinkley.direction: required (up, down or both)");
        }
    }

    /** The running statistics of one stream. */
    public static final class State {
        static final int VERSION = 1;
        long n;
        double mean;
        double sumUp;
        double minUp;
        double sumDown;
        double maxDown;

        public long count() {
            return n;
        }

        /** The current test statistic for an increase, {@code m_t - M_t}. */
        public double statisticUp() {
            return sumUp - minUp;
        }

        /** The current test statistic for a decrease, {@code U_t - u_t}. */
        public double statisticDown() {
            return maxDown - sumDown;
        }

        void reset() {
            n = 0;
            mean = 0;
            sumUp = 0;
            minUp = 0;
            sumDown = 0;
            maxDown = 0;
        }

        public void write(DataOutput out) throws IOException {
            out.writeByte(VERSION);
            out.writeLong(n);
            out.writeDouble(mean);
            out.writeDouble(sumUp);
            out.writeDouble(minUp);
            out.writeDouble(sumDown);
            out.writeDouble(maxDown);
        }

        public static State read(DataInput in) throws IOException {
            int v = in.readUnsignedByte();
            if (v != VERSION) {
                throw new IOException(
                        "Page-Hinkley state version " + v + " is not supported (this build reads " + VERSION + ")");
            }
            State s = new State();
            s.n = in.readLong();
            s.mean = in.readDouble();
            s.sumUp = in.readDouble();
            s.minUp = in.readDouble();
            s.sumDown = in.readDouble();
            s.maxDown = in.readDouble();
            return s;
        }
    }

    public State newState() {
        return new State();
    }

    /**
     * Adds one observation; true when it raises the alarm (the state is then reset). A non-finite {@code x} is
     * refused (it would poison the sums for good).
     */
    public boolean update(State s, double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("Page-Hinkley input must be finite, got " + x);
        }
        s.n++;
        s.mean += (x - s.mean) / s.n;
        s.sumUp += x - s.mean - delta;
        s.minUp = Math.min(s.minUp, s.sumUp);
        s.sumDown += x - s.mean + delta;
        s.maxDown = Math.max(s.maxDown, s.sumDown);
        if (s.n < minInstances) {
            return false;
        }
        boolean up = direction != Direction.DOWN && s.statisticUp() > lambda;
        boolean down = direction != Direction.UP && s.statisticDown() > lambda;
        if (up || down) {
            s.reset();
            return true;
        }
        return false;
    }
}

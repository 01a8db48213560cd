package io.streamgrad.monitor.alert;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Optional;

/**
 * An alerting rule's lifecycle as Prometheus evaluates it (rules/alerting.go), as a pure state machine in event
 * time, evaluated once per point of a series with whether the rule's condition holds then:
 * <ul>
 *   <li>inactive -> <b>pending</b> when the condition first holds ({@code activeAt} = now);
 *   <li>pending -> <b>firing</b> once the condition has held for {@code forSeconds} ({@code now - activeAt >= for};
 *       with {@code for = 0} on the first point): one {@link AlertEvent.Status#FIRING} event;
 *   <li>pending -> inactive as soon as the condition stops holding (no event: it never fired);
 *   <li>firing stays firing while the condition holds, and for {@code keepFiringForSeconds} after it stopped
 *       (Prometheus' {@code keep_firing_for}, measured from the first point where it no longer held): no flapping
 *       on a condition that drops out for a point or two; then -> inactive with one
 *       {@link AlertEvent.Status#RESOLVED} event. A condition that holds again while kept firing continues the
 *       same alert (no new event).
 * </ul>
 * Transitions emit events, states do not: an alert is reported once per episode, never per point.
 */
public record AlertRule(String name, long forSeconds, long keepFiringForSeconds) {
    public AlertRule {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("alert.rule: a rule needs a name");
        }
        if (forSeconds < 0) {
            throw new IllegalArgumentException("alert.for_seconds: " + forSeconds + " must be >= 0");
        }
        if (keepFiringForSeconds < 0) {
            throw new IllegalArgumentException(
                    "alert.keep_firing_for_seconds: " + keepFiringForSeconds + " must be >= 0");
        }
    }

    /** The rule's state for one key. */
    public enum Status {
        INACTIVE,
        PENDING,
        FIRING;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One key's state: 25 bytes, versioned. */
    public static final class State {
        static final int VERSION = 1;
        static final long NONE = Long.MIN_VALUE;
        Status status = Status.INACTIVE;
        long activeAt = NONE;
        long keepFiringSince = NONE;

        public Status status() {
            return status;
        }

        public long activeAt() {
            return activeAt;
        }

        public void write(DataOutput out) throws IOException {
            out.writeByte(VERSION);
            out.writeByte(status.ordinal());
            out.writeLong(activeAt);
            out.writeLong(keepFiringSince);
        }

        public static State read(DataInput in) throws IOException {
            int v = in.readUnsignedByte();
            if (v != VERSION) {
                throw new IOException(
                        "alert state version " + v + " is not supported (this build reads " + VERSION + ")");
            }
            State s = new State();
            int st = in.readUnsignedByte();
            if (st >= Status.values().length) {
                throw new IOException("alert state: status " + st + " is not valid");
            }
            s.status = Status.values()[st];
            s.activeAt = in.readLong();
            s.keepFiringSince = in.readLong();
            return s;
        }
    }

    public State newState() {
        return new State();
    }

    /**
     * Evaluates the rule at event time {@code now} with the condition {@code active}; the event of the transition,
     * if one happened. {@code value}, {@code actual} and {@code forecast} are copied into the event.
     */
    public Optional<AlertEvent> evaluate(
            State s, AlertKey key, long now, boolean active, double value, double actual, double forecast) {
        if (active) {
            s.keepFiringSince = State.NONE;
            if (s.status == Status.INACTIVE) {
                s.status = Status.PENDING;
                s.activeAt = now;
            }
            if (s.status == Status.PENDING && now - s.activeAt >= forSeconds) {
                s.status = Status.FIRING;
                return Optional.of(
                        new AlertEvent(key, AlertEvent.Status.FIRING, s.activeAt, now, value, actual, forecast));
            }
            return Optional.empty();
        }
        switch (s.status) {
            case PENDING -> {
                s.status = Status.INACTIVE;
                s.activeAt = State.NONE;
                return Optional.empty();
            }
            case FIRING -> {
                if (s.keepFiringSince == State.NONE) {
                    s.keepFiringSince = now;
                }
                if (now - s.keepFiringSince < keepFiringForSeconds) {
                    return Optional.empty();
                }
                long activeAt = s.activeAt;
                s.status = Status.INACTIVE;
                s.activeAt = State.NONE;
                s.keepFiringSince = State.NONE;
                return Optional.of(
                        new AlertEvent(key, AlertEvent.Status.RESOLVED, activeAt, now, value, actual, forecast));
            }
            default -> {
                return Optional.empty();
            }
        }
    }
}

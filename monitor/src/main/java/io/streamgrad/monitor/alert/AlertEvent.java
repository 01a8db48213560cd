package io.streamgrad.monitor.alert;

/**
 * A transition worth telling Alertmanager about: {@link Status#FIRING} once when an alert starts firing,
 * {@link Status#RESOLVED} once when it stops. Times are event time, epoch seconds.
 *
 * @param key      what the alert is de-duplicated on
 * @param status   firing or resolved
 * @param activeAt when the condition first held (Prometheus' {@code activeAt}, Alertmanager's {@code startsAt})
 * @param at       when this transition happened ({@code endsAt} of a resolved alert)
 * @param value    the point's anomaly score at the transition
 * @param actual   the point's value
 * @param forecast the point's forecast
 */
public record AlertEvent(
        AlertKey key, Status status, long activeAt, long at, double value, double actual, double forecast) {
    public enum Status {
        FIRING,
        RESOLVED
    }
}

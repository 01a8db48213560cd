package io.streamgrad.job.monitor;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import io.streamgrad.monitor.alert.AlertEvent;
import java.time.Instant;
import java.util.Map;

/**
 * The alerts topic's records from the monitor's rule transitions: one {@link Alert} per {@link AlertEvent}, keyed
 * by the {@link io.streamgrad.monitor.alert.AlertKey#fingerprint() fingerprint} of (model, series, rule). Here,
 * not in {@code schemas} (the wire format depends on nothing) nor in {@code monitor} (plain Java, no Avro): the job
 * that writes the alerts topic and the commands that read it both see this module.
 */
public final class AlertRecords {
    /** The Alert layout this build writes. */
    public static final int SCHEMA_VERSION = 1;

    private AlertRecords() {}

    /** The record of one transition; event times are epoch seconds, the record's epoch milliseconds. */
    public static Alert of(AlertEvent e, Map<String, String> labels, Map<String, String> annotations) {
        boolean resolved = e.status() == AlertEvent.Status.RESOLVED;
        return Alert.newBuilder()
                .setSchemaVersion(SCHEMA_VERSION)
                .setModel(e.key().model())
                .setSeries(e.key().series())
                .setRule(e.key().rule())
                .setStatus(resolved ? AlertStatus.resolved : AlertStatus.firing)
                .setStartsAt(Instant.ofEpochSecond(e.activeAt()))
                .setEndsAt(resolved ? Instant.ofEpochSecond(e.at()) : Instant.EPOCH)
                .setValue(e.value())
                .setActual(e.actual())
                .setForecast(e.forecast())
                .setFingerprint(e.key().fingerprint())
                .setLabels(Map.copyOf(labels))
                .setAnnotations(Map.copyOf(annotations))
                .build();
    }

    /** The record of one transition, with no extra labels or annotations. */
    public static Alert of(AlertEvent e) {
        return of(e, Map.of(), Map.of());
    }

    /** The Kafka key of an alert's records: its fingerprint, so that a compacted topic keeps each alert's last. */
    public static byte[] key(Alert a) {
        return a.getFingerprint().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}

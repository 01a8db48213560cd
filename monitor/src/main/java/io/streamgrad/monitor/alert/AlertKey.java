package io.streamgrad.monitor.alert;

import java.util.Objects;

/**
 * What an alert is de-duplicated on: one alert per (model, series, rule) at a time, as Alertmanager groups by the
 * label set {@code {alertname=rule, model, series}}. The streaming job keys its alert state by this.
 */
public record AlertKey(String model, String series, String rule) {
    public AlertKey {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(series, "series");
        Objects.requireNonNull(rule, "rule");
    }

    /** A stable text form, {@code model/series/rule} with {@code /} and {@code \} escaped. */
    public String fingerprint() {
        return esc(model) + "/" + esc(series) + "/" + esc(rule);
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("/", "\\/");
    }
}

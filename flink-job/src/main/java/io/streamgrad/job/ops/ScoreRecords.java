package io.streamgrad.job.ops;

import io.streamgrad.avro.SeriesScore;
import io.streamgrad.monitor.SeriesMonitor;
import java.nio.charset.StandardCharsets;

/** The scores topic's records: one {@link SeriesScore} per point, what {@code detect} writes per CSV row. */
public final class ScoreRecords {
    /** The SeriesScore layout this build writes. */
    public static final int SCHEMA_VERSION = 1;

    private ScoreRecords() {}

    public static SeriesScore of(SeriesRecord p, SeriesMonitor.Result r) {
        return SeriesScore.newBuilder()
                .setSchemaVersion(SCHEMA_VERSION)
                .setModel(p.model)
                .setSeries(p.series)
                .setTime(p.time)
                .setValue(p.value)
                .setForecast(r.forecast())
                .setLower(r.lower())
                .setUpper(r.upper())
                .setAnomalyScore(r.score())
                .setAlert(r.alert().text())
                .setLevelShift(r.levelShift())
                .setSourceOffset(p.offset)
                .build();
    }

    /** The Kafka key: the series' state key ({@code model/series}), so one series' scores share a partition. */
    public static byte[] key(SeriesScore s) {
        return SeriesRecord.key(s.getModel().toString(), s.getSeries().toString())
                .getBytes(StandardCharsets.UTF_8);
    }
}

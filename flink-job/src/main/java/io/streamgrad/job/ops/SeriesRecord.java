package io.streamgrad.job.ops;

/**
 * One decoded, valid point of an ops model's series on its way to the series monitor, with where it was read.
 *
 * <p>A Flink POJO (public fields, no-arg constructor): serialised by Flink's PojoSerializer, never Kryo.
 */
public class SeriesRecord {
    public String model;
    public String series;
    /** Event time, epoch seconds. */
    public long time;

    public double value;
    public String topic;
    public int partition;
    public long offset;

    public SeriesRecord() {}

    public SeriesRecord(
            String model, String series, long time, double value, String topic, int partition, long offset) {
        this.model = model;
        this.series = series;
        this.time = time;
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    /** The state key: one monitor per (model, series); {@code model/series} with {@code /} and {@code \} escaped. */
    public String key() {
        return key(model, series);
    }

    public static String key(String model, String series) {
        return esc(model) + "/" + esc(series);
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("/", "\\/");
    }

    /** {@code topic-partition@offset}, for messages. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}

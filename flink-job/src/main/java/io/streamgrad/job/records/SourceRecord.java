package io.streamgrad.job.records;

/**
 * One Kafka record of the examples topic, undecoded: its coordinates and raw bytes. The source emits these (it
 * never decodes, so it can never fail on a bad record); decoding and validation happen in the next operator, which
 * routes failures to the dead-letter topic with these coordinates.
 *
 * <p>A Flink POJO (public fields, no-arg constructor): serialised by Flink's PojoSerializer, never Kryo.
 */
public class SourceRecord {
    public String topic;
    public int partition;
    public long offset;
    /** The record's Kafka timestamp (ms), or -1. */
    public long timestamp;
    /** May be null. */
    public byte[] key;
    /** May be null (a tombstone). */
    public byte[] value;

    public SourceRecord() {}

    public SourceRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    /** {@code topic-partition@offset}, for messages. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}

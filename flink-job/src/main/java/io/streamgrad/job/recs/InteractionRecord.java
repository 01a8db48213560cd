package io.streamgrad.job.recs;

import io.streamgrad.learner.recs.Interaction;

/**
 * One decoded, validated interaction on its way to the mf trainer: the model it trains, the learner's
 * {@link Interaction} fields, and the coordinates of the Kafka record it came from (for messages and offsets).
 *
 * <p>A Flink POJO (public fields, no-arg constructor): serialised by Flink's PojoSerializer, never Kryo; it is also
 * the element type of the trainer's buffer state ({@code mfBuffer}).
 */
public class InteractionRecord {
    public String modelId;
    public String user;
    public String item;
    /** NaN: implicit feedback. */
    public double rating;

    public long timeMs;
    public String topic;
    public int partition;
    public long offset;

    public InteractionRecord() {}

    public InteractionRecord(
            String modelId,
            String user,
            String item,
            double rating,
            long timeMs,
            String topic,
            int partition,
            long offset) {
        this.modelId = modelId;
        this.user = user;
        this.item = item;
        this.rating = rating;
        this.timeMs = timeMs;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    public Interaction interaction() {
        return new Interaction(user, item, rating, timeMs);
    }

    /** {@code topic-partition@offset}, for messages. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}

package io.streamgrad.job.recs;

import io.streamgrad.learner.recs.Interaction;
import java.util.LinkedHashMap;
import java.util.Map;

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
    /**
     * The context fields the model declares that this interaction has an id for, and those ids (same length; null:
     * none). Two string arrays rather than a map, so Flink serialises the POJO without Kryo.
     */
    public String[] contextFields;

    public String[] contextIds;

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

    /** This record with the context ids {@code context} (field name to id, in the model's declaration order). */
    public InteractionRecord withContext(Map<String, String> context) {
        if (!context.isEmpty()) {
            contextFields = context.keySet().toArray(new String[0]);
            contextIds = context.values().toArray(new String[0]);
        }
        return this;
    }

    public Interaction interaction() {
        if (contextFields == null || contextFields.length == 0) {
            return new Interaction(user, item, rating, timeMs);
        }
        Map<String, String> context = new LinkedHashMap<>();
        for (int c = 0; c < contextFields.length; c++) {
            context.put(contextFields[c], contextIds[c]);
        }
        return new Interaction(user, item, rating, timeMs, context);
    }

    /** {@code topic-partition@offset}, for messages. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}

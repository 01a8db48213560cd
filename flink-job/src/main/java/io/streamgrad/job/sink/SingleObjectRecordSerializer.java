package io.streamgrad.job.sink;

import io.streamgrad.schemas.SingleObjectCodec;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes an Avro record to a topic, single-object encoded, keyed by bytes taken from the record (the model id,
 * so a compacted topic keeps each model's newest snapshot). The codec is created in {@link #open}: Avro's message
 * encoders are not serialisable.
 */
public final class SingleObjectRecordSerializer<T extends SpecificRecordBase>
        implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializableSupplier<SingleObjectCodec<T>> codecFactory;
    private final SerializableFunction<T, byte[]> key;
    private final SerializableFunction<T, Long> timestamp;
    private final RecordSizeLimit limit;
    private transient SingleObjectCodec<T> codec;

    /**
     * @param timestamp the Kafka record timestamp (ms) taken from the record itself (its created_at): not the
     *                  Flink element timestamp, which is {@code Long.MAX_VALUE} for what end-of-input timers emit
     *                  and would be rejected by the broker
     */
    public SingleObjectRecordSerializer(
            String topic,
            SerializableSupplier<SingleObjectCodec<T>> codecFactory,
            SerializableFunction<T, byte[]> key,
            SerializableFunction<T, Long> timestamp) {
        this(topic, codecFactory, key, timestamp, null);
    }

    /** As above, failing with {@link RecordSizeLimit.RecordTooLargeForTopicException} above {@code limit} (if any). */
    public SingleObjectRecordSerializer(
            String topic,
            SerializableSupplier<SingleObjectCodec<T>> codecFactory,
            SerializableFunction<T, byte[]> key,
            SerializableFunction<T, Long> timestamp,
            RecordSizeLimit limit) {
        this.limit = limit;
        this.topic = topic;
        this.codecFactory = codecFactory;
        this.key = key;
        this.timestamp = timestamp;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        codec = codecFactory.get();
        if (limit != null) {
            limit.open();
        }
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        if (codec == null) {
            codec = codecFactory.get();
        }
        byte[] k = key.apply(element);
        byte[] value = codec.encode(element);
        if (limit != null) {
            limit.check(k, value);
        }
        return new ProducerRecord<>(topic, null, this.timestamp.apply(element), k, value);
    }
}

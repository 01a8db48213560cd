package io.streamgrad.job.sink;

import io.streamgrad.schemas.SingleObjectCodec;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes an Avro record to a topic, single-object encoded (or, made with {@link #json}, in another encoding such as
 * the JSON of {@code output_format}), keyed by bytes taken from the record (the model id,
 * so a compacted topic keeps each model's newest snapshot). The codec is created in {@link #open}: Avro's message
 * encoders are not serialisable.
 */
public final class SingleObjectRecordSerializer<T extends SpecificRecordBase>
        implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializableSupplier<SingleObjectCodec<T>> codecFactory;
    /** Non-null: the value's bytes come from it instead of the codec (stateless, thread-safe). */
    private final SerializableFunction<T, byte[]> encoder;

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
        this(topic, codecFactory, null, key, timestamp, limit);
    }

    private SingleObjectRecordSerializer(
            String topic,
            SerializableSupplier<SingleObjectCodec<T>> codecFactory,
            SerializableFunction<T, byte[]> encoder,
            SerializableFunction<T, byte[]> key,
            SerializableFunction<T, Long> timestamp,
            RecordSizeLimit limit) {
        this.limit = limit;
        this.topic = topic;
        this.codecFactory = codecFactory;
        this.encoder = encoder;
        this.key = key;
        this.timestamp = timestamp;
    }

    /** As the constructor, the value encoded by {@code encoder} (e.g. {@code JsonRecords::toJson}) instead. */
    public static <T extends SpecificRecordBase> SingleObjectRecordSerializer<T> json(
            String topic,
            SerializableFunction<T, byte[]> encoder,
            SerializableFunction<T, byte[]> key,
            SerializableFunction<T, Long> timestamp,
            RecordSizeLimit limit) {
        return new SingleObjectRecordSerializer<>(topic, null, encoder, key, timestamp, limit);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        codec = codecFactory == null ? null : codecFactory.get();
        if (limit != null) {
            limit.open();
        }
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        if (codec == null && encoder == null) {
            codec = codecFactory.get();
        }
        byte[] k = key.apply(element);
        byte[] value = encoder != null ? encoder.apply(element) : codec.encode(element);
        if (limit != null) {
            limit.check(k, value);
        }
        return new ProducerRecord<>(topic, null, this.timestamp.apply(element), k, value);
    }

    /**
     * {@link io.streamgrad.schemas.JsonRecords#toJson} as a class: one method reference {@code JsonRecords::toJson}
     * used for two record types in one class deserialises, in a Flink task, as the first one's lambda (javac's
     * {@code $deserializeLambda$} matches the implementation method, not the record type) and fails with a
     * ClassCastException.
     */
    public static final class Json<T extends SpecificRecordBase> implements SerializableFunction<T, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public byte[] apply(T record) {
            return io.streamgrad.schemas.JsonRecords.toJson(record);
        }
    }
}

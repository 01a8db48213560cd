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
 * so a compacted topic keeps each model's newest snapshot), stamped with the time of writing. The codec is created
 * in {@link #open}: Avro's message encoders are not serialisable.
 */
public final class SingleObjectRecordSerializer<T extends SpecificRecordBase>
        implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializableSupplier<SingleObjectCodec<T>> codecFactory;
    private final SerializableFunction<T, byte[]> key;
    private transient SingleObjectCodec<T> codec;

    public SingleObjectRecordSerializer(String topic, SerializableSupplier<SingleObjectCodec<T>> codecFactory,
                                        SerializableFunction<T, byte[]> key) {
        this.topic = topic;
        this.codecFactory = codecFactory;
        this.key = key;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        codec = codecFactory.get();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        if (codec == null) {
            codec = codecFactory.get();
        }
        // The Kafka timestamp is the time of writing (null: the producer's clock), never the element's: that comes
        // from input (a producer may stamp a record years ahead, which its own topic may accept) or is Long.MAX_VALUE
        // for what the end of a bounded input emits, and brokers refuse timestamps more than
        // log.message.timestamp.after.max.ms (1 h since Kafka 4.0) ahead, which would fail the job on every restart.
        return new ProducerRecord<>(topic, null, null, key.apply(element), codec.encode(element));
    }
}

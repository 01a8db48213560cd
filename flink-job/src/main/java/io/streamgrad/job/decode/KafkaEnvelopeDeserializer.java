package io.streamgrad.job.decode;

import io.streamgrad.job.records.SourceRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Wraps every Kafka record as a {@link SourceRecord} (coordinates + raw bytes) without looking inside, so the
 * source can never fail or silently drop a record: decoding happens downstream, where a bad record is routed to
 * the dead letters with its coordinates (Kafka Streams' deserialization-handler idea, done as a side output).
 */
public final class KafkaEnvelopeDeserializer implements KafkaRecordDeserializationSchema<SourceRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourceRecord> out) {
        out.collect(new SourceRecord(
                record.topic(), record.partition(), record.offset(), record.timestamp(), record.key(), record.value()));
    }

    @Override
    public TypeInformation<SourceRecord> getProducedType() {
        return TypeInformation.of(SourceRecord.class);
    }
}

package io.streamgrad.job.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class SingleObjectRecordSerializerTest {
    static TrainingMetrics metrics() {
        return TrainingMetrics.newBuilder()
                .setModelId("m")
                .setStep(1)
                .setExamplesSeen(32)
                .setWindowBatches(1)
                .setWindowExamples(32)
                .setLoss(0.5)
                .setGradientNorm(1)
                .setLearningRate(0.1)
                .setExamplesPerSecond(10)
                .setSkippedBatches(0)
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_123L))
                .build();
    }

    @Test
    void record_isKeyedByModel_singleObjectEncoded_andStampedWithItsCreationTime_notTheElementTimestamp()
            throws Exception {
        SingleObjectRecordSerializer<TrainingMetrics> s = InstantiationUtil.clone(new SingleObjectRecordSerializer<>(
                "metrics",
                SingleObjectCodec::trainingMetrics,
                m -> m.getModelId().getBytes(StandardCharsets.UTF_8),
                m -> m.getCreatedAt().toEpochMilli()));

        // End-of-input timers emit with the element timestamp Long.MAX_VALUE, which a broker rejects.
        ProducerRecord<byte[], byte[]> r = s.serialize(metrics(), null, Long.MAX_VALUE);

        assertThat(r.topic()).isEqualTo("metrics");
        assertThat(r.partition()).isNull();
        assertThat(r.timestamp()).isEqualTo(1_700_000_000_123L);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("m");
        assertThat(SingleObjectCodec.trainingMetrics().decode(r.value())).isEqualTo(metrics());
    }
}

package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.TrainingMetrics;
import java.nio.ByteBuffer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** Metrics written before the recommendation models' {@code ranking} field still read, with an empty map. */
class TrainingMetricsHistoryTest {
    @Test
    void v1Record_decodesWithEmptyRanking() throws Exception {
        GenericRecord v1 = new GenericData.Record(SchemaHistory.TRAINING_METRICS_V1);
        v1.put("model_id", "m");
        v1.put("step", 10L);
        v1.put("examples_seen", 320L);
        v1.put("window_batches", 5);
        v1.put("window_examples", 160L);
        v1.put("loss", 0.25);
        v1.put("gradient_norm", 1.5);
        v1.put("learning_rate", 0.1);
        v1.put("examples_per_second", 1000.0);
        v1.put("skipped_batches", 0L);
        v1.put("created_at", 7L);
        ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), SchemaHistory.TRAINING_METRICS_V1)
                .encode(v1);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);

        TrainingMetrics m = SingleObjectCodec.trainingMetrics().decode(bytes);

        assertThat(m.getStep()).isEqualTo(10);
        assertThat(m.getLoss()).isEqualTo(0.25);
        assertThat(m.getRanking()).isEmpty();
    }

    @Test
    void v1Schema_isTheCurrentWithoutRanking() {
        assertThat(SchemaHistory.TRAINING_METRICS_V1.getFields())
                .extracting(f -> f.name())
                .containsExactlyElementsOf(TrainingMetrics.getClassSchema().getFields().stream()
                        .map(f -> f.name())
                        .filter(n -> !n.equals("ranking"))
                        .toList());
    }
}

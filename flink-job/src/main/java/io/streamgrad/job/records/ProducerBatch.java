package io.streamgrad.job.records;

import java.util.Objects;

/**
 * A producer-made mini-batch, validated and assembled by the decoder: a MiniBatch record of exactly the model's
 * {@code batch_size} examples ({@link BatchTrigger#PRODUCER}), which trains as one update, as sent. It travels as
 * this one element instead of one per example, with the coordinates of the Kafka record it came from.
 *
 * @param batch the assembled batch (never null)
 * @param topic source topic of the MiniBatch record
 * @param partition its partition
 * @param offset its offset
 */
public record ProducerBatch(ExampleBatch batch, String topic, int partition, long offset) implements BatcherInput {
    public ProducerBatch {
        Objects.requireNonNull(batch, "batch");
    }

    @Override
    public String modelId() {
        return batch.modelId;
    }
}

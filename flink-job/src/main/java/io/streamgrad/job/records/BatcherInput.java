package io.streamgrad.job.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What the decoder hands the mini-batcher, one record at a time: either one validated {@link TrainingExample},
 * to be batched, or one {@link ProducerBatch}, a producer-made mini-batch that trains as it was sent. Each element
 * has exactly one meaning; the mini-batcher tells them apart by type.
 *
 * <p>Crosses the keyBy (by {@link #modelId()}) with {@link BatcherInputSerializer}, a tagged serializer: no Kryo,
 * no POJO fallback ({@link BatcherInputTypeInfo}, found by Flink's type extraction through {@code @TypeInfo}).
 */
@TypeInfo(BatcherInputTypeInfo.Factory.class)
public sealed interface BatcherInput permits TrainingExample, ProducerBatch {
    /** The model this element trains: the mini-batcher's key. */
    String modelId();
}

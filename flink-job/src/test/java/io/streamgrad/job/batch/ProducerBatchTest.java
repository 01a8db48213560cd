package io.streamgrad.job.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.decode.DecodeAndValidate;
import io.streamgrad.job.records.BatchTrigger;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.ProducerBatch;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.schemas.SingleObjectCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * A producer-made MiniBatch of exactly the model's batch_size examples travels from the decoder to the trainer as
 * one record and trains as one update, as sent (the MiniBatch schema's contract); one of another size is re-batched.
 */
class ProducerBatchTest {
    /** "m": 3 dense features, batch_size 2. */
    private static final ModelCatalog CATALOG = TestConfigs.catalog("m", TestConfigs.logisticYaml(3, 2));

    static Example example(float label, long eventTime, Float... dense) {
        return Example.newBuilder()
                .setModelId("m")
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setDense(List.of(dense))
                .setIndices(List.of())
                .setValues(List.of())
                .setNamed(Map.of())
                .setLabel(label)
                .setWeight(1f)
                .build();
    }

    static List<BatcherInput> decode(byte[]... values) throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, BatcherInput> h =
                ProcessFunctionTestHarnesses.forProcessFunction(
                        new DecodeAndValidate(CATALOG, new Limits(1 << 20, 100, 100)))) {
            long offset = 40;
            for (byte[] v : values) {
                h.processElement(new StreamRecord<>(new SourceRecord("ex", 1, offset++, 0L, null, v)));
            }
            return h.extractOutputValues();
        }
    }

    static byte[] miniBatch(Example... examples) {
        return SingleObjectCodec.miniBatch().encode(new MiniBatch("m", List.of(examples)));
    }

    static byte[] single(Example e) {
        return SingleObjectCodec.example().encode(e);
    }

    @Test
    void miniBatchOfExactlyBatchSize_isDecodedIntoOneRecordCarryingTheAssembledBatch() throws Exception {
        List<BatcherInput> out = decode(miniBatch(example(1f, 5, 1f, 2f, 3f), example(0f, 9, 4f, 5f, 6f)));

        assertThat(out).singleElement().isInstanceOf(ProducerBatch.class).satisfies(t -> {
            ProducerBatch p = (ProducerBatch) t;
            assertThat(p.modelId()).isEqualTo("m");
            assertThat(p.topic()).isEqualTo("ex");
            assertThat(p.partition()).isEqualTo(1);
            assertThat(p.offset()).isEqualTo(40);
            ExampleBatch b = p.batch();
            assertThat(b.trigger).isEqualTo(BatchTrigger.PRODUCER.wireName());
            assertThat(b.size).isEqualTo(2);
            assertThat(b.dim).isEqualTo(3);
            assertThat(b.dense).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
            assertThat(b.labels).containsExactly(1f, 0f);
            assertThat(b.weights).containsExactly(1f, 1f);
            assertThat(b.maxEventTime).isEqualTo(9);
            assertThat(b.sourcePartitions).containsExactly("ex-1");
            assertThat(b.nextOffsets).containsExactly(41L);
        });
    }

    @Test
    void miniBatchOfAnotherSize_isSplitIntoExamples() throws Exception {
        List<BatcherInput> out =
                decode(miniBatch(example(1f, 0, 1f, 2f, 3f), example(0f, 0, 4f, 5f, 6f), example(1f, 0, 7f, 8f, 9f)));

        assertThat(out).hasSize(3).allSatisfy(t -> assertThat(t).isInstanceOf(TrainingExample.class));
    }

    @Test
    void producerBatch_passesThroughTheBatcher_afterThePartialBatchThatArrivedBeforeIt() throws Exception {
        List<BatcherInput> in = new ArrayList<>();
        in.addAll(decode(single(example(1f, 0, 1f, 1f, 1f)))); // a partial batch of one
        in.addAll(decode(miniBatch(example(0f, 0, 2f, 2f, 2f), example(1f, 0, 3f, 3f, 3f))));
        in.addAll(decode(single(example(0f, 0, 4f, 4f, 4f)), single(example(1f, 0, 5f, 5f, 5f))));

        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, BatcherInput, ExampleBatch>(
                new KeyedProcessOperator<>(new MiniBatcher(CATALOG, 0)), BatcherInput::modelId, Types.STRING)) {
            h.open();
            for (BatcherInput e : in) {
                h.processElement(new StreamRecord<>(e));
            }
            assertThat(h.extractOutputValues())
                    .extracting(b -> b.trigger + ":" + b.size + ":" + b.dense[0])
                    .containsExactly("before-producer-batch:1:1.0", "producer:2:2.0", "count:2:4.0");
        }
    }

    @Test
    void producerBatch_withNothingWaiting_isTheOnlyOutput() throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, BatcherInput, ExampleBatch>(
                new KeyedProcessOperator<>(new MiniBatcher(CATALOG, 0)), BatcherInput::modelId, Types.STRING)) {
            h.open();
            for (BatcherInput e : decode(miniBatch(example(0f, 0, 2f, 2f, 2f), example(1f, 0, 3f, 3f, 3f)))) {
                h.processElement(new StreamRecord<>(e));
            }
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(b -> assertThat(b.trigger).isEqualTo(BatchTrigger.PRODUCER.wireName()));
        }
    }
}

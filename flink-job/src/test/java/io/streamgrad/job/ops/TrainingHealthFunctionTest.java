package io.streamgrad.job.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.AlertStatus;
import io.streamgrad.avro.TrainingMetrics;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The training-health operator's clock: a model that stops sending metrics windows is found stalled by its ticking
 * timer, whichever of its two inputs (metrics windows, published versions) reaches the operator first.
 */
class TrainingHealthFunctionTest {
    private static final long T0 = 1_765_000_000_000L;

    private static KeyedTwoInputStreamOperatorTestHarness<String, TrainingMetrics, Tuple2<String, Long>, Alert>
            harness() throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new TrainingHealthFunction(new OpsJob.Health(true, 3, 3600, 1))),
                (TrainingMetrics m) -> m.getModelId().toString(),
                (Tuple2<String, Long> v) -> v.f0,
                Types.STRING);
        h.open();
        return h;
    }

    private static TrainingMetrics window(String model, long step, long atMs) {
        return TrainingMetrics.newBuilder()
                .setModelId(model)
                .setStep(step)
                .setExamplesSeen(step * 16)
                .setWindowBatches(1)
                .setWindowExamples(16)
                .setLoss(0.5)
                .setGradientNorm(0.1)
                .setLearningRate(0.1)
                .setExamplesPerSecond(1000)
                .setSkippedBatches(0)
                .setCreatedAt(Instant.ofEpochMilli(atMs))
                .build();
    }

    private static List<String> stalledFiring(
            KeyedTwoInputStreamOperatorTestHarness<String, TrainingMetrics, Tuple2<String, Long>, Alert> h) {
        return h.extractOutputValues().stream()
                .filter(a -> a.getRule().toString().equals("training_stalled") && a.getStatus() == AlertStatus.firing)
                .map(a -> a.getModel().toString())
                .toList();
    }

    @Test
    void firstWindowFirst_theModelStalls3SecondsAfterItsLastWindow() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(T0);
            h.processElement1(new StreamRecord<>(window("a", 1, T0)));
            h.processElement2(new StreamRecord<>(Tuple2.of("a", T0)));
            h.setProcessingTime(T0 + 2_000);
            assertThat(stalledFiring(h)).isEmpty();
            h.setProcessingTime(T0 + 6_000);
            assertThat(stalledFiring(h)).containsExactly("a");
        }
    }

    @Test
    void firstVersionBeforeAnyWindow_theModelStillStalls() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(T0);
            h.processElement2(new StreamRecord<>(Tuple2.of("b", T0)));
            h.processElement1(new StreamRecord<>(window("b", 10, T0)));
            h.setProcessingTime(T0 + 6_000);
            assertThat(stalledFiring(h)).containsExactly("b");
            assertThat(h.numProcessingTimeTimers())
                    .as("one ticking timer per model")
                    .isEqualTo(1);
        }
    }
}

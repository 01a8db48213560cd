package io.streamgrad.job.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.SeriesScore;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertKey;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The series monitor operator: per-key state, restore, and idle expiry by timers (not per point). */
class SeriesMonitorFunctionTest {
    private static final long IDLE_MS = 60_000;
    private static final JobConfig CFG =
            OpsJobConfigTest.parse("models: {m: {model: {type: forecast}, score: {warmup: 5}}}\n");

    private static KeyedOneInputStreamOperatorTestHarness<String, SeriesRecord, SeriesScore> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SeriesMonitorFunction(CFG.ops().models(), IDLE_MS)),
                SeriesRecord::key,
                Types.STRING);
    }

    private static SeriesRecord point(String series, int i) {
        return new SeriesRecord(
                "m", series, 1_700_000_000L + 60L * i, 10 + Math.sin(i / 5.0) + (i % 7) * 0.1, "s", 0, i);
    }

    private static List<Double> scores(KeyedOneInputStreamOperatorTestHarness<String, SeriesRecord, SeriesScore> h) {
        List<Double> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof SeriesScore s) {
                out.add(s.getForecast());
                out.add(s.getAnomalyScore());
            }
        }
        return out;
    }

    /** What the monitor computes for one series alone (the offline answer). */
    private static List<Double> reference(String series, int from, int to) {
        SeriesMonitor m = new SeriesMonitor(CFG.ops().models().config("m"));
        SeriesMonitor.State s = m.newState();
        List<Double> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            SeriesRecord p = point(series, i);
            SeriesMonitor.Result r = m.step(s, new AlertKey("m", series, "anomaly"), p.time, p.value);
            out.add(r.forecast());
            out.add(r.score());
        }
        return out;
    }

    @Test
    void aRestoredOperator_continuesEachSeriesExactlyAsAnUninterruptedOne() throws Exception {
        OperatorSubtaskState snapshot;
        List<Double> a = new ArrayList<>();
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 40; i++) {
                h.processElement(new StreamRecord<>(point("a", i)));
                h.processElement(new StreamRecord<>(point("b", i)));
            }
            snapshot = h.snapshot(1, 1);
            for (Object o : h.extractOutputValues()) {
                if (((SeriesScore) o).getSeries().toString().equals("a")) {
                    a.add(((SeriesScore) o).getForecast());
                    a.add(((SeriesScore) o).getAnomalyScore());
                }
            }
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            for (int i = 40; i < 80; i++) {
                h.processElement(new StreamRecord<>(point("a", i)));
            }
            a.addAll(scores(h));
        }
        assertThat(a).isEqualTo(reference("a", 0, 80));
    }

    @Test
    void anIdleSeries_isRemovedAfterTheIdleTime_withOneTimerPerSeries_andStartsAfreshLater() throws Exception {
        try (var h = harness()) {
            h.open();
            h.setProcessingTime(0);
            for (int i = 0; i < 30; i++) {
                h.setProcessingTime(i * 1000L);
                h.processElement(new StreamRecord<>(point("a", i)));
            }
            assertThat(h.numProcessingTimeTimers())
                    .as("one timer for the series, not one per point")
                    .isEqualTo(1);
            assertThat(h.numKeyedStateEntries()).isEqualTo(3);
            // The first timer (60 s after the first point) finds a point 29 s old: it moves to 60 s after that one.
            h.setProcessingTime(IDLE_MS);
            assertThat(h.numKeyedStateEntries()).isEqualTo(3);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            h.setProcessingTime(29_000 + IDLE_MS);
            assertThat(h.numKeyedStateEntries())
                    .as("state of the idle series removed")
                    .isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();

            h.getOutput().clear();
            for (int i = 0; i < 10; i++) {
                h.processElement(new StreamRecord<>(point("a", 100 + i)));
            }
            List<Double> fresh = new ArrayList<>();
            SeriesMonitor m = new SeriesMonitor(CFG.ops().models().config("m"));
            SeriesMonitor.State s = m.newState();
            for (int i = 0; i < 10; i++) {
                SeriesRecord p = point("a", 100 + i);
                SeriesMonitor.Result r = m.step(s, new AlertKey("m", "a", "anomaly"), p.time, p.value);
                fresh.add(r.forecast());
                fresh.add(r.score());
            }
            assertThat(scores(h)).as("a returning series starts afresh").isEqualTo(fresh);
        }
    }
}

package io.streamgrad.job.ops;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.SeriesScore;
import io.streamgrad.job.monitor.AlertRecords;
import io.streamgrad.monitor.SeriesMonitor;
import io.streamgrad.monitor.alert.AlertEvent;
import io.streamgrad.monitor.alert.AlertKey;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One {@link SeriesMonitor} per (model, series) key: the per-series state is {@link SeriesMonitor#encode}'s
 * versioned bytes in keyed state ({@value #STATE}), each point is scored with the same {@code step} that
 * {@code detect} calls, its {@link SeriesScore} goes out, and the alert rule's transitions go to {@link #ALERTS}.
 * So a series streamed through the job in order gets exactly {@code detect}'s scores, also across restores.
 *
 * <p>Idle series cost state only: no timer fires per point. The processing time of a series' last point is kept
 * ({@value #LAST_SEEN}); one timer per series ({@value #EXPIRY}) fires {@code idleTimeoutMs} after the point that
 * registered it, and either removes the series' state (no point since) or moves itself to the last point plus
 * {@code idleTimeoutMs}: at most one timer firing per idle period of an active series.
 */
public final class SeriesMonitorFunction extends KeyedProcessFunction<String, SeriesRecord, SeriesScore> {
    private static final long serialVersionUID = 1L;

    /** Keyed state names: new, stable (savepoint compatibility); the layout is owned by {@link SeriesMonitor}. */
    static final String STATE = "series-monitor-state";

    static final String LAST_SEEN = "series-last-seen-ms";
    static final String EXPIRY = "series-expiry-timer-ms";

    public static final OutputTag<Alert> ALERTS = new OutputTag<>("series-alerts", new AvroTypeInfo<>(Alert.class));

    private final OpsModels models;
    private final long idleTimeoutMs;
    private transient Map<String, SeriesMonitor> monitors;
    private transient ValueState<byte[]> state;
    private transient ValueState<Long> lastSeen;
    private transient ValueState<Long> expiry;
    private transient Counter expired;
    private transient Counter alerts;

    public SeriesMonitorFunction(OpsModels models, long idleTimeoutMs) {
        this.models = models;
        this.idleTimeoutMs = idleTimeoutMs;
    }

    @Override
    public void open(OpenContext openContext) {
        monitors = new HashMap<>();
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        lastSeen = getRuntimeContext().getState(new ValueStateDescriptor<>(LAST_SEEN, Types.LONG));
        expiry = getRuntimeContext().getState(new ValueStateDescriptor<>(EXPIRY, Types.LONG));
        expired = getRuntimeContext().getMetricGroup().counter("seriesExpired");
        alerts = getRuntimeContext().getMetricGroup().counter("seriesAlerts");
        getRuntimeContext().getMetricGroup().gauge("monitoredModels", () -> monitors.size());
    }

    @Override
    public void processElement(SeriesRecord p, Context ctx, Collector<SeriesScore> out) throws IOException {
        SeriesMonitor monitor = monitors.computeIfAbsent(p.model, m -> new SeriesMonitor(models.config(m)));
        byte[] bytes = state.value();
        SeriesMonitor.State s;
        if (bytes == null) {
            s = monitor.newState();
        } else {
            try {
                s = SeriesMonitor.decode(bytes);
            } catch (IOException e) {
                // Only this build writes the state: unreadable bytes are a bug or a savepoint from a newer build.
                throw new IllegalStateException(
                        "series " + ctx.getCurrentKey() + ": cannot read its keyed state '" + STATE + "' ("
                                + e.getMessage() + "); restore with a build that wrote it",
                        e);
            }
        }
        SeriesMonitor.Result r = monitor.step(
                s, new AlertKey(p.model, p.series, monitor.config().rule().name()), p.time, p.value);
        state.update(SeriesMonitor.encode(s));
        out.collect(ScoreRecords.of(p, r));
        Optional<AlertEvent> e = r.event();
        if (e.isPresent()) {
            alerts.inc();
            ctx.output(ALERTS, AlertRecords.of(e.get()));
        }
        long now = ctx.timerService().currentProcessingTime();
        lastSeen.update(now);
        if (expiry.value() == null) {
            long at = now + idleTimeoutMs;
            ctx.timerService().registerProcessingTimeTimer(at);
            expiry.update(at);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SeriesScore> out) throws IOException {
        Long last = lastSeen.value();
        if (last == null || timestamp - last >= idleTimeoutMs) {
            state.clear();
            lastSeen.clear();
            expiry.clear();
            expired.inc();
            return;
        }
        long at = last + idleTimeoutMs;
        ctx.timerService().registerProcessingTimeTimer(at);
        expiry.update(at);
    }
}

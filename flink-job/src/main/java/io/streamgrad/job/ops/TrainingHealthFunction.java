package io.streamgrad.job.ops;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.monitor.AlertRecords;
import io.streamgrad.monitor.alert.AlertEvent;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.alert.AlertRule;
import io.streamgrad.monitor.detect.TrainingHealth;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Training health of each trained model, beside the trainer (whose state layout it does not touch): its metrics
 * windows (input 1: the prequential loss of the window, at the window's processing time) and its published
 * versions (input 2: model id and publication time, full or delta) feed {@link TrainingHealth}; each of its five
 * signals is the condition of an {@link AlertRule} keyed (model, "-", rule), whose firing and resolved transitions
 * go out as {@link Alert} records. One processing-time timer per model ticks (every 10 s at most) to check the
 * clock signals (stall, no new version) while no window arrives. State: {@value #STATE} (versioned bytes: the detectors and the five rules' states).
 */
public final class TrainingHealthFunction
        extends KeyedCoProcessFunction<String, TrainingMetrics, Tuple2<String, Long>, Alert> {
    private static final long serialVersionUID = 1L;

    /** Keyed state name: new, stable. */
    static final String STATE = "training-health-state";

    static final int STATE_VERSION = 1;

    /** The rules, in the order of their states in {@link #STATE}. */
    public static final List<String> RULES = List.of(
            "training_loss_rising",
            "training_loss_shift",
            "training_loss_not_finite",
            "training_stalled",
            "training_no_new_version");

    /** The series label of training alerts: a model has one training series. */
    public static final String SERIES = "-";

    private final OpsJob.Health settings;
    private transient TrainingHealth health;
    private transient AlertRule[] rules;
    private transient ValueState<byte[]> state;

    public TrainingHealthFunction(OpsJob.Health settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        health = TrainingHealth.defaults(settings.stallSeconds(), settings.noVersionSeconds());
        rules = RULES.stream()
                .map(r -> new AlertRule(r, 0, settings.keepFiringSeconds()))
                .toArray(AlertRule[]::new);
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    /** One model's detectors and rule states. */
    private final class Model {
        final TrainingHealth.State detectors;
        final AlertRule.State[] alerts;

        Model(TrainingHealth.State detectors, AlertRule.State[] alerts) {
            this.detectors = detectors;
            this.alerts = alerts;
        }
    }

    private Model load(String model) throws IOException {
        byte[] b = state.value();
        if (b == null) {
            AlertRule.State[] a = new AlertRule.State[rules.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = rules[i].newState();
            }
            return new Model(health.newState(), a);
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
        int v = in.readUnsignedByte();
        if (v != STATE_VERSION) {
            throw new IllegalStateException("model " + model + ": training-health state version " + v
                    + " is not supported (this build reads " + STATE_VERSION + "); restore with the build that"
                    + " wrote it");
        }
        TrainingHealth.State d = TrainingHealth.State.read(in);
        AlertRule.State[] a = new AlertRule.State[rules.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = AlertRule.State.read(in);
        }
        return new Model(d, a);
    }

    private void save(Model m) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(STATE_VERSION);
        m.detectors.write(out);
        for (AlertRule.State a : m.alerts) {
            a.write(out);
        }
        out.flush();
        state.update(bytes.toByteArray());
    }

    @Override
    public void processElement1(TrainingMetrics w, Context ctx, Collector<Alert> out) throws IOException {
        String model = ctx.getCurrentKey();
        boolean first = state.value() == null;
        Model m = load(model);
        long now = w.getCreatedAt().toEpochMilli() / 1000;
        TrainingHealth.Signals s = health.onBatch(m.detectors, now, w.getLoss());
        evaluate(model, m, now, s, w.getLoss(), out);
        save(m);
        if (first) {
            ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + periodMs());
        }
    }

    /** How often the clock signals are checked: every 10 s, or more often for shorter limits. */
    private long periodMs() {
        return Math.min(10, Math.min(settings.stallSeconds(), settings.noVersionSeconds())) * 1000;
    }

    @Override
    public void processElement2(Tuple2<String, Long> version, Context ctx, Collector<Alert> out) throws IOException {
        // The two inputs have no order between them: a model's first version can arrive before its first metrics
        // window, and whichever input first creates the model's state starts its ticking timer.
        boolean first = state.value() == null;
        Model m = load(ctx.getCurrentKey());
        health.onVersion(m.detectors, version.f1 / 1000);
        save(m);
        if (first) {
            ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + periodMs());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws IOException {
        String model = ctx.getCurrentKey();
        Model m = load(model);
        long now = timestamp / 1000;
        evaluate(model, m, now, health.check(m.detectors, now), Double.NaN, out);
        save(m);
        // One timer per model, ticking: a stalled model sends no windows that would check its clocks.
        ctx.timerService().registerProcessingTimeTimer(timestamp + periodMs());
    }

    private void evaluate(
            String model, Model m, long now, TrainingHealth.Signals s, double loss, Collector<Alert> out) {
        boolean[] conditions = {s.lossRising(), s.lossShiftedUp(), s.lossNotFinite(), s.stalled(), s.noNewVersion()};
        for (int i = 0; i < rules.length; i++) {
            Optional<AlertEvent> e = rules[i].evaluate(
                    m.alerts[i],
                    new AlertKey(model, SERIES, rules[i].name()),
                    now,
                    conditions[i],
                    conditions[i] ? 1 : 0,
                    loss,
                    loss);
            e.ifPresent(ev -> out.collect(AlertRecords.of(ev)));
        }
    }
}

package io.streamgrad.monitor;

import io.streamgrad.monitor.alert.AlertEvent;
import io.streamgrad.monitor.alert.AlertKey;
import io.streamgrad.monitor.alert.AlertRule;
import io.streamgrad.monitor.config.OpsConfig;
import io.streamgrad.monitor.detect.PageHinkley;
import io.streamgrad.monitor.forecast.ForecasterState;
import io.streamgrad.monitor.forecast.SeriesForecaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * One series' monitoring, point by point: forecast, interval and anomaly score ({@link SeriesForecaster}), a
 * Page-Hinkley test on the standardised residuals, and the alert rule's lifecycle ({@link AlertRule}). Immutable;
 * the per-series {@link State} is the caller's ({@link #encode}/{@link #decode}: a versioned byte form for keyed
 * state). {@code detect} runs one per file; the streaming job one per series key, the same code.
 *
 * <p>The rule's condition at a point is {@code warmedUp && score >= score_threshold && !suppressed}, where
 * {@code suppressed} means {@code |actual - forecast| < min_abs_deviation} or {@code < min_rel_deviation *
 * |forecast|}. A Page-Hinkley alarm (a shift of the residuals' level that the model has not absorbed, in units of
 * the interval's half-width) resets the detector and ends any skipping of anomalous points, so the
 * forecaster learns the new level at once ("reset after an alarm").
 */
public final class SeriesMonitor {
    private final OpsConfig config;
    private final SeriesForecaster forecaster;
    private final PageHinkley change;

    /** One point's result: what {@code detect} writes, the event the rule emitted, and the detector's verdict. */
    public record Result(
            double forecast,
            double lower,
            double upper,
            double score,
            AlertRule.Status alert,
            Optional<AlertEvent> event,
            boolean levelShift,
            SeriesForecaster.Point point) {}

    /** The caller-owned state of one series: about {@link #bytes()} bytes. */
    public static final class State {
        static final int VERSION = 1;
        final ForecasterState forecaster;
        final PageHinkley.State change;
        final AlertRule.State alert;

        State(ForecasterState forecaster, PageHinkley.State change, AlertRule.State alert) {
            this.forecaster = forecaster;
            this.change = change;
            this.alert = alert;
        }

        public ForecasterState forecaster() {
            return forecaster;
        }

        public AlertRule.State alert() {
            return alert;
        }

        public int bytes() {
            return 1 + forecaster.bytes() + 49 + 18;
        }
    }

    public SeriesMonitor(OpsConfig config) {
        this.config = config;
        this.forecaster = new SeriesForecaster(config.forecast());
        this.change = new PageHinkley(config.phDelta(), config.phLambda(), 30, PageHinkley.Direction.BOTH);
    }

    public OpsConfig config() {
        return config;
    }

    public State newState() {
        return new State(forecaster.newState(), change.newState(), config.rule().newState());
    }

    /** Processes one point of the series {@code key} at event time {@code ts} (epoch seconds). */
    public Result step(State s, AlertKey key, long ts, double value) {
        double skipAbove = config.learnFromAnomalies() ? Double.POSITIVE_INFINITY : config.scoreThreshold();
        SeriesForecaster.Point p = forecaster.step(s.forecaster, ts, value, skipAbove, config.maxSkipped());
        boolean shift = false;
        if (p.learned() && p.warmedUp() && p.timing() != SeriesForecaster.Timing.LATE) {
            double scale = (p.upper() - p.lower()) / 2;
            if (scale > 0 && Double.isFinite(scale)) {
                // the residual in interval half-widths: a scale each series calibrates for itself
                shift = change.update(s.change, (value - p.forecast()) / scale);
            }
        }
        if (shift) {
            s.forecaster.resumeLearning();
        }
        double deviation = Math.abs(value - p.forecast());
        boolean suppressed =
                deviation < config.minAbsDeviation() || deviation < config.minRelDeviation() * Math.abs(p.forecast());
        boolean active = p.warmedUp() && p.score() >= config.scoreThreshold() && !suppressed;
        Optional<AlertEvent> event = p.timing() == SeriesForecaster.Timing.LATE
                ? Optional.empty() // a late point does not move the rule's clock either
                : config.rule().evaluate(s.alert, key, ts, active, p.score(), value, p.forecast());
        return new Result(p.forecast(), p.lower(), p.upper(), p.score(), s.alert.status(), event, shift, p);
    }

    /** The state's versioned byte form. */
    public static byte[] encode(State s) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.bytes());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(State.VERSION);
            s.forecaster.write(out);
            s.change.write(out);
            s.alert.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@link #encode}'s form; refuses versions it does not know, naming them. */
    public static State decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int v = in.readUnsignedByte();
        if (v != State.VERSION) {
            throw new IOException(
                    "series monitor state version " + v + " is not supported (this build reads " + State.VERSION + ")");
        }
        State s = new State(ForecasterState.read(in), PageHinkley.State.read(in), AlertRule.State.read(in));
        if (in.available() != 0) {
            throw new IOException("series monitor state: " + in.available() + " bytes left over after the state");
        }
        return s;
    }
}

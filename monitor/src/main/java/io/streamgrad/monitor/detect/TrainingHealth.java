package io.streamgrad.monitor.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Training-health signals for one model, from its prequential loss stream and its clock: a loss that climbs while
 * staying finite (Page-Hinkley, upward, on {@code ln(loss + 1e-12)} so the thresholds mean the same for any loss
 * scale: {@code delta} and {@code lambda} are in log units, a factor {@code e^lambda} of cumulative excess), a
 * shift of the loss's level (ADWIN on the same values; reported when the kept window's mean is higher than before
 * the cut), a non-finite loss, a stall (no batch for {@code stallSeconds} of event time) and a stale model (no new
 * version for {@code versionSeconds}). Each signal is a condition for an alert rule
 * ({@link io.streamgrad.monitor.alert.AlertRule}) keyed by (model, "-", signal); the state is the caller's.
 */
public record TrainingHealth(PageHinkley lossRise, Adwin lossShift, long stallSeconds, long versionSeconds) {

    /** Defaults: Page-Hinkley delta 0.05 and lambda 5 (in ln units) after 30 batches; ADWIN's defaults. */
    public static TrainingHealth defaults(long stallSeconds, long versionSeconds) {
        return new TrainingHealth(
                new PageHinkley(0.05, 5, 30, PageHinkley.Direction.UP), Adwin.defaults(), stallSeconds, versionSeconds);
    }

    /** The conditions at one moment. */
    public record Signals(
            boolean lossRising, boolean lossShiftedUp, boolean lossNotFinite, boolean stalled, boolean noNewVersion) {
        public boolean any() {
            return lossRising || lossShiftedUp || lossNotFinite || stalled || noNewVersion;
        }
    }

    /** One model's detectors and clocks. */
    public static final class State {
        static final int VERSION = 1;
        final PageHinkley.State ph;
        final Adwin.State adwin;
        long lastBatch = Long.MIN_VALUE;
        long lastVersion = Long.MIN_VALUE;

        State(PageHinkley.State ph, Adwin.State adwin) {
            this.ph = ph;
            this.adwin = adwin;
        }

        public void write(DataOutput out) throws IOException {
            out.writeByte(VERSION);
            ph.write(out);
            adwin.write(out);
            out.writeLong(lastBatch);
            out.writeLong(lastVersion);
        }

        public static State read(DataInput in) throws IOException {
            int v = in.readUnsignedByte();
            if (v != VERSION) {
                throw new IOException(
                        "training-health state version " + v + " is not supported (this build reads " + VERSION + ")");
            }
            State s = new State(PageHinkley.State.read(in), Adwin.State.read(in));
            s.lastBatch = in.readLong();
            s.lastVersion = in.readLong();
            return s;
        }
    }

    public State newState() {
        return new State(lossRise.newState(), lossShift.newState());
    }

    /** A batch's prequential loss at event time {@code ts}; the signals it raises (stall and version: as of ts). */
    public Signals onBatch(State s, long ts, double loss) {
        s.lastBatch = ts;
        if (s.lastVersion == Long.MIN_VALUE) {
            s.lastVersion = ts;
        }
        if (!Double.isFinite(loss) || loss < 0) {
            return new Signals(false, false, true, false, stale(s, ts));
        }
        double x = Math.log(loss + 1e-12);
        boolean rising = lossRise.update(s.ph, x);
        double before = s.adwin.mean();
        boolean shifted = lossShift.update(s.adwin, x) && s.adwin.mean() > before;
        return new Signals(rising, shifted, false, false, stale(s, ts));
    }

    /** A new model version published at {@code ts}. */
    public void onVersion(State s, long ts) {
        s.lastVersion = ts;
    }

    /** The clock signals at {@code now} (a timer's event time), without a batch. */
    public Signals check(State s, long now) {
        boolean stalled = s.lastBatch != Long.MIN_VALUE && now - s.lastBatch >= stallSeconds;
        return new Signals(false, false, false, stalled, stale(s, now));
    }

    private boolean stale(State s, long now) {
        return s.lastVersion != Long.MIN_VALUE && now - s.lastVersion >= versionSeconds;
    }
}

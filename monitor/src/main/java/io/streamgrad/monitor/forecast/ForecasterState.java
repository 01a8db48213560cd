package io.streamgrad.monitor.forecast;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Everything one series' forecaster remembers, owned by the caller (the streaming job keeps one per series in keyed
 * state; {@code detect} one per file): its clock, its recent values, the running mean and variance that standardise
 * it, the linear model's weights and optimizer state (or Holt-Winters' level, trend and season), and the window of
 * recent residuals. Written with a version byte ({@link #write}, {@link #read}); {@link #bytes()} estimates its size.
 */
public final class ForecasterState {
    static final int VERSION = 1;
    static final long NONE = Long.MIN_VALUE;

    long lastTs = NONE;
    long interval; // seconds; 0 until known
    long points; // points since the (re)start of the history: the warm-up counter
    long updates; // optimizer steps
    int skipped; // consecutive points not learned from (anomalous)
    // the recent values, newest at next - 1
    float[] history = new float[0];
    int historyCount;
    int historyNext;
    // running standardisation
    long normN;
    double mean;
    double variance;
    // linear model
    float[] weights;
    float[] optimizerState;
    // Holt-Winters
    double level;
    double trend;
    float[] season = new float[0];
    // residuals
    float[] residuals;
    int residualCount;
    int residualNext;

    ForecasterState(int features, int optimizerStateSize, int window) {
        weights = new float[features];
        optimizerState = new float[optimizerStateSize];
        residuals = new float[window];
    }

    /** Ends any skipping of anomalous points: the next point is learned from (after a detected level shift). */
    public void resumeLearning() {
        skipped = Integer.MAX_VALUE / 2;
    }

    public long points() {
        return points;
    }

    public long lastTimestamp() {
        return lastTs;
    }

    public long intervalSeconds() {
        return interval;
    }

    /** Approximate bytes of this state in the job's keyed state (the serialised form). */
    public int bytes() {
        return 8 * 12
                + 4 * (history.length + weights.length + optimizerState.length + season.length + residuals.length);
    }

    public void write(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(lastTs);
        out.writeLong(interval);
        out.writeLong(points);
        out.writeLong(updates);
        out.writeInt(skipped);
        writeFloats(out, history);
        out.writeInt(historyCount);
        out.writeInt(historyNext);
        out.writeLong(normN);
        out.writeDouble(mean);
        out.writeDouble(variance);
        writeFloats(out, weights);
        writeFloats(out, optimizerState);
        out.writeDouble(level);
        out.writeDouble(trend);
        writeFloats(out, season);
        writeFloats(out, residuals);
        out.writeInt(residualCount);
        out.writeInt(residualNext);
    }

    public static ForecasterState read(DataInput in) throws IOException {
        int v = in.readUnsignedByte();
        if (v != VERSION) {
            throw new IOException("forecaster state version " + v + " is not supported (this build reads " + VERSION
                    + "); replay the series or start it afresh");
        }
        ForecasterState s = new ForecasterState(0, 0, 0);
        s.lastTs = in.readLong();
        s.interval = in.readLong();
        s.points = in.readLong();
        s.updates = in.readLong();
        s.skipped = in.readInt();
        s.history = readFloats(in);
        s.historyCount = in.readInt();
        s.historyNext = in.readInt();
        s.normN = in.readLong();
        s.mean = in.readDouble();
        s.variance = in.readDouble();
        s.weights = readFloats(in);
        s.optimizerState = readFloats(in);
        s.level = in.readDouble();
        s.trend = in.readDouble();
        s.season = readFloats(in);
        s.residuals = readFloats(in);
        s.residualCount = in.readInt();
        s.residualNext = in.readInt();
        return s;
    }

    private static void writeFloats(DataOutput out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float f : a) {
            out.writeFloat(f);
        }
    }

    private static float[] readFloats(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 24) {
            throw new IOException("forecaster state: an array of " + n + " floats is not valid");
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readFloat();
        }
        return a;
    }
}

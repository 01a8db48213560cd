package io.streamgrad.job.recs;

import io.streamgrad.learner.io.FormatException;
import io.streamgrad.learner.recs.RankingMetrics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the mf trainer keeps per model beside the model itself (keyed state {@code mfProgress}, versioned bytes):
 * interactions seen, the current metrics window, the publishing counters and the next source offset per
 * interactions partition. Mutable, one per model key.
 */
final class MfProgress {
    static final byte MAGIC = 0x50; // 'P'
    static final byte VERSION = 1;

    long examplesSeen;
    // the metrics window
    int windowBatches;
    long windowExamples;
    double windowLoss;
    int windowTrainedBatches;
    long windowStartMs = -1;
    RankingMetrics.Sums windowSums = new RankingMetrics.Sums(0, 0, 0, 0, 0, 0);
    // publishing
    long version;
    long fullVersion;
    long versionsSinceFull;
    long lastFullAtMs = -1;
    long lastVersionStep;
    long lastVersionAtMs = -1;
    /** partition of the interactions topic -> the offset after the last record trained. */
    final TreeMap<Integer, Long> nextOffsets = new TreeMap<>();

    void resetWindow() {
        windowBatches = 0;
        windowExamples = 0;
        windowLoss = 0;
        windowTrainedBatches = 0;
        windowStartMs = -1;
        windowSums = new RankingMetrics.Sums(0, 0, 0, 0, 0, 0);
    }

    /**
     * Version 1, big-endian: 'P', 1, examplesSeen, windowBatches (int), windowExamples, windowLoss (double),
     * windowTrainedBatches (int), windowStartMs, the six window sums (examples long, hits double, dcg double, rated
     * long, squared double, absolute double), version, fullVersion, versionsSinceFull, lastFullAtMs,
     * lastVersionStep, lastVersionAtMs, the number of offsets (int) then (partition int, offset long) each.
     */
    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(MAGIC);
            out.writeByte(VERSION);
            out.writeLong(examplesSeen);
            out.writeInt(windowBatches);
            out.writeLong(windowExamples);
            out.writeDouble(windowLoss);
            out.writeInt(windowTrainedBatches);
            out.writeLong(windowStartMs);
            RankingMetrics.Sums s = windowSums;
            out.writeLong(s.examples());
            out.writeDouble(s.hits());
            out.writeDouble(s.dcg());
            out.writeLong(s.rated());
            out.writeDouble(s.squared());
            out.writeDouble(s.absolute());
            out.writeLong(version);
            out.writeLong(fullVersion);
            out.writeLong(versionsSinceFull);
            out.writeLong(lastFullAtMs);
            out.writeLong(lastVersionStep);
            out.writeLong(lastVersionAtMs);
            out.writeInt(nextOffsets.size());
            for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static MfProgress decode(byte[] bytes) {
        MfProgress p = new MfProgress();
        if (bytes == null) {
            return p;
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            if (in.readByte() != MAGIC) {
                throw new FormatException("not an mf trainer's progress state (first byte is not 'P')");
            }
            byte v = in.readByte();
            if (v != VERSION) {
                throw new FormatException("mf trainer progress state version " + v + " is not readable by this build"
                        + " (it reads " + VERSION + "); restore with the streamgrad that wrote it");
            }
            p.examplesSeen = in.readLong();
            p.windowBatches = in.readInt();
            p.windowExamples = in.readLong();
            p.windowLoss = in.readDouble();
            p.windowTrainedBatches = in.readInt();
            p.windowStartMs = in.readLong();
            p.windowSums = new RankingMetrics.Sums(
                    in.readLong(), in.readDouble(), in.readDouble(), in.readLong(), in.readDouble(), in.readDouble());
            p.version = in.readLong();
            p.fullVersion = in.readLong();
            p.versionsSinceFull = in.readLong();
            p.lastFullAtMs = in.readLong();
            p.lastVersionStep = in.readLong();
            p.lastVersionAtMs = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                p.nextOffsets.put(in.readInt(), in.readLong());
            }
            if (in.available() > 0) {
                throw new FormatException("mf trainer progress state has trailing bytes; it is corrupt");
            }
            return p;
        } catch (IOException e) {
            throw new FormatException("mf trainer progress state is truncated; it is corrupt");
        }
    }
}

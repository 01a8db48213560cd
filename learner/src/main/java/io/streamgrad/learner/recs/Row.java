package io.streamgrad.learner.recs;

import java.util.Arrays;
import java.util.Objects;

/**
 * One row of an {@link EmbeddingTable}: everything the table keeps for one raw id, as one caller-owned,
 * individually serialisable unit ({@link RowCodec}), so a streaming job can keep each row as its own entry of a
 * keyed map (Flink {@code MapState<String, Row>}) and read and write only the rows a batch touches.
 *
 * <ul>
 *   <li>{@code count}: how often the id was seen (admission counts it before the row has parameters);</li>
 *   <li>{@code params}: the {@code dim} vector followed by the bias ({@code dim + 1} floats), or null while the id
 *   is a candidate that has not reached the table's minimum count;</li>
 *   <li>{@code slot1}, {@code slot2}: the row's optimizer state for {@code params} (adagrad: the accumulator in
 *   {@code slot1}; adam: first and second moments), empty arrays where the rule keeps none;</li>
 *   <li>{@code updates}: how many batches moved this row (lazy adam's per-row bias correction);</li>
 *   <li>{@code lastStep}, {@code lastTimeMs}: the step and event time at which the id was last seen (expiry).</li>
 * </ul>
 *
 * <p>Mutable and not thread-safe; the table hands it out, the caller writes it back with {@link RowStore#put}.
 */
public final class Row {
    static final float[] NONE = new float[0];

    long count;
    long lastStep;
    long lastTimeMs;
    long updates;
    float[] params;
    float[] slot1;
    float[] slot2;

    Row(long count, long lastStep, long lastTimeMs, long updates, float[] params, float[] slot1, float[] slot2) {
        this.count = count;
        this.lastStep = lastStep;
        this.lastTimeMs = lastTimeMs;
        this.updates = updates;
        this.params = params;
        this.slot1 = slot1 == null ? NONE : slot1;
        this.slot2 = slot2 == null ? NONE : slot2;
    }

    /** A candidate: seen {@code count} times, not admitted yet. */
    static Row candidate(long count, long step, long timeMs) {
        return new Row(count, step, timeMs, 0, null, NONE, NONE);
    }

    public boolean admitted() {
        return params != null;
    }

    public long count() {
        return count;
    }

    public long lastStep() {
        return lastStep;
    }

    public long lastTimeMs() {
        return lastTimeMs;
    }

    public long updates() {
        return updates;
    }

    /** The vector ({@code dim} floats) then the bias; null for a candidate. A live view: do not modify. */
    public float[] params() {
        return params;
    }

    public float bias() {
        return params[params.length - 1];
    }

    public float[] slot1() {
        return slot1;
    }

    public float[] slot2() {
        return slot2;
    }

    /** A deep copy (tests, and a state backend that must not share arrays between versions). */
    public Row copy() {
        return new Row(
                count,
                lastStep,
                lastTimeMs,
                updates,
                params == null ? null : params.clone(),
                slot1.clone(),
                slot2.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row r
                && count == r.count
                && lastStep == r.lastStep
                && lastTimeMs == r.lastTimeMs
                && updates == r.updates
                && Arrays.equals(params, r.params)
                && Arrays.equals(slot1, r.slot1)
                && Arrays.equals(slot2, r.slot2);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, lastStep, lastTimeMs, updates, Arrays.hashCode(params), Arrays.hashCode(slot1));
    }

    @Override
    public String toString() {
        return "Row{count=" + count + ", lastStep=" + lastStep + ", lastTimeMs=" + lastTimeMs + ", updates=" + updates
                + ", params=" + Arrays.toString(params) + "}";
    }
}

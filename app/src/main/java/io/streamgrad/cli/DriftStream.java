package io.streamgrad.cli;

import io.streamgrad.avro.Example;
import io.streamgrad.learner.util.Rng;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A seeded binary stream with one abrupt concept drift whose ground truth is known: {@code x ~ N(0, I_d)}; the
 * label is {@code 1[w . x > 0]} with {@code w = w1} before example {@code driftAt} and {@code w = w2} after,
 * each label flipped with probability {@code noise}. The best possible accuracy is {@code 1 - noise} on both
 * sides of the drift, so a learner's prequential accuracy should approach it, drop at the drift, and recover.
 * {@code w1} and {@code w2} are drawn from the seed, with {@code w2} nearly orthogonal to {@code w1}
 * ({@code w1} with half of its coordinates negated).
 */
public final class DriftStream {
    private final int dim;
    private final long driftAt;
    private final double noise;
    private final float[] w1;
    private final float[] w2;
    private final Rng rng;

    public DriftStream(int dim, long driftAt, double noise, long seed) {
        this.dim = dim;
        this.driftAt = driftAt;
        this.noise = noise;
        Rng r = new Rng(seed);
        this.w1 = new float[dim];
        this.w2 = new float[dim];
        for (int i = 0; i < dim; i++) {
            w1[i] = (float) r.nextGaussian();
            w2[i] = i % 2 == 0 ? -w1[i] : w1[i];
        }
        this.rng = new Rng(r.nextLong());
    }

    public float[] weightsBefore() {
        return w1.clone();
    }

    public float[] weightsAfter() {
        return w2.clone();
    }

    public long driftAt() {
        return driftAt;
    }

    /** Example number {@code i} (0-based; calls must come in order). */
    public Example next(String modelId, long i) {
        float[] w = i < driftAt ? w1 : w2;
        List<Float> x = new ArrayList<>(dim);
        double z = 0;
        for (int j = 0; j < dim; j++) {
            float v = (float) rng.nextGaussian();
            x.add(v);
            z += w[j] * v;
        }
        boolean y = z > 0;
        if (rng.nextDouble() < noise) {
            y = !y;
        }
        return Example.newBuilder()
                .setModelId(modelId)
                .setEventTime(Instant.ofEpochMilli(System.currentTimeMillis()))
                .setDense(x)
                .setIndices(List.of())
                .setValues(List.of())
                .setNamed(Map.of())
                .setLabel(y ? 1f : 0f)
                .setWeight(1f)
                .build();
    }
}

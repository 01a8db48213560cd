package io.streamgrad.job;

import io.streamgrad.avro.Example;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/** Seeded learnable streams whose ground truth is known. */
public final class SyntheticData {
    /** The separating hyperplane of {@link #separable}: label 1 iff w.x + b > 0. */
    public static final float[] W = {2f, -1f, 0.5f, 1.5f};

    public static final float B = 0.25f;

    private SyntheticData() {}

    /** Linearly separable binary examples over 4 dense features. */
    public static List<Example> separable(String model, int n, long seed) {
        Random rnd = new Random(seed);
        List<Example> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Float> x = new ArrayList<>(4);
            double z = B;
            for (int j = 0; j < 4; j++) {
                float v = (float) rnd.nextGaussian();
                x.add(v);
                z += W[j] * v;
            }
            out.add(dense(model, x, z > 0 ? 1f : 0f));
        }
        return out;
    }

    /** y = 1.5 x0 - 2 x1 + 0.5 x2 + 0.3 + N(0, 0.01^2), as sparse examples (zeros left out). */
    public static List<Example> regression(String model, int n, long seed) {
        Random rnd = new Random(seed);
        List<Example> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] x = {(float) rnd.nextGaussian(), (float) rnd.nextGaussian(), (float) rnd.nextGaussian()};
            float y = (float) (1.5 * x[0] - 2 * x[1] + 0.5 * x[2] + 0.3 + 0.01 * rnd.nextGaussian());
            out.add(Example.newBuilder()
                    .setModelId(model)
                    .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
                    .setDense(List.of())
                    .setIndices(List.of(0, 1, 2))
                    .setValues(List.of(x[0], x[1], x[2]))
                    .setNamed(Map.of())
                    .setLabel(y)
                    .setWeight(1f)
                    .build());
        }
        return out;
    }

    public static Example dense(String model, List<Float> x, float label) {
        return Example.newBuilder()
                .setModelId(model)
                .setEventTime(Instant.ofEpochMilli(0))
                .setDense(x)
                .setIndices(List.of())
                .setValues(List.of())
                .setNamed(Map.of())
                .setLabel(label)
                .setWeight(1f)
                .build();
    }

    /** Writes examples as a LibSVM file (1-based indices), every feature present. */
    public static Path writeLibSvm(List<Example> examples, Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Example e : examples) {
            sb.append(e.getLabel() == 1f ? "1" : "0");
            for (int j = 0; j < e.getDense().size(); j++) {
                sb.append(' ')
                        .append(j + 1)
                        .append(':')
                        .append(String.format(Locale.ROOT, "%s", e.getDense().get(j)));
            }
            sb.append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        return file;
    }
}

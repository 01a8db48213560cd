package io.streamgrad.job.reliability;

import io.streamgrad.avro.Example;
import io.streamgrad.job.SyntheticData;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.StepResult;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One model's input stream in a reliability test: its id, its configuration (YAML, as a user writes it), the
 * examples-topic partition all its examples go to (so their order, and hence its batches, are fixed), and the
 * examples in order. {@link #reference} trains the same examples with the learner alone: the independent
 * answer a crashed, restored or rescaled job must reproduce bit for bit.
 */
record ModelStream(String id, String yaml, int partition, List<Example> examples) {

    /** Binary logistic regression, Adam, batch 16, over 4 dense features (separable data). */
    static ModelStream clicks(int n, int partition, long seed) {
        return new ModelStream(
                "clicks", TestConfigs.logisticYaml(4, 16), partition, SyntheticData.separable("clicks", n, seed));
    }

    /** Linear regression, SGD, batch 8, over 3 sparse features. */
    static ModelStream prices(int n, int partition, long seed) {
        return new ModelStream(
                "prices", TestConfigs.linearYaml(3, 8), partition, SyntheticData.regression("prices", n, seed));
    }

    /** Softmax regression over 4 dense features and 3 classes, Adam, batch 10. */
    static ModelStream species(int n, int partition, long seed) {
        return new ModelStream("species", TestConfigs.softmaxYaml(4, 3, 10), partition, classes("species", n, seed));
    }

    /** A model with the same data but another id (a model added to a running job). */
    ModelStream renamed(String newId) {
        List<Example> renamed = examples.stream()
                .map(e -> Example.newBuilder(e).setModelId(newId).build())
                .toList();
        return new ModelStream(newId, yaml, partition, renamed);
    }

    TrainerConfig config() {
        return TestConfigs.parse(yaml);
    }

    int batchSize() {
        return config().batchSize();
    }

    /** The learner's state after training on the first {@code n} examples (whole batches), one step per batch. */
    ModelState reference(int n) {
        int b = batchSize();
        if (n % b != 0) {
            throw new IllegalArgumentException(id + ": " + n + " examples is not a whole number of batches of " + b);
        }
        Trainer trainer = new Trainer(config());
        ModelState s = trainer.initState();
        for (int from = 0; from < n; from += b) {
            StepResult r = trainer.train(
                    s, batch(examples.subList(from, from + b), config().model().features()));
            if (!r.applied()) {
                throw new IllegalStateException(id + ": reference step rejected: " + r.rejectReason());
            }
        }
        return s;
    }

    ModelState reference() {
        return reference(examples.size());
    }

    /** The learner continuing from {@code start} (not modified) over examples {@code [from, size)}, whole batches. */
    ModelState continueFrom(ModelState start, int from) {
        int b = batchSize();
        if ((examples.size() - from) % b != 0) {
            throw new IllegalArgumentException(
                    id + ": examples " + from + ".." + examples.size() + " are not a whole number of batches of " + b);
        }
        Trainer trainer = new Trainer(config());
        ModelState s = start.copy();
        for (int i = from; i < examples.size(); i += b) {
            StepResult r = trainer.train(
                    s, batch(examples.subList(i, i + b), config().model().features()));
            if (!r.applied()) {
                throw new IllegalStateException(id + ": reference step rejected: " + r.rejectReason());
            }
        }
        return s;
    }

    /**
     * The batch a model sees for these examples, built here independently of the job: dense row-major when every
     * example is dense-only, else CSR with each row's entries as sent (these tests have no mixed rows).
     */
    static Batch batch(List<Example> rows, int dim) {
        int n = rows.size();
        float[] labels = new float[n];
        float[] weights = new float[n];
        boolean dense = rows.stream()
                .allMatch(e -> e.getIndices().isEmpty() && !e.getDense().isEmpty());
        if (dense) {
            float[] x = new float[n * dim];
            for (int r = 0; r < n; r++) {
                Example e = rows.get(r);
                labels[r] = e.getLabel();
                weights[r] = e.getWeight();
                for (int j = 0; j < dim; j++) {
                    x[r * dim + j] = e.getDense().get(j);
                }
            }
            return Batch.dense(n, dim, x, labels, weights);
        }
        int[] rowPtr = new int[n + 1];
        List<Integer> idx = new ArrayList<>();
        List<Float> val = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            Example e = rows.get(r);
            if (!e.getDense().isEmpty()) {
                throw new IllegalArgumentException("mixed dense/sparse rows are not used by these tests");
            }
            labels[r] = e.getLabel();
            weights[r] = e.getWeight();
            idx.addAll(e.getIndices());
            val.addAll(e.getValues());
            rowPtr[r + 1] = idx.size();
        }
        int[] indices = idx.stream().mapToInt(Integer::intValue).toArray();
        float[] values = new float[val.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = val.get(i);
        }
        return Batch.sparse(n, dim, rowPtr, indices, values, labels, weights);
    }

    /** Three classes over 4 Gaussian features: the class whose fixed weight vector scores highest. */
    static List<Example> classes(String model, int n, long seed) {
        float[][] w = {{1.5f, -1f, 0.5f, 0f}, {-1f, 1.5f, 0f, 0.5f}, {0f, -0.5f, -1f, 1.5f}};
        Random rnd = new Random(seed);
        List<Example> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Float> x = new ArrayList<>(4);
            for (int j = 0; j < 4; j++) {
                x.add((float) rnd.nextGaussian());
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int j = 0; j < 4; j++) {
                    s += w[c][j] * x.get(j);
                }
                if (s > bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            out.add(Example.newBuilder()
                    .setModelId(model)
                    .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
                    .setDense(x)
                    .setIndices(List.of())
                    .setValues(List.of())
                    .setNamed(Map.of())
                    .setLabel(best)
                    .setWeight(1f)
                    .build());
        }
        return out;
    }
}

package io.streamgrad.job.batch;

import io.streamgrad.job.records.BatchTrigger;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.data.BatchLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs examples, in arrival order, into one {@link ExampleBatch}: dense row-major when every example is
 * dense-only, CSR otherwise ({@link BatchLayout}, the offline readers' rule) (a row's dense non-zeros first, in index order, then its non-zero sparse entries as sent).
 * The same examples in the same order always give the same batch, so count-triggered batches of a one-partition
 * input are reproducible bit for bit.
 */
public final class BatchAssembler {
    private BatchAssembler() {}

    /**
     * A producer-made MiniBatch's validated examples as one batch when there are exactly {@code batchSize} of
     * them (the MiniBatch schema's contract: such a batch is one update, as sent), or null when they are to be
     * re-batched like single examples.
     */
    public static ExampleBatch producerBatch(String modelId, int dim, int batchSize, List<TrainingExample> examples) {
        return examples.size() == batchSize ? assemble(modelId, dim, examples, BatchTrigger.PRODUCER) : null;
    }

    public static ExampleBatch assemble(String modelId, int dim, List<TrainingExample> examples, BatchTrigger trigger) {
        return assemble(modelId, dim, examples, trigger, null);
    }

    /** As {@link #assemble(String, int, List, BatchTrigger)}, with the trigger's wire name ("count", ...). */
    public static ExampleBatch assemble(String modelId, int dim, List<TrainingExample> examples, String trigger) {
        return assemble(modelId, dim, examples, BatchTrigger.of(trigger), null);
    }

    /**
     * As {@link #assemble(String, int, List, BatchTrigger)}, writing an all-dense batch's rows into {@code reuse} when it
     * has exactly their size (the previous batch's array, whose batch has been trained: see {@link MiniBatcher}).
     * With a fresh 400 KB array for each 128 x 784 batch, JFR put 44 of the trainer thread's 594 Java samples
     * outside the learner in this copy; with the array reused, 10 of 566.
     */
    public static ExampleBatch assemble(
            String modelId, int dim, List<TrainingExample> examples, BatchTrigger trigger, float[] reuse) {
        int n = examples.size();
        ExampleBatch b = new ExampleBatch();
        b.modelId = modelId;
        b.size = n;
        b.dim = dim;
        b.trigger = trigger.wireName();
        b.labels = new float[n];
        b.weights = new float[n];
        int givenDense = 0;
        for (TrainingExample e : examples) {
            givenDense += e.isDenseOnly() ? 1 : 0;
        }
        // The offline readers' rule too, so a file streamed in its own encoding trains bit for bit as offline.
        boolean allDense = BatchLayout.dense(n, givenDense);
        long nnz = 0;
        if (!allDense) { // the CSR size; an all-dense batch needs no scan of its values (784 per MNIST example)
            for (TrainingExample e : examples) {
                for (float v : e.values) {
                    if (v != 0f) {
                        nnz++;
                    }
                }
                for (float v : e.dense) {
                    if (v != 0f) {
                        nnz++;
                    }
                }
            }
        }
        Map<String, Long> next = new LinkedHashMap<>();
        if (allDense) {
            int size = Math.multiplyExact(n, dim);
            b.dense = reuse != null && reuse.length == size ? reuse : new float[size];
        } else {
            b.rowPtr = new int[n + 1];
            b.indices = new int[Math.toIntExact(nnz)];
            b.values = new float[Math.toIntExact(nnz)];
        }
        int p = 0;
        String lastTopic = null;
        int lastPartition = -1;
        String partitionKey = null;
        for (int r = 0; r < n; r++) {
            TrainingExample e = examples.get(r);
            b.labels[r] = e.label;
            b.weights[r] = e.weight;
            b.maxEventTime = Math.max(b.maxEventTime, e.eventTime);
            if (e.partition != lastPartition || !e.topic.equals(lastTopic)) {
                // Consecutive examples mostly share a partition: build its "topic-partition" key once per run.
                lastTopic = e.topic;
                lastPartition = e.partition;
                partitionKey = e.topic + "-" + e.partition;
            }
            next.merge(partitionKey, e.offset + 1, Math::max);
            if (allDense) {
                System.arraycopy(e.dense, 0, b.dense, r * dim, dim);
                continue;
            }
            for (int i = 0; i < e.dense.length; i++) {
                if (e.dense[i] != 0f) {
                    b.indices[p] = i;
                    b.values[p++] = e.dense[i];
                }
            }
            for (int k = 0; k < e.indices.length; k++) {
                if (e.values[k] != 0f) { // stored zeros dropped, as the offline readers do
                    b.indices[p] = e.indices[k];
                    b.values[p++] = e.values[k];
                }
            }
            b.rowPtr[r + 1] = p;
        }
        b.sourcePartitions = next.keySet().toArray(new String[0]);
        b.nextOffsets = next.values().stream().mapToLong(Long::longValue).toArray();
        return b;
    }
}

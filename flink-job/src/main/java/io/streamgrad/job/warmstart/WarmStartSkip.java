package io.streamgrad.job.warmstart;

import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ProducerBatch;
import io.streamgrad.job.records.TrainingExample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Drops, before batching, the records a warm-started model has already trained on ({@link SkipOffsets}), so
 * nothing is trained twice when the source starts at the smallest offset of several models' snapshots.
 *
 * <p>The offsets are operator state (union list state {@code warm-start-skip}, written by subtask 0): a job that
 * warm-started and is later restored from its own checkpoint keeps skipping the same records even if the restoring
 * client passes no warm-start set. A restored job uses only its restored offsets (a checkpoint restore wins); a job
 * that starts without state uses the ones it was built with. Skipped records are counted
 * ({@code warmStartSkippedRecords}).
 */
public final class WarmStartSkip extends RichFilterFunction<BatcherInput> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final SkipOffsets initial;
    private transient SkipOffsets skip;
    private transient ListState<Tuple3<String, String, Long>> state;
    private transient Counter skipped;

    public WarmStartSkip(SkipOffsets initial) {
        this.initial = initial;
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        state = ctx.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>(
                        "warm-start-skip", Types.TUPLE(Types.STRING, Types.STRING, Types.LONG)));
        if (!ctx.isRestored()) {
            skip = initial;
            return;
        }
        Map<String, Map<String, Long>> restored = new HashMap<>();
        for (Tuple3<String, String, Long> t : state.get()) {
            restored.computeIfAbsent(t.f0, k -> new HashMap<>()).put(t.f1, t.f2);
        }
        skip = SkipOffsets.of(restored);
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        skipped = getRuntimeContext().getMetricGroup().counter("warmStartSkippedRecords");
    }

    @Override
    public boolean filter(BatcherInput in) {
        if (skip.isEmpty()) {
            return true;
        }
        boolean trained;
        if (in instanceof TrainingExample e) {
            trained = skip.alreadyTrained(e.modelId, e.topic, e.partition, e.offset);
        } else {
            ProducerBatch b = (ProducerBatch) in;
            trained = skip.alreadyTrained(b.modelId(), b.topic(), b.partition(), b.offset());
        }
        if (trained) {
            skipped.inc();
        }
        return !trained;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        // Union state: every subtask gets every entry back on restore, so one subtask writes them.
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            state.clear();
            return;
        }
        List<Tuple3<String, String, Long>> all = new ArrayList<>();
        skip.asMap().forEach((id, offsets) -> offsets.forEach((tp, next) -> all.add(Tuple3.of(id, tp, next))));
        state.update(all);
    }
}

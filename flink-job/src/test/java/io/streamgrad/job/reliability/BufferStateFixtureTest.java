package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.batch.BufferedExampleSerializer;
import io.streamgrad.job.batch.MiniBatcher;
import io.streamgrad.job.records.BatcherInput;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mini-batcher's "buffer" state in the committed v1 savepoint (written by Flink's POJO serializer of the
 * {@code TrainingExample} of that time, before it had a {@code batch} field) restores with
 * {@link BufferedExampleSerializer}, on both state backends: the 10 clicks and 5 prices examples waiting at the
 * savepoint come out as the end-of-input batches.
 */
class BufferStateFixtureTest {
    private static final ClassLoader CL = BufferStateFixtureTest.class.getClassLoader();

    @TempDir
    Path tmp;

    @Test
    void v1BufferSnapshot_writtenBeforeTheBatchField_isCompatibleAfterMigration() throws Exception {
        StateMetaInfoSnapshot buffer = bufferMetaInfo(batcherState());
        TypeSerializerSnapshot<?> list =
                buffer.getTypeSerializerSnapshot(StateMetaInfoSnapshot.CommonSerializerKeys.VALUE_SERIALIZER);
        @SuppressWarnings("unchecked")
        TypeSerializerSnapshot<TrainingExample> element = (TypeSerializerSnapshot<TrainingExample>)
                ((CompositeTypeSerializerSnapshot<?, ?>) list).getNestedSerializerSnapshots()[0];
        assertThat(element.getClass().getSimpleName()).isEqualTo("PojoSerializerSnapshot");
        assertThat(BufferedExampleSerializer.INSTANCE
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(element)
                        .isCompatibleAfterMigration())
                .isTrue();
    }

    @Test
    void v1Buffer_restoresOnTheHashMapBackend_andItsWaitingExamplesAreBatched() throws Exception {
        assertWaitingExamplesRestore(new HashMapStateBackend());
    }

    @Test
    void v1Buffer_restoresOnRocksDb_andItsWaitingExamplesAreBatched() throws Exception {
        assertWaitingExamplesRestore(new EmbeddedRocksDBStateBackend());
    }

    private void assertWaitingExamplesRestore(StateBackend backend) throws Exception {
        OperatorSubtaskState saved = batcherState();
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, BatcherInput, ExampleBatch>(
                new KeyedProcessOperator<>(
                        new MiniBatcher(SavepointFixture.config("127.0.0.1:9").models(), 0)),
                BatcherInput::modelId,
                Types.STRING,
                128,
                1,
                0)) {
            h.setStateBackend(backend);
            h.initializeState(saved);
            h.open();
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            List<ExampleBatch> out = h.extractOutputValues();
            assertThat(out)
                    .extracting(b -> b.modelId + ":" + b.size + ":" + b.trigger)
                    .containsExactlyInAnyOrder("clicks:10:end-of-input", "prices:5:end-of-input");
            // 495 records of partition 0 were read before the savepoint: the waiting examples are among them.
            assertThat(out).allSatisfy(b -> {
                assertThat(b.nextOffsets).hasSize(1);
                assertThat(b.nextOffsets[0]).isBetween(1L, (long) SavepointFixture.RECORDS_BEFORE_SAVEPOINT);
            });
        }
    }

    /** The operator state of the fixture that holds the keyed state named "buffer". */
    private OperatorSubtaskState batcherState() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("v1"));
        try (InputStream in = getClass().getResourceAsStream(SavepointFixture.RESOURCE + "/_metadata")) {
            Files.copy(in, dir.resolve("_metadata"));
        }
        CheckpointMetadata md;
        try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("_metadata")))) {
            md = Checkpoints.loadCheckpointMetadata(in, CL, dir.toString());
        }
        for (OperatorState op : md.getOperatorStates()) {
            for (OperatorSubtaskState s : op.getStates()) {
                if (!s.getManagedKeyedState().isEmpty() && bufferMetaInfo(s) != null) {
                    return s;
                }
            }
        }
        throw new AssertionError("no operator with a 'buffer' keyed state in the v1 fixture");
    }

    private static StateMetaInfoSnapshot bufferMetaInfo(OperatorSubtaskState s) throws Exception {
        for (KeyedStateHandle h : s.getManagedKeyedState()) {
            try (FSDataInputStream in = ((KeyGroupsStateHandle) h).openInputStream()) {
                KeyedBackendSerializationProxy<String> proxy = new KeyedBackendSerializationProxy<>(CL);
                proxy.read(new DataInputViewStreamWrapper(in));
                for (StateMetaInfoSnapshot m : proxy.getStateMetaInfoSnapshots()) {
                    if (m.getName().equals("buffer")) {
                        return m;
                    }
                }
            }
        }
        return null;
    }
}

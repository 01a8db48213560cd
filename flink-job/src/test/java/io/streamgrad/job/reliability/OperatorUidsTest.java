package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * Savepoints map state back to operators by uid: the job's uids are part of its state format. A renamed or missing
 * uid strands every user's savepoint (SavepointIT's committed fixture would fail too, but later and slower).
 */
class OperatorUidsTest {
    private static JobConfig config() {
        return ReliabilitySupport.jobConfig("127.0.0.1:9", "uids", List.of(ModelStream.clicks(16, 0, 1)), Map.of());
    }

    private static StreamGraph graph(
            java.util.function.UnaryOperator<
                            org.apache.flink.streaming.api.datastream.DataStream<
                                    io.streamgrad.job.records.BatcherInput>>
                    tap) {
        JobConfig cfg = config();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg, tap);
        return env.getStreamGraph();
    }

    @Test
    void everyOperator_hasTheStableUidOfStateFormatV1() {
        List<String> uids = graph(s -> s).getStreamNodes().stream()
                .map(StreamNode::getTransformationUID)
                .toList();
        assertThat(uids)
                .doesNotContainNull()
                .containsExactlyInAnyOrder(
                        "examples-source",
                        "decode-validate",
                        "warm-start-skip",
                        "mini-batcher",
                        "trainer",
                        "dead-letters-sink",
                        "Sink Committer: dead-letters-sink",
                        "metrics-sink",
                        "Sink Committer: metrics-sink",
                        "models-sink",
                        "Sink Committer: models-sink");
    }

    @Test
    void deltasEnabled_addsTheUpdatesSinkWithItsOwnUid() {
        JobConfig cfg = ReliabilitySupport.jobConfig(
                "127.0.0.1:9", "uids", List.of(ModelStream.clicks(16, 0, 1)), Map.of("deltas", "{enabled: true}"));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg);
        List<String> uids = env.getStreamGraph().getStreamNodes().stream()
                .map(StreamNode::getTransformationUID)
                .toList();
        assertThat(uids).contains("updates-sink", "Sink Committer: updates-sink", "models-sink", "trainer");
        assertThat(uids).hasSize(13);
    }

    /**
     * Examples cross the keyBy with the bulk array serializer, while the mini-batcher's keyed state keeps Flink's
     * POJO serializer of the same class: the former is a speed choice, the latter part of the state format.
     */
    @Test
    void examplesCrossTheKeyByWithTheBulkSerializer_whileTheBatcherStateKeepsThePojoOne() {
        StreamGraph g = graph(s -> s);
        StreamNode decode = g.getStreamNodes().stream()
                .filter(n -> "decode-validate".equals(n.getTransformationUID()))
                .findFirst()
                .orElseThrow();
        assertThat(decode.getTypeSerializerOut()).isInstanceOf(io.streamgrad.job.records.BatcherInputSerializer.class);
        StreamNode batcher = g.getStreamNodes().stream()
                .filter(n -> "mini-batcher".equals(n.getTransformationUID()))
                .findFirst()
                .orElseThrow();
        assertThat(batcher.getTypeSerializersIn()[0])
                .isInstanceOf(io.streamgrad.job.records.BatcherInputSerializer.class);
        assertThat(org.apache.flink.api.common.typeinfo.TypeInformation.of(
                        io.streamgrad.job.records.TrainingExample.class))
                .isInstanceOf(org.apache.flink.api.java.typeutils.PojoTypeInfo.class);
    }

    @Test
    void anOperatorWithoutUid_isRejectedWhenTheGraphIsBuilt() {
        // Auto-generated uids are off, so a forgotten uid fails at submission instead of breaking restores later.
        assertThatThrownBy(() ->
                        graph(s -> s.map(e -> e).returns(io.streamgrad.job.records.BatcherInputTypeInfo.INSTANCE)))
                .hasMessageContaining("no UID");
    }
}

package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** The recommendation part of the graph: its own stable uids (part of its state format), beside the examples part's. */
class RecsGraphTest {
    @Test
    void mfModel_addsTheRecsOperatorsWithTheirStableUids_andKeepsTheExamplesOnes() {
        JobConfig cfg = JobConfigParser.parse("""
                kafka: {bootstrap.servers: "127.0.0.1:9"}
                deltas: {enabled: true}
                models:
                  ctr: {model: {type: logistic, features: 4}, loss: binary_cross_entropy, optimizer: {type: sgd}}
                  recs:
                """ + RecsFixtures.MF_YAML.indent(4), "job.yaml");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg);
        List<String> uids = env.getStreamGraph().getStreamNodes().stream()
                .map(StreamNode::getTransformationUID)
                .toList();
        assertThat(uids)
                .contains(
                        "interactions-source",
                        "decode-interactions",
                        "mf-trainer",
                        "recs-dead-letters-sink",
                        "Sink Committer: recs-dead-letters-sink",
                        "recs-metrics-sink",
                        "Sink Committer: recs-metrics-sink",
                        "recs-updates-sink",
                        "Sink Committer: recs-updates-sink")
                .contains("examples-source", "trainer", "updates-sink", "models-sink")
                .doesNotHaveDuplicates()
                .hasSize(13 + 9);
    }
}

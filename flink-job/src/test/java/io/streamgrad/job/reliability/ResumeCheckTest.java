package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.checkpoint.ResumeCheck;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamingJobGraphGenerator;
import org.junit.jupiter.api.Test;

/**
 * {@link ResumeCheck} matches the operator ids in a checkpoint to uids by hashing the uids: that must be the id Flink
 * itself gives each operator of the job graph it submits (checked against Flink's job graph generator, for every
 * operator of a job with every optional output on), and the optional outputs must be operators the job really has.
 */
class ResumeCheckTest {
    private static StreamGraph graph(Map<String, String> overrides) {
        JobConfig cfg = ReliabilitySupport.jobConfig(
                "127.0.0.1:9", "resume-check", List.of(ModelStream.clicks(16, 0, 1)), overrides);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg);
        return env.getStreamGraph();
    }

    @Test
    void operatorIdFromUid_isTheIdFlinksJobGraphGives_everyOperator() {
        JobGraph job = StreamingJobGraphGenerator.createJobGraph(
                graph(Map.of("deltas", "{enabled: true}", "output_format", "both")));
        int operators = 0;
        for (JobVertex v : job.getVertices()) {
            for (OperatorIDPair op : v.getOperatorIDs()) {
                assertThat(ResumeCheck.operatorId(op.getUserDefinedOperatorUid()))
                        .as(op.getUserDefinedOperatorUid())
                        .isEqualTo(op.getGeneratedOperatorID());
                operators++;
            }
        }
        assertThat(operators).isGreaterThanOrEqualTo(17);
    }

    @Test
    void everyOptionalOutput_isAnOperatorOfTheJobWithEveryOutputOn_andNotOfTheDefaultJob() {
        JobConfig all =
                JobConfigParser.parse("""
                kafka: {bootstrap.servers: "127.0.0.1:9"}
                deltas: {enabled: true}
                output_format: both
                training_health: {enabled: true}
                models:
                  ctr: {model: {type: logistic, features: 4}, loss: binary_cross_entropy, optimizer: {type: sgd}}
                  latency: {model: {type: forecast}}
                  recs:
                """ + io.streamgrad.job.recs.RecsFixtures.MF_YAML.indent(4), "all-outputs.yaml");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(all));
        StreamgradJob.build(env, all);
        List<String> allUids = env.getStreamGraph().getStreamNodes().stream()
                .map(n -> n.getTransformationUID())
                .toList();
        List<String> plain = graph(Map.of()).getStreamNodes().stream()
                .map(n -> n.getTransformationUID())
                .toList();
        for (String uid : StreamgradJob.OPTIONAL_OUTPUTS.keySet()) {
            assertThat(allUids).contains(uid);
            if (uid.endsWith("-sink")) {
                assertThat(allUids).contains("Sink Committer: " + uid);
            }
            assertThat(plain).doesNotContain(uid);
        }
    }
}

package io.streamgrad.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgrad.deploy.Manifests.Doc;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The job configuration shipped in {@code deploy/kubernetes/job-config.yaml}, read by the job's own parser (the one
 * {@code StreamgradJob.main} runs in the pod), and checked against the FlinkDeployment and the topics around it.
 */
class KubernetesJobConfigTest {

    private static final List<Doc> DOCS =
            Manifests.loadAll(Manifests.deployDir().resolve("kubernetes"));

    private static JobConfig jobConfig() {
        String yaml = Manifests.only(DOCS, "ConfigMap")
                .node()
                .path("data")
                .path("job.yaml")
                .asText();
        return JobConfigParser.parse(yaml, "deploy/kubernetes/job-config.yaml (data.job.yaml)");
    }

    @Test
    void jobConfig_isValidForTheJobsParser_withEveryModel() {
        JobConfig config = jobConfig();
        assertThat(config.models().modelIds()).containsExactlyInAnyOrder("ctr", "digits");
        // Storage locations belong to the platform (flinkConfiguration), not to the job's config.
        assertThat(config.checkpointDir()).isNull();
        assertThat(config.stateBackend()).isEqualTo(JobConfig.StateBackendKind.ROCKSDB);
    }

    @Test
    void jobConfig_topicsExistAsKafkaTopics_andParallelismMatchesTheDeployment() {
        JobConfig config = jobConfig();
        Set<String> topics = new TreeSet<>();
        for (Doc doc : Manifests.all(DOCS, "KafkaTopic")) {
            JsonNode spec = doc.node().path("spec");
            topics.add(spec.path("topicName").asText(doc.name()));
        }
        assertThat(topics)
                .containsExactlyInAnyOrder(
                        config.topics().examples(),
                        config.topics().models(),
                        config.topics().metrics(),
                        config.topics().deadLetters());
        JsonNode job =
                Manifests.only(DOCS, "FlinkDeployment").node().path("spec").path("job");
        assertThat(config.parallelism()).isEqualTo(job.path("parallelism").asInt());
        // Snapshots become visible per checkpoint: publishing more often than checkpoints complete gains nothing.
        assertThat(config.snapshotEverySeconds() * 1000).isGreaterThanOrEqualTo(config.checkpointIntervalMs());
        assertThat(config.transactionTimeoutMs()).isGreaterThan(config.checkpointIntervalMs());
    }
}

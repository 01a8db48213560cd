package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigException;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.recs.MfLoss;
import org.junit.jupiter.api.Test;

/** mf models are declared under models: like the others; their interactions come from topics.interactions. */
class RecsJobConfigTest {
    private static final String HEAD = """
            kafka: {bootstrap.servers: "localhost:9092"}
            topics: {interactions: clicks-in, updates: recs-updates}
            deltas: {enabled: true}
            """;

    @Test
    void mfModel_besideAnotherModel_isReadIntoTheRecsModels_only() {
        JobConfig c = JobConfigParser.parse(HEAD + """
                recs: {evaluate_every_batches: 5, rows_per_part: 500}
                models:
                  ctr:
                    model: {type: logistic, features: 16}
                    loss: binary_cross_entropy
                    optimizer: {type: adam}
                  recs:
                    model: {type: mf, dim: 8}
                    loss: bpr
                    tables: {min_count: 2, expire_after_steps: 1000}
                """, "job.yaml");
        assertThat(c.models().modelIds()).containsExactly("ctr");
        assertThat(c.recs().modelIds()).containsExactly("recs");
        assertThat(c.recs().interactionsTopic()).isEqualTo("clicks-in");
        assertThat(c.recs().evaluateEveryBatches()).isEqualTo(5);
        assertThat(c.recs().rowsPerPart()).isEqualTo(500);
        assertThat(c.recs().spec("recs").dim()).isEqualTo(8);
        assertThat(c.recs().spec("recs").loss()).isEqualTo(MfLoss.BPR);
        assertThat(c.recs().spec("recs").users().minCount()).isEqualTo(2);
    }

    @Test
    void readmeStreamingRecsExample_parsesAsWritten() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        int at = readme.indexOf("# recs-job.yaml\n");
        assertThat(at).as("README's recs-job.yaml block").isPositive();
        String yaml = readme.substring(at, readme.indexOf("```", at));
        JobConfig c = JobConfigParser.parse(yaml, "README.md");
        assertThat(c.recs().modelIds()).containsExactly("retail");
        assertThat(c.recs().interactionsTopic()).isEqualTo("recs-interactions");
        assertThat(c.recs().spec("retail").items().expireAfterMs()).isEqualTo(14L * 24 * 3600 * 1000);
    }

    @Test
    void jobWithoutMfModels_hasNoRecsModels() {
        JobConfig c = JobConfigParser.parse("""
                kafka: {bootstrap.servers: "localhost:9092"}
                models:
                  ctr: {model: {type: logistic, features: 4}, loss: binary_cross_entropy, optimizer: {type: sgd}}
                """, "job.yaml");
        assertThat(c.recs().isEmpty()).isTrue();
    }

    @Test
    void mfProblems_areReportedWithTheModelsPath() {
        assertThatThrownBy(() -> JobConfigParser.parse(HEAD + """
                        models:
                          recs:
                            model: {type: mf, dim: 0}
                            loss: hinge
                        """, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("models.recs.model.dim")
                .hasMessageContaining("models.recs.loss");
    }

    @Test
    void mfModel_withoutDeltas_isRefused_namingTheKey() {
        assertThatThrownBy(() -> JobConfigParser.parse("""
                        kafka: {bootstrap.servers: "localhost:9092"}
                        models:
                          recs: {model: {type: mf}, loss: logistic}
                        """, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("deltas.enabled: true");
    }

    @Test
    void interactionsTopic_sharedWithAnotherTopic_isRefused() {
        assertThatThrownBy(() -> JobConfigParser.parse("""
                        kafka: {bootstrap.servers: "localhost:9092"}
                        topics: {interactions: examples}
                        deltas: {enabled: true}
                        models:
                          recs: {model: {type: mf}, loss: logistic}
                        """, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("topics.interactions");
    }
}

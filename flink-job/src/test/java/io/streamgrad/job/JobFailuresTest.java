package io.streamgrad.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import java.io.IOException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class JobFailuresTest {
    private static JobConfig config(String extra) {
        return JobConfigParser.parse("""
                kafka: {bootstrap.servers: "broker-1:9092,broker-2:9092"}
                restart: {attempts: 4, delay_ms: 500}
                %s
                models:
                  m: {model: {type: linear, features: 2}, loss: mse, optimizer: {type: sgd, learning_rate: 0.1}}
                """.formatted(extra), "job.yaml");
    }

    /** The shape Flink reports a job with exhausted restarts in: the Kafka error several wrappers deep. */
    private static Exception flinkFailure(Throwable taskFailure) {
        return new JobExecutionException(
                new JobID(),
                "Job execution failed.",
                new JobException("Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy", taskFailure));
    }

    @Test
    void kafkaTimeoutDeepInTheCauses_isExplainedWithTheBootstrapServersAndHowToResume() {
        Exception failure = flinkFailure(new Exception(
                "Could not perform checkpoint 6",
                new TimeoutException("Timeout expired after 3000ms while awaiting InitProducerId")));

        String message = JobFailures.explainKafka(failure, config("checkpoint_dir: file:///var/ckpt"))
                .orElseThrow();

        assertThat(message)
                .contains("after 4 restart attempt(s)")
                .contains("Kafka at kafka.bootstrap.servers=broker-1:9092,broker-2:9092 did not answer")
                .contains("TimeoutException: Timeout expired after 3000ms while awaiting InitProducerId")
                .contains("resumes from the newest checkpoint kept under file:///var/ckpt/streamgrad/<job id>/chk-<n>");
        assertThat(JobFailures.explained(failure, config("")))
                .hasCause(failure)
                .hasMessageContaining("set checkpoint_dir");
    }

    @Test
    void missingTopic_namesTheTopicsAndHowToCreateThem() {
        Exception failure = flinkFailure(new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(
                "This server does not host this topic-partition."));

        assertThat(JobFailures.explainKafka(failure, config("topics: {examples: clicks-in}")))
                .get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("topics.examples=clicks-in")
                .contains("--create-topics")
                .contains("kafka-topics.sh --bootstrap-server broker-1:9092,broker-2:9092 --create --topic")
                .doesNotContain("Check that the brokers are up");
    }

    @Test
    void recordTooLarge_namesTheModelsTopicAndTheSetting_andClaimsNoCheckpoint() {
        Exception failure = flinkFailure(new org.apache.kafka.common.errors.RecordTooLargeException(
                "The request included a message larger than the max message size the server will accept."));

        assertThat(JobFailures.explainKafka(failure, config("topics: {models: snapshots}")))
                .get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("topics.models=snapshots")
                .contains("--entity-name snapshots --add-config max.message.bytes=")
                .contains("without checkpoint_dir nothing was kept")
                .doesNotContain("nothing is lost")
                .doesNotContain("did not answer");
    }

    @Test
    void recordOverTheTopicLimit_keepsTheSinksMessage_andSaysRestartsCannotHelp() {
        Exception failure = flinkFailure(new io.streamgrad.job.sink.RecordSizeLimit.RecordTooLargeForTopicException(
                "the record for topics.models=snapshots with key 'ctr' is 9000 bytes (a record batch of one), more"
                        + " than the topic's max.message.bytes=4096"));

        assertThat(JobFailures.explainKafka(failure, config("topics: {models: snapshots}")))
                .get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("the job stopped: the record for topics.models=snapshots with key 'ctr' is 9000 bytes")
                .contains("max.message.bytes=4096")
                .contains("restarts cannot help")
                .doesNotContain("did not answer");
    }

    @Test
    void kafkaErrorOnlyInSuppressedExceptions_isFound() {
        IOException close = new IOException("clean-up failed");
        close.addSuppressed(new TimeoutException("Timeout expired after 3000ms while awaiting EndTxn(false)"));

        assertThat(JobFailures.explainKafka(flinkFailure(close), config("")))
                .get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("EndTxn");
    }

    @Test
    void failureWithoutKafkaCause_isLeftAsItIs() {
        Exception failure = flinkFailure(new IllegalStateException("no config for model 'x'"));

        assertThat(JobFailures.explainKafka(failure, config(""))).isEmpty();
        assertThat(JobFailures.explained(failure, config(""))).isSameAs(failure);
    }
}

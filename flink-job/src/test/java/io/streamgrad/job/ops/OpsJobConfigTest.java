package io.streamgrad.job.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigException;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.monitor.config.OpsConfig;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** Ops models in the job YAML: models: entries with model: {type: forecast}, their topics and series: keys. */
class OpsJobConfigTest {
    private static final String BASE = """
            kafka: {bootstrap.servers: "127.0.0.1:9"}
            """;

    private static final String TRAINED = """
              ctr:
                model: {type: logistic, features: 4}
                loss: binary_cross_entropy
                optimizer: {type: adam}
            """;

    static JobConfig parse(String yaml) {
        return JobConfigParser.parse(BASE + yaml, "job.yaml");
    }

    @Test
    void aForecastModel_isAnOpsModel_withItsOpsYamlSettings_andTheDefaultsElsewhere() {
        JobConfig c = parse("""
                series: {idle_timeout_ms: 60000}
                models:
                %s  latency:
                    model: {type: forecast}
                    forecast: {model: holt_winters}
                    alert: {for_seconds: 300, keep_firing_for_seconds: 600}
                """.formatted(TRAINED));
        assertThat(c.models().modelIds()).containsExactly("ctr");
        assertThat(c.ops().enabled()).isTrue();
        assertThat(c.ops().models().ids()).containsExactly("latency");
        assertThat(c.ops().topics()).containsExactly("series", "scores", "alerts");
        assertThat(c.ops().idleTimeoutMs()).isEqualTo(60_000);
        OpsConfig o = c.ops().models().config("latency");
        assertThat(o.rule().forSeconds()).isEqualTo(300);
        assertThat(o.rule().keepFiringForSeconds()).isEqualTo(600);
        assertThat(o.forecast().model().name()).isEqualTo("HOLT_WINTERS");
        assertThat(o.scoreThreshold()).isEqualTo(OpsConfig.defaults().scoreThreshold());
    }

    @Test
    void opsModels_surviveJavaSerialisation_asTheOperatorsReceiveThem() throws Exception {
        JobConfig c = parse("models: {latency: {model: forecast, score: {warmup: 7}}}\n");
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(c.ops());
        }
        OpsJob back;
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            back = (OpsJob) in.readObject();
        }
        assertThat(back.models().config("latency")).isEqualTo(c.ops().models().config("latency"));
        assertThat(back.models().config("latency").forecast().warmup()).isEqualTo(7);
    }

    @Test
    void aJobWithOnlyOpsModels_isValid_andAJobWithoutThem_hasNoSeriesPath() {
        assertThat(parse("models: {latency: {model: {type: forecast}}}\n").ops().enabled())
                .isTrue();
        assertThat(parse("models:\n" + TRAINED).ops().enabled()).isFalse();
    }

    @Test
    void problemsInAnOpsModel_nameTheirKeyPath_withTheOtherProblems() {
        assertThatThrownBy(() -> parse("""
                        series: {idle_timeout_ms: 5}
                        models:
                          latency:
                            model: {type: forecast, features: 3}
                            alert: {for_secnds: 300, score_threshold: 2}
                        """))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("series.idle_timeout_ms")
                .hasMessageContaining("models.latency.model.features: not a key of an ops model")
                .hasMessageContaining("models.latency.alert.for_secnds")
                .hasMessageContaining("models.latency.alert.score_threshold");
    }

    @Test
    void anOpsTopicEqualToAnotherTopic_isRefused() {
        assertThatThrownBy(() -> parse("""
                        topics: {scores: metrics}
                        models: {latency: {model: {type: forecast}}}
                        """))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("metrics is used twice");
    }

    @Test
    void theSeriesPath_hasItsOwnStableUids_besideTheTrainingPath() {
        JobConfig c = parse("output_format: both\nmodels: {latency: {model: {type: forecast}}}\n");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(c));
        StreamgradJob.build(env, c);
        List<String> uids = env.getStreamGraph().getStreamNodes().stream()
                .map(StreamNode::getTransformationUID)
                .toList();
        assertThat(uids)
                .contains(
                        "series-source",
                        "series-decode",
                        "series-monitor",
                        "scores-sink",
                        "scores-json-sink",
                        "alerts-sink",
                        "Sink Committer: alerts-sink",
                        "trainer",
                        "dead-letters-sink");
        assertThat(OpsTopics.specs(c, 3, (short) 1))
                .extracting(t -> t.name() + ":" + t.numPartitions())
                .containsExactly("series:3", "scores:1", "scores.json:1", "alerts:1");
    }
}

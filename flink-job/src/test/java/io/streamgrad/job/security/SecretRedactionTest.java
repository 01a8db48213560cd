package io.streamgrad.job.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigException;
import io.streamgrad.job.config.JobConfigParser;
import org.junit.jupiter.api.Test;

/** Kafka credentials in the job config reach the clients unchanged and are never printed. */
class SecretRedactionTest {
    static final String SECRET = "Pw-c0rrect-h0rse-9f2e";

    static String yaml(String kafkaExtra) {
        return """
                kafka:
                  bootstrap.servers: "127.0.0.1:9092"
                  security.protocol: SASL_SSL
                  sasl.mechanism: SCRAM-SHA-512
                  sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="sg" password="%s";'
                  ssl.truststore.location: /etc/streamgrad/truststore.jks
                  ssl.truststore.password: "%s"
                  ssl.keystore.password: "%s"
                  ssl.key.password: "%s"
                %s
                models:
                  m:
                %s
                """.formatted(
                        SECRET,
                        SECRET,
                        SECRET,
                        SECRET,
                        kafkaExtra.indent(2),
                        TestConfigs.logisticYaml(4, 8).indent(4));
    }

    @Test
    void credentials_reachTheClientProperties_unchanged() {
        JobConfig cfg = JobConfigParser.parse(yaml(""), "job.yaml");

        assertThat(cfg.kafkaProperties().getProperty("sasl.jaas.config")).contains("password=\"" + SECRET + "\"");
        assertThat(cfg.kafkaProperties().getProperty("ssl.truststore.password")).isEqualTo(SECRET);
    }

    @Test
    void toStringAndRedactedKafka_neverShowACredential_butShowTheRest() {
        JobConfig cfg = JobConfigParser.parse(yaml("""
                sasl.oauthbearer.client.credentials.client.secret: "%s"
                ssl.keystore.key: "%s"
                listener.name.x.plain.sasl.jaas.config: "%s"
                basic.auth.user.info: "sg:%s"
                """.formatted(SECRET, SECRET, SECRET, SECRET)), "job.yaml");

        assertThat(cfg.toString())
                .doesNotContain(SECRET)
                .contains("sasl.jaas.config=[redacted]")
                .contains("security.protocol=SASL_SSL")
                .contains("ssl.truststore.location=/etc/streamgrad/truststore.jks");
        assertThat(cfg.redactedKafka())
                .containsEntry("ssl.key.password", JobConfig.REDACTED)
                .containsEntry("ssl.keystore.key", JobConfig.REDACTED)
                .containsEntry("basic.auth.user.info", JobConfig.REDACTED)
                .containsEntry("sasl.oauthbearer.client.credentials.client.secret", JobConfig.REDACTED)
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(cfg.redactedKafka().toString()).doesNotContain(SECRET);
    }

    @Test
    void yamlSyntaxError_onTheCredentialLine_namesLineAndColumn_withoutEchoingIt() {
        String broken = """
                kafka:
                  bootstrap.servers: "127.0.0.1:9092"
                  sasl.jaas.config: "PlainLoginModule required username="sg" password="%s";"
                models: {}
                """.formatted(SECRET);

        assertThatThrownBy(() -> JobConfigParser.parse(broken, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("job.yaml")
                .hasMessageContaining("invalid YAML: line 3, column")
                .satisfies(
                        e -> assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("password="));
    }

    @Test
    void duplicateCredentialKey_isRefused_namingTheKeyNotTheValue() {
        String dup = """
                kafka:
                  bootstrap.servers: "127.0.0.1:9092"
                  sasl.jaas.config: "a %s"
                  sasl.jaas.config: "b %s"
                models: {}
                """.formatted(SECRET, SECRET);

        assertThatThrownBy(() -> JobConfigParser.parse(dup, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("sasl.jaas.config")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }

    @Test
    void credentialGivenAsAMapping_isRefused_withoutPrintingIt() {
        String nested = """
                kafka:
                  bootstrap.servers: "127.0.0.1:9092"
                  sasl.jaas.config: {password: "%s"}
                models:
                  m: {model: {type: logistic, features: 2}, loss: binary_cross_entropy, optimizer: {type: sgd}}
                """.formatted(SECRET);

        assertThatThrownBy(() -> JobConfigParser.parse(nested, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("kafka.sasl.jaas.config: expected a scalar client property value")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }
}

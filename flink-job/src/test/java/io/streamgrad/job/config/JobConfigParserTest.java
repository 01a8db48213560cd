package io.streamgrad.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.TestConfigs;
import org.junit.jupiter.api.Test;

class JobConfigParserTest {
    private static final String MODELS = """
            models:
              ctr:
                model: {type: logistic, features: 16}
                loss: binary_cross_entropy
                optimizer: {type: adam}
                batch_size: 32
              price:
                model: {type: linear, features: 4}
                loss: mse
                optimizer: {type: sgd}
            """;

    @Test
    void fullConfig_isReadWithEveryValue() {
        JobConfig c = JobConfigParser.parse("""
                kafka: {bootstrap.servers: "b1:9092,b2:9092", security.protocol: SASL_SSL, sasl.mechanism: PLAIN,
                        max.poll.records: 100}
                topics: {examples: ex, models: mo, metrics: me, dead_letters: dl}
                group_id: g
                start: latest
                bounded: true
                checkpoint_interval_ms: 5000
                checkpoint_dir: file:///var/ckpt
                state_backend: rocksdb
                restart: {attempts: 7, delay_ms: 250}
                snapshot: {every_steps: 50, every_seconds: 30}
                metrics_every_batches: 4
                batch_timeout_ms: 0
                transaction_timeout_ms: 120000
                transactional_id_prefix: tx
                parallelism: 2
                limits: {max_record_bytes: 1000, max_examples_per_record: 10, max_non_zeros_per_example: 5}
                """ + MODELS, "job.yaml");

        assertThat(c.kafka())
                .containsEntry("bootstrap.servers", "b1:9092,b2:9092")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("max.poll.records", "100");
        assertThat(c.topics()).isEqualTo(new JobConfig.Topics("ex", "mo", "me", "dl"));
        assertThat(c.groupId()).isEqualTo("g");
        assertThat(c.start()).isEqualTo(JobConfig.StartFrom.LATEST);
        assertThat(c.bounded()).isTrue();
        assertThat(c.checkpointIntervalMs()).isEqualTo(5000);
        assertThat(c.checkpointDir()).isEqualTo("file:///var/ckpt");
        assertThat(c.stateBackend()).isEqualTo(JobConfig.StateBackendKind.ROCKSDB);
        var flink = io.streamgrad.job.StreamgradJob.flinkConfiguration(c);
        assertThat(flink.get(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND))
                .isEqualTo("rocksdb");
        assertThat(flink.get(org.apache.flink.configuration.CheckpointingOptions.INCREMENTAL_CHECKPOINTS))
                .as("rocksdb checkpoints upload only the new SST files")
                .isTrue();
        assertThat(c.restartAttempts()).isEqualTo(7);
        assertThat(c.restartDelayMs()).isEqualTo(250);
        assertThat(c.snapshotEverySteps()).isEqualTo(50);
        assertThat(c.snapshotEverySeconds()).isEqualTo(30);
        assertThat(c.metricsEveryBatches()).isEqualTo(4);
        assertThat(c.batchTimeoutMs()).isZero();
        assertThat(c.transactionTimeoutMs()).isEqualTo(120000);
        assertThat(c.transactionalIdPrefix()).isEqualTo("tx");
        assertThat(c.parallelism()).isEqualTo(2);
        assertThat(c.limits()).isEqualTo(new JobConfig.Limits(1000, 10, 5));
        assertThat(c.models().modelIds()).containsExactly("ctr", "price");
        assertThat(c.models().config("ctr").batchSize()).isEqualTo(32);
        assertThat(c.models().config("nope")).isNull();
        assertThat(c.models().accepts("nope")).isFalse();
    }

    @Test
    void minimalConfig_takesTheDefaults() {
        JobConfig c = JobConfigParser.parse("kafka: {bootstrap.servers: 'k:9092'}\n" + MODELS, "job.yaml");

        assertThat(c.topics())
                .isEqualTo(new JobConfig.Topics(
                        JobDefaults.TOPIC_EXAMPLES,
                        JobDefaults.TOPIC_MODELS,
                        JobDefaults.TOPIC_METRICS,
                        JobDefaults.TOPIC_DEAD_LETTERS));
        assertThat(c.start()).isEqualTo(JobConfig.StartFrom.COMMITTED);
        assertThat(c.checkpointIntervalMs()).isEqualTo(JobDefaults.CHECKPOINT_INTERVAL_MS);
        assertThat(c.stateBackend()).isEqualTo(JobConfig.StateBackendKind.HASHMAP);
        assertThat(c.transactionalIdPrefix()).isEqualTo("streamgrad-streamgrad");
        assertThat(c.unknownModels()).isEqualTo(JobConfig.UnknownModels.DEAD_LETTER);
    }

    @Test
    void everyProblem_isReportedAtOnce_eachNamingItsKey() {
        assertThatThrownBy(() -> JobConfigParser.parse("""
                kafka: {security.protocol: SSL}
                start: newest
                state_backend: memory
                snapshot: {every_steps: -1, evry_seconds: 3}
                batch_timeout_ms: soon
                checkpoint_interval_ms: 2000
                transaction_timeout_ms: 1500
                job_name: ../elsewhere
                checkpoint_retained_runs: 0
                bogus: 1
                models:
                  ctr:
                    model: {type: logistic, features: 0}
                    loss: binary_cross_entropy
                    optimizer: {type: adam}
                """, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageStartingWith("job.yaml: ")
                .hasMessageContaining("kafka.bootstrap.servers: missing")
                .hasMessageContaining("start: 'newest' is not one of earliest | latest | committed")
                .hasMessageContaining("state_backend: 'memory' is not one of hashmap | rocksdb")
                .hasMessageContaining("snapshot.every_steps: -1 is out of range")
                .hasMessageContaining("snapshot.evry_seconds: unknown key")
                .hasMessageContaining("batch_timeout_ms: expected an integer")
                .hasMessageContaining("transaction_timeout_ms: 1500 must exceed checkpoint_interval_ms")
                .hasMessageContaining("job_name: '../elsewhere' is not a directory name")
                .hasMessageContaining("checkpoint_retained_runs: 0 is out of range")
                .hasMessageContaining("bogus: unknown key")
                .hasMessageContaining("models.ctr.model.features");
    }

    private static final String MINIMAL_MODEL = """
            models:
              m: {model: {type: linear, features: 2}, loss: mse, optimizer: {type: sgd, learning_rate: 0.1}}
            """;

    @Test
    void outputFormat_decidesTheJsonTopics_andTheTopicsCreated() {
        String k = "kafka: {bootstrap.servers: 'k:9092'}\n";
        JobConfig avro = JobConfigParser.parse(k + MINIMAL_MODEL, "job.yaml");
        JobConfig json = JobConfigParser.parse(k + "output_format: json\n" + MINIMAL_MODEL, "job.yaml");
        JobConfig both = JobConfigParser.parse(k + "output_format: both\n" + MINIMAL_MODEL, "job.yaml");

        assertThat(avro.topics().jsonSiblings()).isEmpty();
        assertThat(avro.topics().metricsJson()).isNull();
        assertThat(json.topics().avroOutputs()).isFalse();
        assertThat(json.topics().metricsJson()).isEqualTo("metrics"); // JSON instead of Avro, same topic
        assertThat(json.topics().jsonSiblings()).containsExactly("models.json");
        assertThat(both.topics().avroOutputs()).isTrue();
        assertThat(both.topics().jsonSiblings()).containsExactly("metrics.json", "dead_letters.json", "models.json");
        assertThat(io.streamgrad.job.admin.JobTopics.specs(both.topics(), 1, (short) 1))
                .extracting(org.apache.kafka.clients.admin.NewTopic::name)
                .containsExactly(
                        "examples",
                        "models",
                        "metrics",
                        "dead_letters",
                        "metrics.json",
                        "dead_letters.json",
                        "models.json");
        assertThat(avro.snapshotFirstAfterMs()).isEqualTo(1000L); // snapshot.first_after_ms default
    }

    @Test
    void outputFormat_jsonTopicThatIsAlsoAJobTopic_isRefusedNamingIt() {
        assertThatThrownBy(() -> JobConfigParser.parse(
                        "kafka: {bootstrap.servers: 'k:9092'}\noutput_format: both\n"
                                + "topics: {examples: metrics.json}\n" + MINIMAL_MODEL,
                        "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining(
                        "output_format: both writes JSON to the topic metrics.json, which is also one" + " of topics:");
        assertThatThrownBy(() -> JobConfigParser.parse(
                        "kafka: {bootstrap.servers: 'k:9092'}\noutput_format: xml\n" + MINIMAL_MODEL, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("output_format: 'xml' is not one of avro | json | both");
    }

    @Test
    void checkpointTimeout_defaultsToTheLongestThatKeepsTransactionsWithinTheirTimeout() {
        JobConfig c = JobConfigParser.parse("kafka: {bootstrap.servers: 'k:9092'}\n" + MINIMAL_MODEL, "job.yaml");
        // transaction_timeout_ms 60000 less a 6000 ms margin, halved: max(2000, T) + T <= 54000.
        assertThat(c.checkpointTimeoutMs()).isEqualTo(27_000);
        JobConfig longInterval = JobConfigParser.parse(
                "kafka: {bootstrap.servers: 'k:9092'}\ncheckpoint_interval_ms: 30000\n" + MINIMAL_MODEL, "job.yaml");
        assertThat(longInterval.checkpointTimeoutMs()).isEqualTo(24_000);
        assertThat(Math.max(30_000, longInterval.checkpointTimeoutMs()) + longInterval.checkpointTimeoutMs())
                .isLessThanOrEqualTo(60_000 - 6_000);
    }

    @Test
    void checkpointTimeoutThatCouldOutliveTheTransactionTimeout_isRefusedNamingTheKeys() {
        assertThatThrownBy(() -> JobConfigParser.parse(
                        "kafka: {bootstrap.servers: 'k:9092'}\ncheckpoint_timeout_ms: 600000\n" + MINIMAL_MODEL,
                        "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("checkpoint_timeout_ms: 600000 is too long for transaction_timeout_ms (60000)")
                .hasMessageContaining("set checkpoint_timeout_ms <= 27000 or raise transaction_timeout_ms");
        JobConfig ok = JobConfigParser.parse(
                "kafka: {bootstrap.servers: 'k:9092'}\ncheckpoint_timeout_ms: 27000\n" + MINIMAL_MODEL, "job.yaml");
        assertThat(ok.checkpointTimeoutMs()).isEqualTo(27_000);
    }

    @Test
    void checkpointIntervalThatLeavesNoTimeForACheckpoint_isRefused() {
        assertThatThrownBy(() -> JobConfigParser.parse(
                        "kafka: {bootstrap.servers: 'k:9092'}\ncheckpoint_interval_ms: 59000\n" + MINIMAL_MODEL,
                        "job.yaml"))
                .hasMessageContaining("checkpoint_interval_ms: 59000 leaves no time for a checkpoint to complete"
                        + " within transaction_timeout_ms (60000");
    }

    @Test
    void templateRules_areChecked() {
        assertThatThrownBy(() -> JobConfigParser.parse("""
                kafka: {bootstrap.servers: 'k:9092'}
                unknown_models: template
                """, "job.yaml"))
                .hasMessageContaining("template: missing, but unknown_models is 'template'");

        JobConfig c = JobConfigParser.parse("""
                kafka: {bootstrap.servers: 'k:9092'}
                unknown_models: template
                template: {model: {type: linear, features: 3}, loss: mse, optimizer: {type: sgd}, batch_size: 4}
                """, "job.yaml");
        assertThat(c.models().modelIds()).isEmpty();
        assertThat(c.models().accepts("anything")).isTrue();
        assertThat(c.models().config("anything").batchSize()).isEqualTo(4);
    }

    @Test
    void templateModelLimits_areRead_defaulted_andChecked() throws Exception {
        String template = """
                kafka: {bootstrap.servers: 'k:9092'}
                unknown_models: template
                template: {model: {type: linear, features: 3}, loss: mse, optimizer: {type: sgd}, batch_size: 4}
                """;
        assertThat(JobConfigParser.parse(template, "job.yaml").models().templateLimits())
                .isEqualTo(new TemplateLimits(1000, 100_000, 1, 86_400_000L, 2_592_000_000L));
        JobConfig c = JobConfigParser.parse(
                template + "template_models: {max_models: 5, max_pending: 7, min_examples: 3, idle_timeout_ms: 9000,"
                        + " retired_version_ttl_ms: 60000}\n",
                "job.yaml");
        assertThat(c.models().templateLimits()).isEqualTo(new TemplateLimits(5, 7, 3, 9000, 60_000));
        assertThat(org.apache.flink.util.InstantiationUtil.clone(c.models()).templateLimits())
                .isEqualTo(c.models().templateLimits());

        assertThatThrownBy(() -> JobConfigParser.parse(
                        template + "template_models: {max_models: 0, min_examples: 0, retired_version_ttl_ms: 0,"
                                + " bogus: 1}\n",
                        "job.yaml"))
                .hasMessageContaining("template_models.max_models: 0 is out of range")
                .hasMessageContaining("template_models.retired_version_ttl_ms: 0 is out of range")
                .hasMessageContaining("template_models.min_examples: 0 is out of range")
                .hasMessageContaining("template_models.bogus: unknown key");
        assertThatThrownBy(() -> JobConfigParser.parse("""
                        kafka: {bootstrap.servers: 'k:9092'}
                        models: {m: {model: {type: linear, features: 3}, loss: mse, optimizer: {type: sgd}}}
                        template_models: {max_models: 5}
                        """, "job.yaml"))
                .hasMessageContaining("template_models: given, but unknown_models is 'dead_letter'");
    }

    @Test
    void templateIds_shareOneParsedConfig_soAFloodOfIdsCostsNoMemoryInTheCatalog() {
        JobConfig c = JobConfigParser.parse("""
                kafka: {bootstrap.servers: 'k:9092'}
                unknown_models: template
                template: {model: {type: linear, features: 3}, loss: mse, optimizer: {type: sgd}, batch_size: 4}
                """, "job.yaml");
        assertThat(c.models().config("a")).isSameAs(c.models().config("b"));
        assertThat(c.models().isListed("a")).isFalse();
    }

    @Test
    void catalog_survivesJavaSerialisation_asFlinkShipsIt() throws Exception {
        ModelCatalog c = TestConfigs.catalog("m", TestConfigs.logisticYaml(3, 8));
        ModelCatalog copy = org.apache.flink.util.InstantiationUtil.clone(c);

        assertThat(copy.config("m")).isEqualTo(c.config("m"));
        assertThat(copy.yaml("m")).isEqualTo(c.yaml("m"));
    }

    @Test
    void emptyOrNonMappingDocument_isRejected() {
        assertThatThrownBy(() -> JobConfigParser.parse("", "job.yaml")).hasMessageContaining("empty document");
        assertThatThrownBy(() -> JobConfigParser.parse("- a\n- b\n", "job.yaml"))
                .hasMessageContaining("expected a mapping");
        assertThatThrownBy(() -> JobConfigParser.parse("a: [\n", "job.yaml")).hasMessageContaining("invalid YAML");
    }

    @Test
    void deltas_offByDefault_withoutAnUpdatesTopic() {
        JobConfig c = JobConfigParser.parse("kafka: {bootstrap.servers: b:9092}\n" + MODELS, "job.yaml");
        assertThat(c.deltas()).isEqualTo(JobConfig.Deltas.OFF);
        assertThat(c.deltas().fullEverySeconds()).isEqualTo(600);
        assertThat(c.topics().updates())
                .as("deltas off: the job neither writes nor needs it")
                .isNull();
    }

    @Test
    void deltas_enabled_readsEveryKey_andNamesTheUpdatesTopic() {
        JobConfig c = JobConfigParser.parse("""
                kafka: {bootstrap.servers: b:9092}
                topics: {updates: ups}
                deltas: {enabled: true, full_every_versions: 20, full_every_seconds: 120, full_copies: true}
                """ + MODELS, "job.yaml");
        assertThat(c.deltas()).isEqualTo(new JobConfig.Deltas(true, 20, 120, true));
        assertThat(c.deltas().minRetentionMs()).isEqualTo(240_000);
        assertThat(c.topics().updates()).isEqualTo("ups");
        assertThat(JobConfigParser.parse("kafka: {bootstrap.servers: b:9092}\ndeltas: {enabled: true}\n" + MODELS, "j")
                        .topics()
                        .updates())
                .isEqualTo("model_updates");
    }

    @Test
    void deltas_badValues_areNamedByKey() {
        assertThatThrownBy(() -> JobConfigParser.parse("""
                        kafka: {bootstrap.servers: b:9092}
                        topics: {models: same, updates: same}
                        deltas: {enabled: true, full_every_versions: -1, full_every_seconds: 0, full_copy: true}
                        """ + MODELS, "job.yaml"))
                .isInstanceOf(JobConfigException.class)
                .hasMessageContaining("topics: the five topics must be distinct")
                .hasMessageContaining("deltas.full_every_versions: -1 is out of range")
                .hasMessageContaining("deltas.full_every_seconds: 0 is out of range")
                .hasMessageContaining("deltas.full_copy");
    }
}

package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.RecsVersionKind;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.recs.InteractionRecord;
import io.streamgrad.job.recs.RecsFixtures;
import io.streamgrad.job.recs.RecsTopics;
import io.streamgrad.job.warmstart.WarmStartSet;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.Prequential;
import io.streamgrad.learner.recs.Row;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The core property of the mf models in the job: for one-partition input, with admission, expiry and capacity on,
 * across a task failure and the restore from the last checkpoint, the job's model equals the offline trainer's on the
 * same interactions (what {@code ./streamgrad train} computes) — same ids, same values bit for bit — as rebuilt by a
 * read_committed reader from the published versions (a FULL version, then the DELTAs with their tombstones, each
 * version once and in order), and its prequential metrics are the offline pass's. On the heap backend and on RocksDB
 * with incremental checkpoints.
 */
class RecsCrashRecoveryIT {
    private static final int COUNT = 480; // 60 steps of 8
    private static final int CHUNKS = 4;
    private static final long KILL_SEED = 0x5EED_4EC5L;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    @TempDir
    static Path dir;

    static JobConfig config(String prefix, String backend) {
        String yaml = """
                kafka: {bootstrap.servers: "%1$s"}
                topics: {examples: %2$s-examples, models: %2$s-models, metrics: %2$s-metrics, dead_letters: %2$s-dead,
                         updates: %2$s-updates, interactions: %2$s-interactions}
                group_id: %2$s
                start: earliest
                checkpoint_interval_ms: 200
                checkpoint_dir: "%3$s"
                state_backend: %4$s
                batch_timeout_ms: 0
                snapshot: {every_steps: 5, every_seconds: 0}
                deltas: {enabled: true, full_every_versions: 4}
                metrics_every_batches: 25
                restart: {attempts: 3, delay_ms: 100}
                recs: {rows_per_part: 16}
                models:
                  recs:
                """.formatted(
                        kafka.bootstrapServers(), prefix, dir.resolve(prefix).toUri(), backend)
                + RecsFixtures.MF_YAML.indent(4);
        return JobConfigParser.parse(yaml, prefix + ".yaml");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void taskFailure_restoresFromCheckpoint_andTheModelEqualsOfflineTraining(
            String backend, @InjectMiniCluster MiniCluster cluster) throws Exception {
        String prefix = "recs-crash-" + backend;
        JobConfig cfg = config(prefix, backend);
        kafka.createJobTopics(cfg.topics(), 1);
        kafka.createTopics(RecsTopics.specs(cfg, 1, (short) 1).toArray(new org.apache.kafka.clients.admin.NewTopic[0]));

        List<Interaction> data = RecsFixtures.interactions(COUNT, 42);
        Prequential offline = RecsFixtures.offline(RecsFixtures.MF_YAML, data);
        MfModel reference = offline.mfModel();
        // offset 0 is a bad record (dead letter); interaction n is at offset n + 1
        long killOffset = 1
                + COUNT / CHUNKS
                + new java.util.Random(KILL_SEED ^ backend.hashCode()).nextInt(COUNT * (CHUNKS - 1) / CHUNKS);

        Configuration conf = StreamgradJob.flinkConfiguration(cfg);
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, backend.equals("rocksdb"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        StreamgradJob.build(
                env,
                cfg,
                WarmStartSet.none(),
                UnaryOperator.identity(),
                UnaryOperator.identity(),
                s -> s.map(new FailInteractionOnceAt(prefix, 0, killOffset))
                        .returns(TypeInformation.of(InteractionRecord.class))
                        .uid("interaction-failure-injector")
                        .name("failure injector"));
        JobClient job = env.executeAsync(prefix);
        var versionCodec = SingleObjectCodec.recsVersion();
        var metricsCodec = SingleObjectCodec.trainingMetrics();
        var deadCodec = SingleObjectCodec.deadLetter();
        try (KafkaProducer<byte[], byte[]> producer = producer();
                CommittedTopic<RecsVersion> versions = new CommittedTopic<>(
                        kafka.bootstrapServers(),
                        cfg.topics().updates(),
                        b -> ReliabilitySupport.decode(() -> versionCodec.decode(b)));
                CommittedTopic<TrainingMetrics> metrics = new CommittedTopic<>(
                        kafka.bootstrapServers(),
                        cfg.topics().metrics(),
                        b -> ReliabilitySupport.decode(() -> metricsCodec.decode(b)));
                CommittedTopic<DeadLetter> dead = new CommittedTopic<>(
                        kafka.bootstrapServers(),
                        cfg.topics().deadLetters(),
                        b -> ReliabilitySupport.decode(() -> deadCodec.decode(b)))) {
            String topic = cfg.recs().interactionsTopic();
            send(producer, topic, "{\"model\":\"recs\",\"user\":\"u1\",\"item\":\"i1\"}"); // no time
            for (int c = 0; c < CHUNKS; c++) {
                for (int n = c * COUNT / CHUNKS; n < (c + 1) * COUNT / CHUNKS; n++) {
                    Interaction x = data.get(n);
                    send(
                            producer,
                            topic,
                            "{\"model\":\"recs\",\"user\":\"%s\",\"item\":\"%s\",\"time\":%d}"
                                    .formatted(x.user(), x.item(), x.timeMs()));
                }
                producer.flush();
                long step = (long) COUNT / 8 * (c + 1) / CHUNKS;
                versions.await(
                        "a committed version at step " + step,
                        Duration.ofSeconds(90),
                        l -> l.stream().anyMatch(v -> v.getStep() >= step) ? true : null);
            }
            assertThat(FailInteractionOnceAt.fired(prefix))
                    .as("the injected failure fired")
                    .isTrue();
            RestoredCheckpointStats restored =
                    ReliabilitySupport.restoredCheckpoint(cluster, job, Duration.ofSeconds(30));
            assertThat(restored).as("the job was restored from a checkpoint").isNotNull();
            CrashRecoveryIT.cancel(job);

            List<RecsVersion> records = versions.readToEnd(Duration.ofSeconds(30));
            RecsFixtures.Replica replica = assertVersionsRebuildTheOfflineModel(records, reference);
            // the last FULL version alone (11) + delta 12 gives the same: a new reader starts from it
            RecsFixtures.Replica late = new RecsFixtures.Replica(4);
            late.applyAll(records.stream().filter(v -> v.getVersion() >= 11).toList());
            assertThat(late.values).isEqualTo(replica.values);

            // metrics: windows at steps 25 and 50, each once, equal to the offline pass over the same interactions
            List<TrainingMetrics> windows = metrics.readToEnd(Duration.ofSeconds(30));
            assertThat(windows).extracting(TrainingMetrics::getStep).containsExactly(25L, 50L);
            Prequential firstFifty = RecsFixtures.offline(RecsFixtures.MF_YAML, data.subList(0, 400));
            double hits = 0;
            for (TrainingMetrics m : windows) {
                hits += m.getRanking().get("recall@5") * m.getRanking().get("evaluated");
            }
            assertThat(hits / 400).isCloseTo(firstFifty.model().recall(), org.assertj.core.data.Offset.offset(1e-12));

            List<DeadLetter> deadLetters = dead.readToEnd(Duration.ofSeconds(30));
            assertThat(deadLetters)
                    .singleElement()
                    .satisfies(d -> assertThat(d.getReason().toString()).startsWith(topic + "-0@0: time: missing"));
        } finally {
            CrashRecoveryIT.cancel(job);
        }
    }

    /**
     * The versions of a run of the crash tests (60 steps, a version every 5, a FULL every 5th): each once, in order,
     * FULL at 1, 6 and 11, some DELTA with tombstones, and the chain rebuilds the offline model's users, items, counts
     * and global bias; returns the rebuilt replica for further checks.
     */
    static RecsFixtures.Replica assertVersionsRebuildTheOfflineModel(List<RecsVersion> records, MfModel reference) {
        // each version once, in order, complete: FULL at 1, 6, 11 (full_every_versions: 4 deltas between)
        List<List<RecsVersion>> byVersion = RecsFixtures.versions(records);
        assertThat(byVersion)
                .extracting(v -> v.get(0).getVersion())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 12).boxed().toList());
        assertThat(byVersion)
                .filteredOn(v -> v.get(0).getKind() == RecsVersionKind.FULL)
                .extracting(v -> v.get(0).getVersion())
                .containsExactly(1L, 6L, 11L);
        assertThat(records)
                .as("some delta announces expired or evicted rows")
                .anySatisfy(v -> assertThat(v.getTables())
                        .anySatisfy(t -> assertThat(t.getRemoved()).isNotEmpty()));
        RecsFixtures.Replica replica = new RecsFixtures.Replica(4);
        replica.applyAll(records);
        Map<String, Row> users = RecsFixtures.rows(reference.users().store().entries());
        Map<String, Row> items = RecsFixtures.rows(reference.items().store().entries());
        assertThat(replica.step).isEqualTo(60);
        assertThat(replica.values.get(MfModel.USERS))
                .as("user rows rebuilt from the versions vs offline training")
                .isEqualTo(RecsFixtures.values(users));
        assertThat(replica.values.get(MfModel.ITEMS))
                .as("item rows rebuilt from the versions vs offline training")
                .isEqualTo(RecsFixtures.values(items));
        assertThat(replica.counts.get(MfModel.USERS)).isEqualTo(RecsFixtures.counts(users));
        assertThat(replica.globalBias).isEqualTo(reference.global().globalBias());
        return replica;
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = ReliabilitySupport.producerProps(kafka.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, String json) {
        p.send(new ProducerRecord<>(
                topic, 0, "recs".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
    }
}

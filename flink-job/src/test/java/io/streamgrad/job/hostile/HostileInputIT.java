package io.streamgrad.job.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.hostile.HostileRecords.Generated;
import io.streamgrad.job.hostile.HostileRecords.Kind;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job, on a real broker and a MiniCluster, fed 100,000 seeded records of which about half are broken or
 * hostile ({@link HostileRecords}, every kind but the unpredictable CHAOS), plus three invalid records at Kafka's
 * default size limit, every 100th record stamped in the year 3000: the bounded job finishes without a single failure (no restarts allowed), the dead-letter
 * topic holds exactly one letter per invalid record with the right coordinates and reason, and each model's final
 * snapshot has seen exactly the valid examples.
 */
class HostileInputIT {
    static final int RECORDS = 100_000;
    static final long SEED = 0xBAD_5EEDL;
    static final long YEAR_3000 = 32_503_680_000_000L;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    static Path dir;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    @Test
    void mixedHostileStream_jobNeverFails_deadLettersAndTrainedExamplesMatchTheGeneratorExactly() throws Exception {
        JobConfig cfg = JobConfigParser.parse(
                """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: h-examples, models: h-models, metrics: h-metrics, dead_letters: h-dead}
                group_id: hostile
                start: earliest
                bounded: true
                restart: {attempts: 0}
                checkpoint_interval_ms: 1000
                batch_timeout_ms: 0
                snapshot: {every_steps: 0, every_seconds: 0}
                metrics_every_batches: 100
                limits: {max_record_bytes: %d, max_examples_per_record: %d, max_non_zeros_per_example: %d,
                         max_abs_value: %s, max_dead_letter_bytes: %d}
                models:
                %s
                """.formatted(
                                kafka.bootstrapServers(),
                                DecodeFuzzTest.LIMITS.maxRecordBytes(),
                                DecodeFuzzTest.LIMITS.maxExamplesPerRecord(),
                                DecodeFuzzTest.LIMITS.maxNonZerosPerExample(),
                                DecodeFuzzTest.LIMITS.maxAbsValue(),
                                DecodeFuzzTest.LIMITS.maxDeadLetterBytes(),
                                HostileRecords.modelsYaml().indent(2)),
                "hostile.yaml");
        assertThat(cfg.limits()).isEqualTo(DecodeFuzzTest.LIMITS);
        // An examples topic that accepts any CreateTime (Kafka's default before 4.0), so producers can stamp
        // records far in the future; the job's outputs must not inherit those timestamps.
        JobTopics.create(
                kafka.admin(),
                List.of(new NewTopic(cfg.topics().examples(), 3, (short) 1)
                        .configs(Map.of("message.timestamp.after.max.ms", String.valueOf(Long.MAX_VALUE)))));
        kafka.createJobTopics(cfg.topics(), 3);

        // Produce, remembering what each (partition, offset) must become.
        HostileRecords gen = new HostileRecords(SEED, cfg.limits(), false, false);
        Map<String, Generated> byCoordinates = new HashMap<>();
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        Map<String, Long> validPerModel = new TreeMap<>();
        int invalid = 0;
        long t0 = System.nanoTime();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 << 20));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            List<Generated> generated = new ArrayList<>();
            for (int i = 0; i < RECORDS + 3; i++) {
                Generated g = i < RECORDS ? gen.next() : atTheBrokersSizeLimit(i);
                generated.add(g);
                Long timestamp = i % 100 == 0 ? YEAR_3000 : null;
                sent.add(producer.send(
                        new ProducerRecord<>(cfg.topics().examples(), i % 3, timestamp, g.key(), g.value())));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata m = sent.get(i).get();
                Generated g = generated.get(i);
                byCoordinates.put(m.partition() + "@" + m.offset(), g);
                counts.merge(g.kind(), 1, Integer::sum);
                if (g.kind() == Kind.VALID) {
                    validPerModel.merge(g.modelId(), (long) g.examples().size(), Long::sum);
                } else {
                    invalid++;
                }
            }
        }
        double produceSeconds = (System.nanoTime() - t0) / 1e9;

        // Run the job to the end of its bounded input; with restart attempts 0, any failure fails it.
        long t1 = System.nanoTime();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(cfg));
        StreamgradJob.build(env, cfg);
        JobExecutionResult result =
                env.executeAsync("hostile").getJobExecutionResult().get(240, TimeUnit.SECONDS);
        double jobSeconds = (System.nanoTime() - t1) / 1e9;
        assertThat(result.getJobID()).isNotNull();

        // Dead letters: one per invalid record, each with its coordinates and a reason of its class.
        SingleObjectCodec<DeadLetter> dlCodec = SingleObjectCodec.deadLetter();
        List<ConsumerRecord<byte[], byte[]>> dead =
                kafka.readCommitted(cfg.topics().deadLetters());
        List<String> problems = new ArrayList<>();
        Map<String, Integer> letters = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : dead) {
            DeadLetter d = decode(dlCodec, rec.value());
            String at = d.getPartition() + "@" + d.getOffset();
            letters.merge(at, 1, Integer::sum);
            Generated g = byCoordinates.get(at);
            if (g == null || !g.kind().invalid()) {
                problems.add(at + ": dead letter for a " + (g == null ? "record never sent" : "valid record") + ": "
                        + d.getReason());
                continue;
            }
            SourceRecord r =
                    new SourceRecord(cfg.topics().examples(), d.getPartition(), d.getOffset(), 0, g.key(), g.value());
            String problem = Outcomes.deadLetterProblem(g, r, d, true, cfg.limits(), -1);
            if (problem != null && problems.size() < 20) {
                problems.add(at + " " + g.kind() + ": " + problem);
            }
        }
        letters.forEach((at, n) -> {
            if (n != 1) {
                problems.add(at + ": " + n + " dead letters");
            }
        });

        // Snapshots: the final one of each model has seen exactly the valid examples, and rejected no batch.
        SingleObjectCodec<ModelSnapshot> snapCodec = SingleObjectCodec.modelSnapshot();
        Map<String, ModelSnapshot> latest = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec :
                kafka.readCommitted(cfg.topics().models())) {
            ModelSnapshot s = decode(snapCodec, rec.value());
            latest.merge(s.getModelId(), s, (a, b) -> b.getVersion() > a.getVersion() ? b : a);
        }
        Map<String, Long> seen = new TreeMap<>();
        latest.forEach((id, s) -> seen.put(id, s.getExamplesSeen()));

        System.err.printf(
                Locale.ROOT,
                "hostile stream end to end: %,d records (%,d invalid, %,d dead letters) produced"
                        + " in %.1f s, bounded job %.1f s; valid examples per model %s, seen %s%n%s",
                RECORDS + 3,
                invalid,
                dead.size(),
                produceSeconds,
                jobSeconds,
                validPerModel,
                seen,
                HostileRecords.table(counts, k -> ""));
        assertThat(problems).isEmpty();
        assertThat(dead).hasSize(invalid);
        assertThat(letters.keySet()).hasSize(invalid);
        assertThat(seen).isEqualTo(validPerModel);
        assertThat(latest.values()).allSatisfy(s -> assertThat(s.getMetrics()).containsEntry("skipped_batches", 0.0));
        assertThat(counts.keySet()).hasSize(Kind.values().length - 1); // every kind but CHAOS
        assertThat(invalid).isGreaterThan(RECORDS / 3);
    }

    /**
     * An invalid record just under Kafka's default max.message.bytes with a 1 kB key: a dead letter that copied
     * it would exceed the limit, so the dead-letter sink would fail the job on every restart.
     */
    private static Generated atTheBrokersSizeLimit(int i) {
        byte[] key = new byte[1000];
        Arrays.fill(key, (byte) ('a' + i % 26));
        byte[] value = new byte[1_047_000];
        Arrays.fill(value, (byte) ' ');
        value[0] = '{';
        return new Generated(
                Kind.OVERSIZED_RECORD,
                key,
                value,
                null,
                List.of(),
                List.of("record of 1047000 bytes exceeds limits.max_record_bytes", "not copied"));
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> T decode(
            SingleObjectCodec<T> codec, byte[] bytes) {
        try {
            return codec.decode(bytes);
        } catch (InvalidRecordException e) {
            throw new AssertionError(e);
        }
    }
}

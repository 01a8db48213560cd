package io.streamgrad.job.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.job.config.JobConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobTopicsIT {

    /**
     * A topic is usable the moment {@code JobTopics.create} returns: an idempotent producer's first batches, several
     * in flight at once, are all appended, in order. Kafka's metadata names a partition's leader before that
     * broker has opened the partition; a first batch sent then is refused (NOT_LEADER_OR_FOLLOWER) while the next
     * one is appended, and the retried first batch is refused for good as out of sequence until it expires
     * ({@code delivery.timeout.ms}): minutes of retries and a lost batch (seen in {@code bench-stream}'s warm-up).
     */
    @Test
    void createdTopics_takeAnIdempotentProducersFirstBatches_inOrder_atOnce(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, "2048"); // two records a batch: many batches in flight
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "8000");
            p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200");
            String payload = "x".repeat(900);
            int records = 40;
            for (int round = 0; round < 25; round++) {
                JobConfig.Topics topics =
                        new JobConfig.Topics("ex" + round, "models" + round, "metrics" + round, "dlq" + round);
                JobTopics.create(kafka.admin(), topics, 1, (short) 1);
                List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
                        new ArrayList<>();
                try (KafkaProducer<String, String> producer =
                        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < records; i++) {
                        sent.add(producer.send(new ProducerRecord<>(topics.examples(), 0, "k", i + payload)));
                    }
                    producer.flush();
                }
                for (int i = 0; i < records; i++) {
                    int record = i;
                    int r = round;
                    assertThat(sent.get(i))
                            .as("round %d, record %d", r, record)
                            .succeedsWithin(Duration.ofSeconds(1))
                            .satisfies(md -> assertThat(md.offset())
                                    .as("round %d, record %d", r, record)
                                    .isEqualTo(record));
                }
            }
        }
    }

    @Test
    void broker_startsCreatesCompactedModelsTopic_andRoundTripsRecords(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            JobConfig.Topics topics = new JobConfig.Topics("ex", "models", "metrics", "dlq");
            JobTopics.create(kafka.admin(), topics, 2, (short) 1);

            ConfigResource models = new ConfigResource(ConfigResource.Type.TOPIC, "models");
            String policy = kafka.admin()
                    .describeConfigs(List.of(models))
                    .all()
                    .get()
                    .get(models)
                    .get("cleanup.policy")
                    .value();
            assertThat(policy).isEqualTo("compact");
            assertThat(kafka.admin()
                            .describeTopics(List.of("ex"))
                            .allTopicNames()
                            .get()
                            .get("ex")
                            .partitions())
                    .hasSize(2);

            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("metrics", "k", "v")).get();
            }
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "t");
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("metrics"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                }
            }
            assertThat(got)
                    .singleElement()
                    .satisfies(r -> assertThat(Map.entry(r.key(), r.value())).isEqualTo(Map.entry("k", "v")));
        }
    }
}

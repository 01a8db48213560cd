package io.streamgrad.job.embedded;

import static org.assertj.core.api.Assertions.assertThat;

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

class EmbeddedKafkaIT {

    @Test
    void broker_startsCreatesCompactedModelsTopic_andRoundTripsRecords(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            JobConfig.Topics topics = new JobConfig.Topics("ex", "models", "metrics", "dlq");
            kafka.createJobTopics(topics, 2);

            ConfigResource models = new ConfigResource(ConfigResource.Type.TOPIC, "models");
            String policy = kafka.admin().describeConfigs(List.of(models)).all().get().get(models)
                    .get("cleanup.policy").value();
            assertThat(policy).isEqualTo("compact");
            assertThat(kafka.admin().describeTopics(List.of("ex")).allTopicNames().get().get("ex").partitions())
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
            assertThat(got).singleElement().satisfies(r -> assertThat(Map.entry(r.key(), r.value()))
                    .isEqualTo(Map.entry("k", "v")));
        }
    }
}

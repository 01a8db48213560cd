package io.streamgrad.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Kafka client settings and topic reading shared by the commands. */
public final class KafkaClients {
    private KafkaClients() {}

    /**
     * Client properties: {@code --kafka-config FILE} (a Java properties file: security.protocol, sasl.*, ssl.* ...)
     * if given, then {@code --bootstrap-servers}.
     */
    public static Properties properties(Args args) throws UsageException, IOException {
        Properties p = new Properties();
        String file = args.get("kafka-config", null);
        if (file != null) {
            try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (NoSuchFileException e) {
                throw new UsageException("--kafka-config: no such file " + file);
            }
        }
        p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, args.required("bootstrap-servers"));
        return p;
    }

    /**
     * A consumer of committed records only (read_committed: what exactly-once outputs promise), assigned to every
     * partition of the topic, positioned at the beginning; no consumer group.
     */
    public static KafkaConsumer<byte[], byte[]> committedReader(Properties client, String topic, Duration timeout) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 << 20));
        KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new MissingTopicException("topic '" + topic + "' does not exist on "
                        + client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
            }
            List<TopicPartition> parts = new ArrayList<>();
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The topic a reader was asked for does not exist (yet) on the cluster. */
    public static final class MissingTopicException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MissingTopicException(String message) {
            super(message);
        }
    }

    /** Every committed record now in the topic (up to the end offsets at the call), in partition order per partition. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(Properties client, String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = committedReader(client, topic, timeout)) {
            Map<TopicPartition, Long> end = c.endOffsets(c.assignment(), timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(c, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "timed out after " + timeout + " reading " + topic + " up to " + end);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Polls the topic until {@code stop} says so, passing each committed record on. */
    public static void follow(
            Properties client,
            String topic,
            Duration timeout,
            Consumer<ConsumerRecord<byte[], byte[]>> sink,
            BooleanSupplier stop) {
        try (KafkaConsumer<byte[], byte[]> c = committedReader(client, topic, timeout)) {
            while (!stop.getAsBoolean()) {
                c.poll(Duration.ofMillis(200)).forEach(sink);
            }
        }
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}

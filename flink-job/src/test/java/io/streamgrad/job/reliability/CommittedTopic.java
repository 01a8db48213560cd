package io.streamgrad.job.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A topic as a downstream consumer of exactly-once outputs sees it: one long-lived {@code read_committed}
 * consumer from the beginning, every committed record decoded and kept in topic order (per partition). Waiting on
 * it is polling with a deadline, never a fixed sleep.
 */
final class CommittedTopic<T> implements AutoCloseable {
    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Function<byte[], T> decode;
    private final List<T> records = new ArrayList<>();

    CommittedTopic(String bootstrap, String topic, Function<byte[], T> decode) {
        this.topic = topic;
        this.decode = decode;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A broker that is away for a while (BrokerFaultIT) must not make this reader give up.
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    /** Fetches what is committed now (one short poll) and returns every record read so far. */
    List<T> poll() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            records.add(decode.apply(r.value()));
        }
        return Collections.unmodifiableList(records);
    }

    /** Every committed record up to the current end of the topic (its last stable offset). */
    List<T> readToEnd(Duration timeout) {
        var end = consumer.endOffsets(consumer.assignment(), timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not read " + topic + " to its end " + end + " in " + timeout);
            }
            poll();
        }
        return Collections.unmodifiableList(records);
    }

    /** Polls until {@code check} returns non-null for the records read so far, or fails after {@code timeout}. */
    <R> R await(String what, Duration timeout, Function<List<T>, R> check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            R r = check.apply(poll());
            if (r != null) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + " on " + topic + " ("
                        + records.size() + " committed records read)");
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}

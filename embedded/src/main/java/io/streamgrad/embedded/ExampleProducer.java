package io.streamgrad.embedded;

import io.streamgrad.avro.Example;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.schemas.JsonExamples;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Replays examples into one partition of a topic, in order, keyed by the model id: Avro single-object Examples
 * (or JSON objects). An idempotent producer with acks=all keeps the file's order even across retries, so a
 * one-partition replay trains on exactly the file's sequence.
 */
public final class ExampleProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final SingleObjectCodec<Example> avro = SingleObjectCodec.example();
    private final JsonExamples json = new JsonExamples();
    /** The first send that failed: Kafka reports failures through futures and callbacks, never by throwing. */
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public ExampleProducer(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        // A missing topic or an unreachable broker should fail in seconds, not a minute per record.
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Row {@code i} of a dataset as an Example: dense rows as {@code dense}, CSR rows as {@code indices/values}. */
    public static Example toExample(String modelId, Dataset data, int i, long eventTime) {
        Batch row = data.batch(i, i + 1);
        Example.Builder b = Example.newBuilder()
                .setModelId(modelId)
                .setLabel(row.labels()[0])
                .setWeight(row.weights()[0])
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setNamed(Map.of());
        if (row.isSparse()) {
            List<Integer> idx = new ArrayList<>(row.rowPtr()[1]);
            List<Float> val = new ArrayList<>(row.rowPtr()[1]);
            for (int p = row.rowPtr()[0]; p < row.rowPtr()[1]; p++) {
                idx.add(row.indices()[p]);
                val.add(row.values()[p]);
            }
            b.setDense(List.of()).setIndices(idx).setValues(val);
        } else {
            List<Float> dense = new ArrayList<>(row.dim());
            for (int j = 0; j < row.dim(); j++) {
                dense.add(row.dense()[j]);
            }
            b.setDense(dense).setIndices(List.of()).setValues(List.of());
        }
        return b.build();
    }

    public byte[] encode(Example e, boolean asJson) {
        return asJson ? json.toJson(e) : avro.encode(e);
    }

    /**
     * Sends one record (asynchronously); {@link #flush()} waits for all.
     *
     * @throws IllegalStateException once an earlier send has failed (wrong credentials, missing topic...): the
     *                               producer would otherwise go on dropping every record, each after a wait
     */
    public Future<RecordMetadata> send(String topic, int partition, String key, byte[] value) {
        throwIfFailed();
        return producer.send(
                new ProducerRecord<>(
                        topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
    }

    /** Fails fast when the topic is missing or has no such partition (before any record is sent). */
    public void checkPartition(String topic, int partition) {
        List<PartitionInfo> parts;
        try {
            parts = producer.partitionsFor(topic);
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "topic '" + topic + "' is not available (" + e.getMessage()
                            + "): create it first (`streamgrad run --create-topics` or kafka-topics.sh)",
                    e);
        }
        if (partition >= parts.size()) {
            throw new IllegalStateException("topic '" + topic + "' has " + parts.size() + " partition(s); partition "
                    + partition + " does not exist");
        }
    }

    private void throwIfFailed() {
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException(
                    "could not send to Kafka: " + e.getMessage()
                            + (e instanceof AuthenticationException
                                    ? " (check security.protocol, sasl.mechanism and the credentials in --kafka-config)"
                                    : ""),
                    e);
        }
    }

    /**
     * Replays a dataset in order.
     *
     * @param ratePerSecond examples per second, 0 for as fast as possible
     * @param limit         at most this many examples (0: all)
     * @return the number of records sent
     */
    public long replay(
            String topic,
            int partition,
            String modelId,
            Dataset data,
            boolean asJson,
            double ratePerSecond,
            long limit) {
        checkPartition(topic, partition);
        long n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (ratePerSecond > 0) {
                long due = start + (long) (i * 1e9 / ratePerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            send(topic, partition, modelId, encode(toExample(modelId, data, i, System.currentTimeMillis()), asJson));
        }
        flush();
        return n;
    }

    /** Waits until every record sent so far is written; throws if any could not be. */
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    @Override
    public void close() {
        producer.close();
    }
}

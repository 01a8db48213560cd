package io.streamgrad.deploy;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The test's side of the job's topics, with nothing but kafka-clients and the Avro classes of the schemas module:
 * seeded examples produced at a fixed rate, committed snapshots read back.
 */
final class TrainingTopics {

    private TrainingTopics() {}

    /**
     * A fixed, seeded sequence of examples over 4 dense features for the given models, in round-robin order: the
     * label is 1 iff 2 x0 - x1 + 0.5 x2 + 1.5 x3 + 0.25 > 0 (a regression model gets that value as its target).
     */
    static List<Example> examples(List<String> models, List<String> regressionModels, int perModel, long seed) {
        Random rnd = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < perModel * models.size(); i++) {
            String model = models.get(i % models.size());
            List<Float> x = new ArrayList<>(4);
            for (int j = 0; j < 4; j++) {
                x.add((float) rnd.nextGaussian());
            }
            float z = 2 * x.get(0) - x.get(1) + 0.5f * x.get(2) + 1.5f * x.get(3) + 0.25f;
            float label = regressionModels.contains(model) ? z : (z > 0 ? 1f : 0f);
            out.add(Example.newBuilder()
                    .setModelId(model)
                    .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
                    .setDense(x)
                    .setIndices(List.of())
                    .setValues(List.of())
                    .setNamed(Map.of())
                    .setLabel(label)
                    .setWeight(1f)
                    .build());
        }
        return out;
    }

    /** Produces examples to partition 0 at a fixed rate on a background thread; {@link #await} waits for the end. */
    static final class RateProducer implements AutoCloseable {
        private final KafkaProducer<String, byte[]> producer;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger sent = new AtomicInteger();
        private final List<Example> examples;
        private final ScheduledFuture<?> task;
        private volatile RuntimeException failure;

        RateProducer(String bootstrap, String topic, List<Example> examples, int perSecond) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
            this.examples = List.copyOf(examples);
            int perTick = Math.max(1, perSecond / 50);
            this.task = timer.scheduleAtFixedRate(
                    () -> {
                        try {
                            for (int k = 0; k < perTick && sent.get() < this.examples.size(); k++) {
                                Example e = this.examples.get(sent.get());
                                producer.send(new ProducerRecord<>(topic, 0, e.getModelId(), bytes(e.toByteBuffer())));
                                sent.incrementAndGet();
                            }
                            if (sent.get() >= this.examples.size()) {
                                producer.flush();
                                throw new Done();
                            }
                        } catch (Done d) {
                            throw d;
                        } catch (IOException | RuntimeException e) {
                            failure = new IllegalStateException("producing example " + sent.get() + " to " + topic, e);
                            throw failure;
                        }
                    },
                    0,
                    20,
                    TimeUnit.MILLISECONDS);
        }

        int sent() {
            if (failure != null) {
                throw failure;
            }
            return sent.get();
        }

        void await(Duration timeout) {
            LocalCluster.await(
                    "all " + examples.size() + " examples produced", timeout, () -> sent() == examples.size());
            producer.flush();
        }

        @Override
        public void close() {
            task.cancel(false);
            timer.shutdownNow();
            producer.close(Duration.ofSeconds(10));
        }

        /** Ends the fixed-rate task (an exception is how a ScheduledExecutorService task stops itself). */
        private static final class Done extends RuntimeException {
            Done() {
                super(null, null, false, false);
            }
        }
    }

    /** Every committed record of a one-partition topic, in offset order (read_committed, as downstream sees it). */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp); // the last stable offset under read_committed
            Instant deadline = Instant.now().plusSeconds(30);
            while (consumer.position(tp) < end && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static List<ModelSnapshot> snapshots(String bootstrap, String topic) {
        List<ModelSnapshot> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(bootstrap, topic)) {
            try {
                out.add(ModelSnapshot.getDecoder().decode(r.value()));
            } catch (IOException e) {
                throw new UncheckedIOException("decoding the snapshot at " + topic + "/0@" + r.offset(), e);
            }
        }
        return out;
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}

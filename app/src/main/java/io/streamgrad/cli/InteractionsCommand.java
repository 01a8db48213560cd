package io.streamgrad.cli;

import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionCsv;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** {@code streamgrad produce-interactions}: an interaction file to the job's interactions topic. */
final class InteractionsCommand {
    static final String USAGE = """
            usage: streamgrad produce-interactions --bootstrap-servers HOST:PORT --topic INTERACTIONS_TOPIC
                                                   --model ID --data INTERACTIONS.csv [--context F1,F2]
                                                   [--skip N] [--limit N] [--rate PER_SECOND] [--format json|avro]
                                                   [--kafka-config FILE]
              Sends the interactions of the file (as train reads it: a header naming user, item, timestamp and
              optionally rating; lines in timestamp order) to the job's interactions topic for the mf model ID,
              in file order, keyed by ID (one partition per model keeps the order the offline trainer sees).
              A file error names FILE:LINE and nothing is sent.
              --context     the model's context fields: their columns go with each interaction (an empty cell:
                            no id for that field)
              --skip N      leave out the first N interactions   --limit N  send at most N (default: all)
              --rate R      at most R interactions per second (default: as fast as the broker takes them)
              --format      json (default): {"model", "user", "item", "rating", "time"}; avro: Interaction
                            single-object records""";

    private InteractionsCommand() {}

    static int produce(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of(
                        "bootstrap-servers",
                        "topic",
                        "model",
                        "data",
                        "context",
                        "skip",
                        "limit",
                        "rate",
                        "format",
                        "kafka-config"),
                Set.of());
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        String model = args.required("model");
        Path data = Path.of(args.required("data"));
        String format = args.oneOf("format", "json", "json", "avro");
        long skip = args.longValue("skip", 0, 0, Integer.MAX_VALUE);
        long limit = args.longValue("limit", Integer.MAX_VALUE, 0, Integer.MAX_VALUE);
        long rate = args.longValue("rate", 0, 0, 100_000_000);
        String fields = args.get("context", "");
        List<Interaction> all = InteractionCsv.read(
                data, fields.isBlank() ? List.of() : List.of(fields.trim().split("\\s*,\\s*")));
        List<Interaction> sent = all.subList((int) Math.min(skip, all.size()), (int)
                Math.min(all.size(), skip + Math.min(limit, all.size())));
        client.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        client.put(ProducerConfig.ACKS_CONFIG, "all");
        SingleObjectCodec<io.streamgrad.avro.Interaction> avro = SingleObjectCodec.interaction();
        byte[] key = model.getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p =
                new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            long n = 0;
            for (Interaction x : sent) {
                if (rate > 0) {
                    long due = start + n * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                byte[] value = format.equals("avro") ? avro.encode(avro(model, x)) : json(model, x);
                p.send(new ProducerRecord<>(topic, key, value));
                n++;
            }
            p.flush();
        }
        out.printf(
                "produce-interactions: %d interactions of model %s -> %s (%s), lines %d-%d of %s%n",
                sent.size(), model, topic, format, sent.isEmpty() ? 0 : skip + 2, skip + 1 + sent.size(), data);
        return 0;
    }

    static io.streamgrad.avro.Interaction avro(String model, Interaction x) {
        return io.streamgrad.avro.Interaction.newBuilder()
                .setModelId(model)
                .setUser(x.user())
                .setItem(x.item())
                .setRating(x.hasRating() ? x.rating() : null)
                .setTime(Instant.ofEpochMilli(x.timeMs()))
                .setContext(new java.util.LinkedHashMap<>(x.context()))
                .build();
    }

    static byte[] json(String model, Interaction x) {
        StringBuilder b = new StringBuilder("{\"model\":")
                .append(SeriesCommand.json(model))
                .append(",\"user\":")
                .append(SeriesCommand.json(x.user()))
                .append(",\"item\":")
                .append(SeriesCommand.json(x.item()));
        if (x.hasRating()) {
            b.append(",\"rating\":").append(x.rating());
        }
        b.append(",\"time\":").append(x.timeMs());
        if (!x.context().isEmpty()) {
            b.append(",\"context\":{");
            String sep = "";
            for (var e : new java.util.TreeMap<>(x.context()).entrySet()) {
                b.append(sep)
                        .append(SeriesCommand.json(e.getKey()))
                        .append(':')
                        .append(SeriesCommand.json(e.getValue()));
                sep = ",";
            }
            b.append('}');
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }
}

package io.streamgrad.cli;

import io.streamgrad.avro.SeriesPoint;
import io.streamgrad.avro.SeriesScore;
import io.streamgrad.monitor.offline.Detect;
import io.streamgrad.monitor.offline.SeriesCsv;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The job's series path from the command line: {@code produce-series} sends a series CSV (the file {@code detect}
 * reads) to the series topic as points of one (model, series), in file order; {@code scores} reads the committed
 * scores of one series back as {@code detect}'s CSV, so the two can be compared.
 */
final class SeriesCommand {
    static final String PRODUCE_USAGE = """
            usage: streamgrad produce-series --bootstrap-servers HOST:PORT --topic SERIES_TOPIC --model ID
                                             --data SERIES.csv [--series NAME] [--format json|avro]
                                             [--timestamp-column NAME] [--value-column NAME] [--kafka-config FILE]
              Sends each valid row of the CSV (as detect reads it) to the job's series topic as one point of the
              ops model ID and the series NAME (default: the file name without .csv), in file order, keyed by
              ID/NAME (one partition per series keeps its order). --format json (default): {"model", "series",
              "time", "value"}; avro: SeriesPoint single-object records. Bad rows are reported as FILE:LINE and
              left out.""";

    static final String SCORES_USAGE = """
            usage: streamgrad scores --bootstrap-servers HOST:PORT --topic SCORES_TOPIC --model ID --series NAME
                                     --out SCORES.csv [--kafka-config FILE]
              Reads the committed scores of one series from the job's scores topic (Avro or JSON) up to its end
              and writes them as detect does: timestamp,value,forecast,lower,upper,anomaly_score,alert (the
              timestamp in epoch seconds). Compare with detect's output on the same file:
                diff <(cut -d, -f2- detect.csv) <(cut -d, -f2- SCORES.csv)""";

    private SeriesCommand() {}

    static int produce(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of(
                        "bootstrap-servers",
                        "topic",
                        "model",
                        "data",
                        "series",
                        "format",
                        "timestamp-column",
                        "value-column",
                        "kafka-config"),
                Set.of());
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        String model = args.required("model");
        Path data = Path.of(args.required("data"));
        String format = args.get("format", "json");
        if (!format.equals("json") && !format.equals("avro")) {
            throw new UsageException("--format: '" + format + "' is not json or avro");
        }
        String series = args.get("series", data.getFileName().toString().replaceFirst("\\.csv$", ""));
        SeriesCsv.Series file =
                SeriesCsv.read(data, args.get("timestamp-column", null), args.get("value-column", null), null);
        file.problems().forEach(p -> err.println("produce-series: " + p));
        client.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        client.put(ProducerConfig.ACKS_CONFIG, "all");
        SingleObjectCodec<SeriesPoint> avro = SingleObjectCodec.seriesPoint();
        byte[] key = (escape(model) + "/" + escape(series)).getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> p =
                new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (SeriesCsv.Row r : file.rows()) {
                byte[] value = format.equals("avro")
                        ? avro.encode(SeriesPoint.newBuilder()
                                .setModel(model)
                                .setSeries(series)
                                .setTime(r.epochSeconds())
                                .setValue(r.value())
                                .build())
                        : ("{\"model\":" + json(model) + ",\"series\":" + json(series) + ",\"time\":" + r.epochSeconds()
                                        + ",\"value\":" + r.value() + "}")
                                .getBytes(StandardCharsets.UTF_8);
                p.send(new ProducerRecord<>(topic, key, value));
            }
            p.flush();
        }
        out.printf(
                "produce-series: %d points of %s/%s -> %s (%s), %d rows skipped%n",
                file.rows().size(),
                model,
                series,
                topic,
                format,
                file.problems().size());
        return 0;
    }

    static int scores(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv, Set.of("bootstrap-servers", "topic", "model", "series", "out", "kafka-config"), Set.of());
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        String model = args.required("model");
        String series = args.required("series");
        Path file = Path.of(args.required("out"));
        SingleObjectCodec<SeriesScore> codec = SingleObjectCodec.seriesScore();
        int n = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(Detect.HEADER);
            w.write('\n');
            for (ConsumerRecord<byte[], byte[]> r : KafkaClients.readAll(client, topic, Duration.ofSeconds(60))) {
                SeriesScore s;
                try {
                    s = codec.decode(r.value());
                } catch (InvalidRecordException e) {
                    err.println(topic + "-" + r.partition() + "@" + r.offset() + ": skipped, " + e.getMessage());
                    continue;
                }
                if (!model.equals(s.getModel().toString())
                        || !series.equals(s.getSeries().toString())) {
                    continue;
                }
                w.write(s.getTime() + "," + Detect.num(s.getValue()) + "," + Detect.num(s.getForecast()) + ","
                        + Detect.num(s.getLower()) + "," + Detect.num(s.getUpper()) + ","
                        + Detect.num(s.getAnomalyScore()) + "," + s.getAlert() + "\n");
                n++;
            }
        }
        out.printf("scores: %d scores of %s/%s from %s -> %s%n", n, model, series, topic, file);
        return 0;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("/", "\\/");
    }

    /** {@code s} as a JSON string literal. */
    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}

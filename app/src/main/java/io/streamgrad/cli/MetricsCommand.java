package io.streamgrad.cli;

import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** {@code streamgrad metrics}: prints the committed TrainingMetrics records of a metrics topic. */
final class MetricsCommand {
    static final String USAGE = """
            usage: streamgrad metrics --bootstrap-servers HOST:PORT --topic TOPIC [--model ID] [--follow]
                                      [--kafka-config FILE]
              Prints the committed TrainingMetrics records (one line per metrics window), oldest first.
              --follow keeps printing new records until interrupted (Ctrl-C).""";

    private MetricsCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        if (argv.contains("--follow")) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.set(true)));
        }
        return run(argv, out, err, stop::get);
    }

    /** As the command line runs it, with {@code --follow} ending when {@code stop} says so (tests). */
    static int run(List<String> argv, PrintStream out, PrintStream err, BooleanSupplier stop) throws Exception {
        Args args = Args.parse(argv, Set.of("bootstrap-servers", "topic", "model", "kafka-config"), Set.of("follow"));
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        String model = args.get("model", null);
        SingleObjectCodec<TrainingMetrics> codec = SingleObjectCodec.trainingMetrics();
        out.println(header());
        java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> print = r -> {
            try {
                TrainingMetrics m = codec.decode(r.value());
                if (model == null || model.equals(m.getModelId())) {
                    out.println(line(m));
                    out.flush();
                }
            } catch (InvalidRecordException e) {
                err.println(topic + "-" + r.partition() + "@" + r.offset() + ": skipped, " + e.getMessage());
            }
        };
        if (args.flag("follow")) {
            KafkaClients.follow(client, topic, Duration.ofSeconds(30), print, stop);
        } else {
            KafkaClients.readAll(client, topic, Duration.ofSeconds(60)).forEach(print);
        }
        return 0;
    }

    static String header() {
        return String.format(
                Locale.ROOT,
                "%-23s %-12s %8s %10s %9s %8s %8s %10s %7s  %s",
                "time (UTC)",
                "model",
                "step",
                "examples",
                "loss",
                "acc",
                "auc/rmse",
                "ex/s",
                "skipped",
                "alert");
    }

    static String line(TrainingMetrics m) {
        Double second = m.getAuc() != null ? m.getAuc() : m.getRmse();
        return String.format(
                Locale.ROOT,
                "%-23s %-12s %8d %10d %9.5f %8s %8s %10.0f %7d  %s",
                m.getCreatedAt().toString(),
                m.getModelId(),
                m.getStep(),
                m.getExamplesSeen(),
                m.getLoss(),
                m.getAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", m.getAccuracy()),
                second == null ? "-" : String.format(Locale.ROOT, "%.4f", second),
                m.getExamplesPerSecond(),
                m.getSkippedBatches(),
                (m.getAlert() == null ? "" : m.getAlert()) + ranking(m));
    }

    /** An mf model's prequential recall@K / ndcg@K (the record's {@code ranking}), after the alert column. */
    static String ranking(TrainingMetrics m) {
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(m.getRanking()).forEach((k, v) -> {
            if (!k.toString().equals("evaluated")) {
                sb.append(sb.length() == 0 ? "" : " ")
                        .append(k)
                        .append('=')
                        .append(String.format(Locale.ROOT, "%.4f", v));
            }
        });
        return sb.toString();
    }
}

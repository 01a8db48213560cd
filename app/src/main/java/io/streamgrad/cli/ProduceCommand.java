package io.streamgrad.cli;

import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.DataFormat;
import io.streamgrad.learner.data.DataReaders;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.learner.data.ReadOptions;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/** {@code streamgrad produce}: replays a LibSVM or CSV file into a topic, in file order, one partition. */
final class ProduceCommand {
    static final String USAGE = """
            usage: streamgrad produce --bootstrap-servers HOST:PORT --topic TOPIC --model ID --data FILE
                                      --config FILE [--partition P] [--rate N] [--limit N] [--format avro|json]
                                      [--data-format libsvm|csv] [--label-column NAME] [--weight-column NAME]
                                      [--kafka-config FILE]
              Sends each example of FILE (LibSVM, or CSV with a header; by file name unless --data-format) as one
              record keyed by the model id, in file order, into partition P (default 0) so the job trains on the
              file's sequence. --config is the model's YAML config (or the job YAML, whose models.<ID> is used):
              it fixes the feature dimension and the label checks. --rate limits examples per second (default:
              as fast as possible). --format avro (default) writes Avro single-object Examples, json JSON objects.""";

    private ProduceCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of(
                        "bootstrap-servers",
                        "topic",
                        "model",
                        "data",
                        "config",
                        "partition",
                        "rate",
                        "limit",
                        "format",
                        "data-format",
                        "label-column",
                        "weight-column",
                        "kafka-config"),
                Set.of());
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        String model = args.required("model");
        Path data = Path.of(args.required("data"));
        TrainerConfig config = modelConfig(Path.of(args.required("config")), model);
        int partition = (int) args.longValue("partition", 0, 0, Integer.MAX_VALUE);
        double rate = args.doubleValue("rate", 0, 0, 1e9);
        long limit = args.longValue("limit", 0, 0, Long.MAX_VALUE);
        boolean json = "json".equals(args.oneOf("format", "avro", "avro", "json"));
        ReadOptions options = ReadOptions.defaults();
        String fmt = args.get("data-format", null);
        if (fmt != null) {
            options = options.withFormat(DataFormat.parse(args.oneOf("data-format", null, "libsvm", "csv")));
        }
        options = options.withLabelColumn(args.get("label-column", ReadOptions.DEFAULT_LABEL_COLUMN));
        if (args.get("weight-column", null) != null) {
            options = options.withWeightColumn(args.get("weight-column", null));
        }
        Dataset dataset;
        try {
            dataset = DataReaders.read(data, config, options);
        } catch (NoSuchFileException e) {
            throw new UsageException("--data: no such file " + data);
        }
        long t0 = System.nanoTime();
        long sent;
        try (ExampleProducer producer = new ExampleProducer(client)) {
            sent = producer.replay(topic, partition, model, dataset, json, rate, limit);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        out.printf(
                Locale.ROOT,
                "sent %d examples of %s to %s-%d as %s in %.2f s (%.0f/s)%n",
                sent,
                data,
                topic,
                partition,
                json ? "JSON" : "Avro",
                s,
                sent / Math.max(s, 1e-9));
        return 0;
    }

    /** A model config file, or the models.&lt;id&gt; (or template) section of a job config file. */
    static TrainerConfig modelConfig(Path file, String modelId) throws Exception {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException("--config: no such file " + file);
        }
        var root = ConfigParser.loadYaml(yaml, "");
        if (root.containsKey("models") || root.containsKey("kafka")) {
            TrainerConfig c =
                    JobConfigParser.parse(yaml, file.toString()).models().config(modelId);
            if (c == null) {
                throw new UsageException("--config " + file + " is a job config without model '" + modelId
                        + "' under models: (and no template)");
            }
            return c;
        }
        return ConfigParser.parse(root, "");
    }
}

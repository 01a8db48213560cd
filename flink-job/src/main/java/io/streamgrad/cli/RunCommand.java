package io.streamgrad.cli;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.embedded.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code streamgrad run}: the streaming job on a Flink MiniCluster in this JVM, against the Kafka of the job config.
 * The same graph runs on a cluster with {@code flink run -c io.streamgrad.job.StreamgradJob}.
 */
final class RunCommand {
    static final String USAGE = """
            usage: streamgrad run --config job.yaml [--create-topics]
              Runs the streaming trainer on a local Flink MiniCluster against the Kafka named in job.yaml
              (kafka.bootstrap.servers and any client properties). With bounded: true it stops at the offsets
              that were latest at start and publishes final snapshots; otherwise it runs until interrupted.
              --create-topics creates missing topics (models compacted) with replication factor 1.""";

    private RunCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(argv, Set.of("config"), Set.of("create-topics"));
        Path file = Path.of(args.required("config"));
        JobConfig config;
        try {
            config = JobConfigParser.parse(file);
        } catch (NoSuchFileException e) {
            throw new UsageException("--config: no such file " + file);
        }
        if (args.flag("create-topics")) {
            try (Admin admin = Admin.create(config.kafkaProperties())) {
                EmbeddedKafka.createTopics(admin, EmbeddedKafka.jobTopics(config.topics(), 1, (short) 1));
            }
        }
        JobClient client = start(config);
        out.println("streamgrad job " + client.getJobID() + " running: models " + config.models().modelIds()
                + ", reading " + config.topics().examples() + " on " + config.bootstrapServers()
                + (config.bounded() ? " up to its current end" : " (Ctrl-C to stop)"));
        // Credentials (sasl.jaas.config, *password*, ...) are shown as [redacted].
        out.println("kafka client settings: " + config.redactedKafka());
        JobExecutionResult result = client.getJobExecutionResult().get();
        out.println("job finished in " + result.getNetRuntime() + " ms");
        return 0;
    }

    /** Builds the job for the config and submits it to a MiniCluster in this JVM. */
    static JobClient start(JobConfig config) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(config));
        StreamgradJob.build(env, config);
        return env.executeAsync("streamgrad: " + String.join(", ", config.models().modelIds()));
    }
}

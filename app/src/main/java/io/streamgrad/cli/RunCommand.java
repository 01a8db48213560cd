package io.streamgrad.cli;

import io.streamgrad.job.JobFailures;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.warmstart.WarmStart;
import io.streamgrad.job.warmstart.WarmStartSet;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code streamgrad run}: the streaming job on a Flink MiniCluster in this JVM, against the Kafka of the job config.
 * The same graph runs on a cluster with {@code flink run -c io.streamgrad.job.StreamgradJob}.
 */
final class RunCommand {
    static final String USAGE = """
            usage: streamgrad run --config job.yaml [--create-topics] [--from-savepoint PATH]
              Runs the streaming trainer on a local Flink MiniCluster against the Kafka named in job.yaml
              (kafka.bootstrap.servers and any client properties). With bounded: true it stops at the offsets
              that were latest at start and publishes final snapshots; otherwise it runs until interrupted.
              --create-topics creates missing topics (models compacted) with replication factor 1.
              --from-savepoint resumes from a savepoint or a retained checkpoint directory (chk-<n>): every
              model continues its parameters, optimizer state, step and snapshot version.
              Without a savepoint, a model whose versions are already on the models topic (a lost checkpoint
              directory, a new cluster) continues from its newest committed snapshot and the examples after it
              (existing_versions: warm_start, the default), or the job refuses to start naming the model
              (existing_versions: refuse): a model's versions never go backwards.""";

    private RunCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(argv, Set.of("config", "from-savepoint"), Set.of("create-topics"));
        Path file = Path.of(args.required("config"));
        JobConfig config;
        try {
            config = JobConfigParser.parse(file);
        } catch (NoSuchFileException e) {
            throw new UsageException("--config: no such file " + file);
        }
        NativePreload.startInBackground(
                config.models().modelIds().stream().map(config.models()::config).toList());
        if (args.flag("create-topics")) {
            try (Admin admin = Admin.create(config.kafkaProperties())) {
                JobTopics.create(admin, JobTopics.specs(config.topics(), 1, (short) 1));
            }
        }
        JobClient client = start(config, args.get("from-savepoint", null), out);
        out.println("streamgrad job " + client.getJobID() + " running: models "
                + config.models().modelIds()
                + ", reading " + config.topics().examples() + " on " + config.bootstrapServers()
                + (config.bounded() ? " up to its current end" : " (Ctrl-C to stop)"));
        // Credentials (sasl.jaas.config, *password*, ...) are shown as [redacted].
        out.println("kafka client settings: " + config.redactedKafka());
        JobExecutionResult result;
        try {
            result = client.getJobExecutionResult().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw JobFailures.explained(e, config);
        }
        out.println("job finished in " + result.getNetRuntime() + " ms");
        return 0;
    }

    /** Builds the job for the config and submits it to a MiniCluster in this JVM. */
    static JobClient start(JobConfig config) throws Exception {
        return start(config, null);
    }

    /** As {@link #start(JobConfig)}, restoring from {@code savepoint} (a savepoint or chk-n directory) when non-null. */
    static JobClient start(JobConfig config, String savepoint) throws Exception {
        return start(config, savepoint, new PrintStream(java.io.OutputStream.nullOutputStream()));
    }

    /**
     * As {@link #start(JobConfig, String)}, printing to {@code out} which models continue from a snapshot on the models
     * topic ({@link WarmStart#load}: a model without state whose versions are already published).
     */
    static JobClient start(JobConfig config, String savepoint, PrintStream out) throws Exception {
        org.apache.flink.configuration.Configuration flinkConf = JobGraphs.localConfiguration(config);
        if (savepoint != null) {
            Path dir = Path.of(savepoint.replaceFirst("^file:(//)?", ""));
            if (!java.nio.file.Files.isDirectory(dir)) {
                throw new UsageException("--from-savepoint: no such directory " + savepoint
                        + " (give a savepoint directory or a retained checkpoint's chk-<n> directory)");
            }
            flinkConf.set(StateRecoveryOptions.SAVEPOINT_PATH, dir.toUri().toString());
        }
        WarmStartSet warm = WarmStart.load(config, savepoint != null);
        WarmStart.describe(warm).forEach(line -> out.println("warm start: " + line));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConf);
        StreamgradJob.build(env, config, warm);
        return env.executeAsync(
                "streamgrad: " + String.join(", ", config.models().modelIds()));
    }
}

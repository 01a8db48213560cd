package io.streamgrad.cli;

import io.streamgrad.job.JobFailures;
import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.checkpoint.CheckpointStore;
import io.streamgrad.job.checkpoint.ResumeCheck;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.ops.OpsTopics;
import io.streamgrad.job.recs.RecsTopics;
import io.streamgrad.job.warmstart.WarmStart;
import io.streamgrad.job.warmstart.WarmStartSet;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code streamgrad run}: the streaming job on a Flink MiniCluster in this JVM, against the Kafka of the job config.
 * The same graph runs on a cluster with {@code flink run -c io.streamgrad.job.StreamgradJob}.
 */
final class RunCommand {
    static final String USAGE = """
            usage: streamgrad run --config job.yaml [--create-topics] [--fresh | --from-savepoint PATH]
                                 [--kafka-wait SECONDS]
              Runs the streaming trainer on a local Flink MiniCluster against the Kafka named in job.yaml
              (kafka.bootstrap.servers and any client properties). With bounded: true it stops at the offsets
              that were latest at start and publishes final snapshots; otherwise it runs until interrupted.
              When the job ends it prints a summary read back from its committed outputs: per model the examples
              trained and versions published by this run, the dead letters of this run, and where to look.
              Restarting resumes: with checkpoint_dir set, checkpoints go to <checkpoint_dir>/<job_name>
              (job_name defaults to group_id) and run continues from the newest complete checkpoint or
              savepoint there: every model keeps its parameters, optimizer state, step and snapshot version,
              and reading continues at the offsets in that checkpoint. It prints which one it restored.
              Without a checkpoint to resume from (no checkpoint_dir, a lost directory, a new cluster), a model
              whose versions are already on the models topic continues from its newest committed snapshot and
              the examples after it (existing_versions: warm_start, the default), or the job refuses to start
              naming the model (existing_versions: refuse): a model's versions never go backwards.
              Before it submits the job, run asks Kafka (an Admin request, 3 s at most): while Kafka does not answer
              it says so on stderr every 5 s and waits; a missing topic of the job (examples, models, metrics,
              dead letters; updates with deltas.enabled) fails at once, naming it and the command that creates it
              (an updates topic that would drop deltas a reader needs too). While the job runs it keeps
              asking every 5 s and says on stderr when Kafka stops answering (every 5 s) and when it answers again.
              --create-topics   creates missing topics (models compacted; with deltas.enabled the updates topic,
                                delete policy, 7 days) with replication factor 1.
              --kafka-wait      gives up (exit 1) when Kafka has not answered within SECONDS at start; without
                                it run waits as long as it takes (a broker may come up after the job).
              --fresh           ignores the checkpoints and savepoints under <checkpoint_dir>/<job_name>
                                (older runs there are then deleted as checkpoint_retained_runs says); models
                                then warm-start from the models topic as existing_versions says.
              --from-savepoint  resumes from this savepoint or retained checkpoint directory (chk-<n>)
                                instead of the newest one.""";

    /** How long the topic check before the job starts waits for Kafka's answer. */
    private static final Duration TOPICS_TIMEOUT = Duration.ofSeconds(30);

    private RunCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args =
                Args.parse(argv, Set.of("config", "from-savepoint", "kafka-wait"), Set.of("create-topics", "fresh"));
        if (args.flag("fresh") && args.get("from-savepoint", null) != null) {
            throw new UsageException("--fresh and --from-savepoint contradict each other: give one of them");
        }
        Duration kafkaWait = args.has("kafka-wait")
                ? Duration.ofSeconds(args.longValue("kafka-wait", 0, 0, Integer.MAX_VALUE))
                : null;
        Path file = Path.of(args.required("config"));
        JobConfig config;
        try {
            config = JobConfigParser.parse(file);
        } catch (NoSuchFileException e) {
            throw new UsageException("--config: no such file " + file);
        }
        if (args.get("from-savepoint", null) != null) {
            savepointUri(args.get("from-savepoint", null)); // a wrong path is a usage error before Kafka is asked
        }
        NativePreload.startInBackground(
                config.models().modelIds().stream().map(config.models()::config).toList());
        AtomicBoolean finished = new AtomicBoolean();
        try (KafkaWatch kafka = KafkaWatch.open(config, err)) {
            kafka.awaitAnswer(kafkaWait);
            if (args.flag("create-topics")) {
                JobTopics.create(kafka.admin(), JobTopics.specs(config.topics(), 1, (short) 1));
                JobTopics.create(kafka.admin(), OpsTopics.specs(config, 1, (short) 1));
                if (!config.recs().isEmpty()) {
                    JobTopics.create(kafka.admin(), RecsTopics.specs(config, 1, (short) 1));
                }
            }
            List<String> missing =
                    new java.util.ArrayList<>(JobTopics.missing(kafka.admin(), config.topics(), TOPICS_TIMEOUT));
            missing.addAll(OpsTopics.missing(kafka.admin(), config, TOPICS_TIMEOUT));
            if (!missing.isEmpty()) {
                throw new IllegalStateException(OpsTopics.missingMessage(config, missing));
            }
            if (RecsTopics.missing(
                    config, kafka.admin().listTopics().names().get(TOPICS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))) {
                throw new IllegalStateException(RecsTopics.missingMessage(config));
            }
            List<String> updates = JobTopics.checkUpdatesTopic(kafka.admin(), config, TOPICS_TIMEOUT);
            if (!updates.isEmpty()) {
                throw new IllegalStateException(String.join("\n", updates));
            }
            kafka.watchInBackground(finished::get);
            try {
                return runJob(config, args, out);
            } finally {
                finished.set(true);
            }
        }
    }

    private static int runJob(JobConfig config, Args args, PrintStream out) throws Exception {
        String savepoint = resumePoint(config, args, out);
        long runStartMs = System.currentTimeMillis();
        JobClient client = start(config, savepoint, out);
        out.println("streamgrad job " + client.getJobID() + " running: models "
                + config.models().modelIds()
                + ", reading " + config.topics().examples() + " on " + config.bootstrapServers()
                + (config.bounded() ? " up to its current end" : " (Ctrl-C to stop)"));
        CheckpointStore.of(config).ifPresent(store -> removeOldRunsOnceCheckpointed(store, config, client, out));
        // Credentials (sasl.jaas.config, *password*, ...) are shown as [redacted].
        out.println("kafka client settings: " + config.redactedKafka());
        JobExecutionResult result;
        try {
            result = client.getJobExecutionResult().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw JobFailures.explained(e, config);
        }
        out.println("job finished in " + result.getNetRuntime() + " ms");
        RunSummary.print(config, runStartMs, out);
        return 0;
    }

    /**
     * Where this start restores from, said on {@code out}: {@code --from-savepoint}, else (without {@code --fresh})
     * the newest complete checkpoint or savepoint under {@code <checkpoint_dir>/<job_name>}; null for fresh models.
     */
    static String resumePoint(JobConfig config, Args args, PrintStream out) throws java.io.IOException {
        String explicit = args.get("from-savepoint", null);
        if (explicit != null) {
            out.println("resuming from " + explicit + " (--from-savepoint)");
            return explicit;
        }
        Optional<CheckpointStore> store = CheckpointStore.of(config);
        if (store.isEmpty()) {
            out.println("warning: " + CheckpointStore.noCheckpointDirMessage());
            return null;
        }
        if (args.flag("fresh")) {
            out.println(store.get().freshMessage());
            return null;
        }
        Optional<CheckpointStore.ResumePoint> newest = store.get().newest();
        if (newest.isEmpty()) {
            out.println(store.get().nothingToResumeMessage());
            return null;
        }
        out.println("resuming from " + newest.get().describe());
        return newest.get().path();
    }

    /**
     * Once this run has completed a checkpoint of its own (so its restore worked and it can be resumed from), deletes
     * older runs' directories beyond {@code checkpoint_retained_runs}; in the background, while the job runs.
     */
    private static void removeOldRunsOnceCheckpointed(
            CheckpointStore store, JobConfig config, JobClient client, PrintStream out) {
        String run = client.getJobID().toHexString();
        Thread t = new Thread(
                () -> {
                    try {
                        while (!client.getJobStatus().get().isGloballyTerminalState()) {
                            Optional<CheckpointStore.ResumePoint> newest = store.newest();
                            if (newest.isPresent() && run.equals(newest.get().run())) {
                                for (String d : store.removeOldRuns(run, config.checkpointRetainedRuns())) {
                                    out.println("removed the older run's checkpoint directory " + d
                                            + " (checkpoint_retained_runs: " + config.checkpointRetainedRuns() + ")");
                                }
                                return;
                            }
                            Thread.sleep(Math.max(200, config.checkpointIntervalMs()));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Exception e) {
                        // The job goes on; the next start tries again.
                        out.println("warning: could not remove older checkpoint directories under " + store.directory()
                                + ": " + e.getMessage());
                    }
                },
                "streamgrad-checkpoint-retention");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The savepoint as a URI for Flink; a local directory must exist.
     *
     * @throws UsageException naming the option when a local directory does not exist
     */
    static String savepointUri(String savepoint) throws UsageException {
        boolean local = savepoint.startsWith("file:") || !savepoint.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*");
        if (!local) {
            return savepoint;
        }
        Path dir = Path.of(savepoint.replaceFirst("^file:(//)?", ""));
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new UsageException("--from-savepoint: no such directory " + savepoint
                    + " (give a savepoint directory or a retained checkpoint's chk-<n> directory)");
        }
        return dir.toUri().toString();
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
            String uri = savepointUri(savepoint);
            flinkConf.set(StateRecoveryOptions.SAVEPOINT_PATH, uri);
            // An output turned off since the checkpoint leaves state no operator claims: drop only that.
            ResumeCheck.Outcome resume = ResumeCheck.check(uri, JobGraphs.streamGraph(config));
            if (resume.ignoreUnclaimedState()) {
                flinkConf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
                out.println("resume: " + resume.describe());
            }
        }
        WarmStartSet warm = WarmStart.load(config, savepoint != null);
        WarmStart.describe(warm).forEach(line -> out.println("warm start: " + line));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConf);
        StreamgradJob.build(env, config, warm);
        return env.executeAsync(
                "streamgrad: " + String.join(", ", config.models().modelIds()));
    }
}

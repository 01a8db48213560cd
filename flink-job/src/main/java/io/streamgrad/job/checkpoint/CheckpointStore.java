package io.streamgrad.job.checkpoint;

import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * One job's checkpoints and savepoints under {@code checkpoint_dir}, and the one a restart resumes from.
 *
 * <pre>
 * &lt;checkpoint_dir&gt;/&lt;job_name&gt;/&lt;job id&gt;/chk-&lt;n&gt;/_metadata          a run's retained checkpoint (one job id per start)
 * &lt;checkpoint_dir&gt;/&lt;job_name&gt;/savepoints/savepoint-&lt;...&gt;/_metadata   savepoints (flink savepoint / stop)
 * </pre>
 *
 * A checkpoint or savepoint is complete when its {@code _metadata} exists: Flink writes that file last, through the
 * file system's recoverable writer, which makes it visible only once it is whole. The newest complete one (by the
 * time its {@code _metadata} was written, then by checkpoint number) is the resume point. Every path goes through
 * Flink's {@link FileSystem}, so any checkpoint storage Flink can write (file, s3, hdfs ...) can be read here.
 *
 * <p>{@link #main} is what {@code deploy/local/submit.sh} calls (with the job jar and Flink's jars on the classpath)
 * to resume a job on the standalone cluster the way {@code ./streamgrad run} does.
 */
public final class CheckpointStore {
    /** The job directory's folder of savepoints (Flink's {@code execution.checkpointing.savepoint-dir}). */
    public static final String SAVEPOINTS = "savepoints";

    private static final Pattern RUN = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");
    private static final String METADATA = "_metadata";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z").withZone(ZoneId.systemDefault());

    private final Path jobDir;

    /** The store at {@code jobDirectory} (a URI or a local path: {@code <checkpoint_dir>/<job_name>}). */
    public CheckpointStore(String jobDirectory) {
        this.jobDir = new Path(jobDirectory);
    }

    /** The job's store, or empty when {@code checkpoint_dir} is unset (checkpoints then live in memory only). */
    public static Optional<CheckpointStore> of(JobConfig cfg) {
        return cfg.checkpointDir() == null
                ? Optional.empty()
                : Optional.of(new CheckpointStore(jobDirectory(cfg.checkpointDir(), cfg.jobName())));
    }

    /** {@code <checkpointDir>/<jobName>}: where Flink is told to put this job's checkpoints. */
    public static String jobDirectory(String checkpointDir, String jobName) {
        return checkpointDir.replaceFirst("/+$", "") + "/" + jobName;
    }

    /** This job's checkpoint directory, as given. */
    public String directory() {
        return jobDir.toString();
    }

    /** Where this job's savepoints go. */
    public String savepointsDirectory() {
        return new Path(jobDir, SAVEPOINTS).toString();
    }

    /**
     * A complete checkpoint or savepoint.
     *
     * @param path         its directory (what {@code execution.state-recovery.path} / {@code flink run -s} take)
     * @param run          the job id of the run that wrote it; null for a savepoint
     * @param checkpointId the {@code n} of {@code chk-<n>}; -1 for a savepoint
     * @param completedAt  when its {@code _metadata} was written
     */
    public record ResumePoint(String path, String run, long checkpointId, Instant completedAt) {
        public boolean savepoint() {
            return run == null;
        }

        /** "checkpoint 39 (path, completed at ...)" or "savepoint path (completed at ...)". */
        public String describe() {
            return (savepoint() ? "savepoint " + path : "checkpoint " + checkpointId + " (" + path)
                    + (savepoint() ? " (" : ", ") + "completed " + TIME.format(completedAt) + ")";
        }
    }

    /** The newest complete checkpoint or savepoint of this job, if any. */
    public Optional<ResumePoint> newest() throws IOException {
        List<ResumePoint> all = complete();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Every complete checkpoint and savepoint of this job, oldest first. */
    public List<ResumePoint> complete() throws IOException {
        FileSystem fs = jobDir.getFileSystem();
        List<ResumePoint> out = new ArrayList<>();
        for (FileStatus run : list(fs, jobDir)) {
            String name = run.getPath().getName();
            if (!run.isDir()) {
                continue;
            }
            if (name.equals(SAVEPOINTS)) {
                for (FileStatus sp : list(fs, run.getPath())) {
                    completedAt(fs, sp).ifPresent(t -> out.add(new ResumePoint(pathOf(sp), null, -1, t)));
                }
            } else if (RUN.matcher(name).matches()) {
                for (FileStatus chk : list(fs, run.getPath())) {
                    Matcher m = CHECKPOINT.matcher(chk.getPath().getName());
                    if (chk.isDir() && m.matches()) {
                        long id = Long.parseLong(m.group(1));
                        completedAt(fs, chk).ifPresent(t -> out.add(new ResumePoint(pathOf(chk), name, id, t)));
                    }
                }
            }
        }
        out.sort(Comparator.comparing(ResumePoint::completedAt).thenComparingLong(ResumePoint::checkpointId));
        return out;
    }

    /**
     * Deletes the directories of older runs: keeps {@code currentRun} (the job id of the run that has just started,
     * whether its directory exists yet or not), the {@code retainedRuns - 1} most recently active other runs, and
     * always the run holding the newest complete checkpoint. Savepoints are never deleted.
     *
     * @return the deleted run directories
     */
    public List<String> removeOldRuns(String currentRun, int retainedRuns) throws IOException {
        if (retainedRuns < 1) {
            throw new IllegalArgumentException("retainedRuns must be >= 1, got " + retainedRuns);
        }
        FileSystem fs = jobDir.getFileSystem();
        List<ResumePoint> complete = complete();
        Set<String> keep = new LinkedHashSet<>();
        keep.add(currentRun);
        if (!complete.isEmpty() && !complete.get(complete.size() - 1).savepoint()) {
            keep.add(complete.get(complete.size() - 1).run());
        }
        record Run(FileStatus dir, long activeAt) {}
        List<Run> others = new ArrayList<>();
        for (FileStatus dir : list(fs, jobDir)) {
            String name = dir.getPath().getName();
            if (dir.isDir() && RUN.matcher(name).matches() && !name.equals(currentRun)) {
                long active = dir.getModificationTime();
                for (ResumePoint p : complete) {
                    if (name.equals(p.run())) {
                        active = Math.max(active, p.completedAt().toEpochMilli());
                    }
                }
                others.add(new Run(dir, active));
            }
        }
        others.sort(Comparator.comparingLong(Run::activeAt).reversed());
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < others.size(); i++) {
            Run r = others.get(i);
            if (i < retainedRuns - 1 || keep.contains(r.dir().getPath().getName())) {
                continue;
            }
            if (!fs.delete(r.dir().getPath(), true)) {
                throw new IOException("could not delete the old checkpoint directory " + pathOf(r.dir())
                        + " (checkpoint_retained_runs); check its permissions or delete it by hand");
            }
            deleted.add(pathOf(r.dir()));
        }
        return deleted;
    }

    /** What a start without checkpoint_dir means, and how to change it. */
    public static String noCheckpointDirMessage() {
        return "checkpoint_dir is not set: checkpoints live in memory only, so a restart of this job starts fresh"
                + " models (reading from the consumer group's offsets) instead of resuming. Set checkpoint_dir (e.g."
                + " checkpoint_dir: file:///var/lib/streamgrad/checkpoints) in the job config to resume by itself.";
    }

    /** What a start without a resume point means. */
    public String nothingToResumeMessage() {
        return "no complete checkpoint or savepoint under " + directory()
                + " yet: starting fresh models; later restarts resume from here";
    }

    /** What {@code --fresh} ignores. */
    public String freshMessage() throws IOException {
        Optional<ResumePoint> newest = newest();
        return "--fresh: starting fresh models"
                + newest.map(p -> ", ignoring the retained " + p.describe()
                                + " and everything else under " + directory()
                                + " (older runs are deleted by checkpoint_retained_runs once this run checkpoints)")
                        .orElse("");
    }

    private static Optional<Instant> completedAt(FileSystem fs, FileStatus dir) throws IOException {
        if (!dir.isDir()) {
            return Optional.empty();
        }
        Path metadata = new Path(dir.getPath(), METADATA);
        if (!fs.exists(metadata)) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochMilli(fs.getFileStatus(metadata).getModificationTime()));
    }

    private static List<FileStatus> list(FileSystem fs, Path dir) throws IOException {
        if (!fs.exists(dir)) {
            return List.of();
        }
        FileStatus[] entries = fs.listStatus(dir);
        return entries == null ? List.of() : List.of(entries);
    }

    private static String pathOf(FileStatus s) {
        return s.getPath().toString();
    }

    /**
     * For {@code deploy/local/submit.sh}: {@code --config job.yaml resume-point} prints the newest complete
     * checkpoint's or savepoint's path on stdout as {@code resume-point=<path>} (no such line when there is none;
     * other lines, e.g. from a logger, are not part of the answer) and what it is on stderr;
     * {@code --config job.yaml fresh} says on stderr what a fresh start ignores; {@code --config job.yaml
     * clean <job id>} deletes older runs' directories as {@code ./streamgrad run} does. Exit status 2 on a bad
     * command line, 1 on any other failure.
     */
    public static void main(String[] args) {
        if (args.length < 3 || !"--config".equals(args[0])) {
            System.err.println(
                    "usage: CheckpointStore --config job.yaml resume-point | fresh | resume-check <checkpoint> | clean <job id>");
            System.exit(2);
        }
        try {
            JobConfig cfg = JobConfigParser.parse(java.nio.file.Path.of(args[1]));
            Optional<CheckpointStore> store = of(cfg);
            switch (args[2]) {
                case "resume-point" -> {
                    if (store.isEmpty()) {
                        System.err.println(noCheckpointDirMessage());
                    } else {
                        Optional<ResumePoint> p = store.get().newest();
                        if (p.isPresent()) {
                            System.err.println("resuming from " + p.get().describe());
                            System.out.println("resume-point=" + p.get().path());
                        } else {
                            System.err.println(store.get().nothingToResumeMessage());
                        }
                    }
                }
                case "fresh" -> {
                    if (store.isPresent()) {
                        System.err.println(store.get().freshMessage());
                    }
                }
                case "resume-check" -> {
                    if (args.length != 4) {
                        System.err.println("usage: CheckpointStore --config job.yaml resume-check <checkpoint>");
                        System.exit(2);
                    }
                    var env =
                            org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                                    .getExecutionEnvironment(io.streamgrad.job.StreamgradJob.flinkConfiguration(cfg));
                    io.streamgrad.job.StreamgradJob.build(env, cfg);
                    ResumeCheck.Outcome resume = ResumeCheck.check(args[3], env.getStreamGraph());
                    if (resume.ignoreUnclaimedState()) {
                        System.err.println(resume.describe());
                        System.out.println("ignore-unclaimed-state=true");
                    }
                }
                case "clean" -> {
                    if (args.length != 4) {
                        System.err.println("usage: CheckpointStore --config job.yaml clean <job id>");
                        System.exit(2);
                    }
                    if (store.isPresent()) {
                        for (String d : store.get().removeOldRuns(args[3], cfg.checkpointRetainedRuns())) {
                            System.err.println("removed the older run's checkpoint directory " + d
                                    + " (checkpoint_retained_runs: " + cfg.checkpointRetainedRuns() + ")");
                        }
                    }
                }
                default -> {
                    System.err.println("unknown action '" + args[2]
                            + "': resume-point | fresh | resume-check <checkpoint> | clean <job id>");
                    System.exit(2);
                }
            }
        } catch (Exception e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}

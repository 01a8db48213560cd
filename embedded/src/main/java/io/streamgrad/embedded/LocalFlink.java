package io.streamgrad.embedded;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * One Flink MiniCluster for the whole command, started in the background so it comes up while the broker does
 * (each takes seconds), then running job after job. The usual
 * {@code StreamExecutionEnvironment.executeAsync} of a local environment starts and stops a MiniCluster per job,
 * in the foreground; for the first trained record of a short-lived command that start-up is on the critical path.
 *
 * <p>Jobs are submitted as stream graphs (the caller builds the job's graph with the job's own settings).
 * Thread-safe.
 */
public final class LocalFlink implements AutoCloseable {
    private final CompletableFuture<MiniCluster> cluster;

    private LocalFlink(CompletableFuture<MiniCluster> cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts a MiniCluster with one TaskManager of {@code slots} slots on a background thread; returns at once.
     */
    public static LocalFlink startInBackground(int slots) {
        CompletableFuture<MiniCluster> f = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        MiniCluster mc = new MiniCluster(new MiniClusterConfiguration.Builder()
                                .setConfiguration(withLocalNetwork(new Configuration()))
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(slots)
                                .withRandomPorts()
                                .build());
                        mc.start();
                        f.complete(mc);
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    }
                },
                "local-flink-start");
        t.setDaemon(true);
        t.start();
        return new LocalFlink(f);
    }

    /**
     * The network settings of every MiniCluster a command starts (this one; {@code run}'s and {@code demo}'s local
     * environments): 1 MiB network buffers in 128 MiB of network memory instead of Flink's 32 KiB in 64 MiB.
     *
     * <p>Flink 2 lets an output channel hold at most about ten buffers before it back-pressures its task. At 32 KiB
     * that is 320 KiB, less than one producer-made MiniBatch record of the 784-feature MLP (128 examples, 400 KiB):
     * the source could not finish writing the next batch while the trainer trained the last one, and the trainer
     * then waited for it (the MLP's MiniBatch stream got clearly faster with 1 MiB; single {@code Example} records
     * gain nothing and lose nothing: docs/BENCHMARKS.md#launcher-and-job-settings). Per TaskManager these are cluster settings:
     * docs/DEPLOY.md says when to raise them on a real cluster, where large parallelism makes 1 MiB buffers costly.
     */
    public static Configuration withLocalNetwork(Configuration c) {
        c.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, MemorySize.parse("1mb"));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("128mb"));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("128mb"));
        return c;
    }

    /** A submitted job. */
    public final class Job {
        public final JobID id;

        private Job(JobID id) {
            this.id = id;
        }

        /** Waits for the job to end; throws when it failed. */
        public JobResult result(Duration timeout) throws Exception {
            JobResult r = cluster().requestJobResult(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.isSuccess() && r.getSerializedThrowable().isPresent()) {
                Throwable cause = r.getSerializedThrowable()
                        .get()
                        .deserializeError(Thread.currentThread().getContextClassLoader());
                throw new JobExecutionException(id, "job " + id + " failed", cause);
            }
            return r;
        }

        /** The job's checkpoint statistics so far (counts, durations, sizes, the recent checkpoints); while it runs. */
        public CheckpointStatsSnapshot checkpointStats() throws Exception {
            return cluster().getExecutionGraph(id).get(1, TimeUnit.MINUTES).getCheckpointStatsSnapshot();
        }

        /** Cancels the job and waits until it has ended. */
        public void cancel(Duration timeout) throws Exception {
            cluster().cancelJob(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            cluster().requestJobResult(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Submits a job's graph (waiting for the cluster if it is still starting). */
    public Job submit(StreamGraph graph) throws Exception {
        return new Job(cluster().submitJob(graph).get().getJobID());
    }

    private MiniCluster cluster() throws InterruptedException, ExecutionException, TimeoutException {
        return cluster.get(5, TimeUnit.MINUTES);
    }

    @Override
    public void close() throws Exception {
        MiniCluster mc = cluster.getNow(null);
        if (mc == null) {
            try {
                mc = cluster();
            } catch (ExecutionException e) {
                return; // it never started
            }
        }
        mc.close();
    }
}

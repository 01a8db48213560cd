package io.streamgrad.cli;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One Flink MiniCluster for the whole command, started in the background so it comes up while the broker does
 * (on this project's 2-core machine the two take 2-3 s and 3-4 s), then running job after job. The usual
 * {@code StreamExecutionEnvironment.executeAsync} of a local environment starts and stops a MiniCluster per job,
 * in the foreground; for the first trained record of a short-lived command that start-up is on the critical path.
 *
 * <p>Jobs are the job's own graph ({@link StreamgradJob#build}) with the job's own settings
 * ({@link StreamgradJob#flinkConfiguration}), submitted as a stream graph. Thread-safe.
 */
final class LocalFlink implements AutoCloseable {
    private final CompletableFuture<MiniCluster> cluster;

    private LocalFlink(CompletableFuture<MiniCluster> cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts a MiniCluster with one TaskManager of {@code slots} slots on a background thread; returns at once.
     */
    static LocalFlink startInBackground(int slots) {
        CompletableFuture<MiniCluster> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                MiniCluster mc = new MiniCluster(new MiniClusterConfiguration.Builder()
                        .setConfiguration(new Configuration())
                        .setNumTaskManagers(1).setNumSlotsPerTaskManager(slots)
                        .withRandomPorts().build());
                mc.start();
                f.complete(mc);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "local-flink-start");
        t.setDaemon(true);
        t.start();
        return new LocalFlink(f);
    }

    /** A submitted job. */
    final class Job {
        final JobID id;

        private Job(JobID id) {
            this.id = id;
        }

        /** Waits for the job to end; throws when it failed. */
        JobResult result(Duration timeout) throws Exception {
            JobResult r = cluster().requestJobResult(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.isSuccess() && r.getSerializedThrowable().isPresent()) {
                Throwable cause = r.getSerializedThrowable().get()
                        .deserializeError(Thread.currentThread().getContextClassLoader());
                throw new JobExecutionException(id, "job " + id + " failed", cause);
            }
            return r;
        }

        /** Cancels the job and waits until it has ended. */
        void cancel(Duration timeout) throws Exception {
            cluster().cancelJob(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            cluster().requestJobResult(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Builds the streaming job for {@code config} and submits it (waiting for the cluster if it is still starting). */
    Job submit(JobConfig config) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(config));
        StreamgradJob.build(env, config);
        var graph = env.getStreamGraph();
        graph.setJobName("streamgrad: " + String.join(", ", config.models().modelIds()));
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

package io.streamgrad.cli;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.config.JobConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/** The streaming job's graph as the local commands run it: the job's own settings, with local network buffers. */
public final class JobGraphs {
    private JobGraphs() {}

    /**
     * The job's Flink settings for a MiniCluster in this JVM ({@link StreamgradJob#flinkConfiguration} plus
     * {@link io.streamgrad.embedded.LocalFlink#withLocalNetwork}).
     */
    public static Configuration localConfiguration(JobConfig config) {
        return io.streamgrad.embedded.LocalFlink.withLocalNetwork(StreamgradJob.flinkConfiguration(config));
    }

    /** The job's graph for {@code config}, named after its models, ready for {@code LocalFlink.submit}. */
    public static StreamGraph streamGraph(JobConfig config) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(config));
        StreamgradJob.build(env, config);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("streamgrad: " + String.join(", ", config.models().modelIds()));
        return graph;
    }
}

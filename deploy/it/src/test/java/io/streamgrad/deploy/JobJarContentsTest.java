package io.streamgrad.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shaded job jar ({@code flink-job/target/streamgrad-job.jar}, what {@code flink run}, {@code submit} and the
 * Kubernetes image load) holds the job and its libraries, and nothing of the applications around it: no command
 * line, demo or report, no benchmark, no embedded runtime, no Kafka broker or test kit.
 */
class JobJarContentsTest {
    private static final Path REPO = LocalCluster.repoDir();
    private static final Path JOB_JAR = REPO.resolve("flink-job/target/streamgrad-job.jar");

    @Test
    void jobJar_holdsTheJob_andNoApplicationBenchmarkOrBrokerClasses() throws IOException {
        // ./mvnw -B verify (CI) builds the jar; a build with -Dstreamgrad.skipJobJar=true has only an older one.
        Assumptions.assumeFalse(Boolean.getBoolean("streamgrad.skipJobJar"), "the job jar was not built");
        assertThat(JOB_JAR)
                .as("the job jar; build it with ./mvnw -B -pl flink-job -am package -DskipTests "
                        + "(-Dstreamgrad.skipJobJar=true skips it)")
                .exists();
        List<String> entries;
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            entries = jar.stream().map(ZipEntry::getName).toList();
        }

        assertThat(entries)
                .contains(
                        "io/streamgrad/job/StreamgradJob.class",
                        "io/streamgrad/job/admin/JobTopics.class",
                        "io/streamgrad/learner/train/Trainer.class",
                        "io/streamgrad/avro/ModelSnapshot.class",
                        "org/apache/flink/connector/kafka/sink/KafkaSink.class");
        assertThat(entries)
                .noneMatch(e -> e.startsWith("io/streamgrad/cli/")) // commands, demo, report
                .noneMatch(e -> e.startsWith("io/streamgrad/bench/")) // benchmarks
                .noneMatch(e -> e.startsWith("io/streamgrad/embedded/")) // in-process broker, MiniCluster
                .noneMatch(e -> e.startsWith("org/apache/kafka/common/test/")) // Kafka's test kit
                .noneMatch(e -> e.startsWith("kafka/server/")) // the broker itself
                .noneMatch(e -> e.startsWith("org/openjdk/jmh/"))
                .noneMatch(e -> e.startsWith("org/deeplearning4j/"));
    }
}

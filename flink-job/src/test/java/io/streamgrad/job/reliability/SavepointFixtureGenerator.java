package io.streamgrad.job.reliability;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.embedded.EmbeddedKafka;
import io.streamgrad.embedded.ExampleProducer;
import io.streamgrad.job.admin.JobTopics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.learner.train.ModelState;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * Writes the savepoint fixture {@code flink-job/src/test/resources/savepoints/v1} (not a test: run it by hand when
 * a NEW fixture version is wanted, into a new directory, keeping the old ones). It runs {@link SavepointFixture}'s
 * job on an in-process broker and a local MiniCluster, feeds it the first {@value
 * SavepointFixture#RECORDS_BEFORE_SAVEPOINT} records, waits until both models' snapshots at step {@value
 * SavepointFixture#STEP_AT_SAVEPOINT} are committed, stops the job with a canonical savepoint and copies it, plus
 * each model's state at that moment ({@code <model>.state}, the snapshot's ModelStateCodec bytes), to the output.
 *
 * <pre>
 * ./mvnw -o -q -pl flink-job -am test-compile dependency:build-classpath -DskipTests \
 *   -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * OMP_NUM_THREADS=1 java -Djava.io.tmpdir=flink-job/target -cp \
 *   flink-job/target/test-classes:flink-job/target/classes:$(cat flink-job/target/cp.txt) \
 *   io.streamgrad.job.reliability.SavepointFixtureGenerator flink-job/src/test/resources/savepoints/v2
 * </pre>
 */
public final class SavepointFixtureGenerator {
    private SavepointFixtureGenerator() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println(
                    "usage: SavepointFixtureGenerator <output directory, e.g. flink-job/src/test/resources/savepoints/v2>");
            System.exit(2);
        }
        Path out = Path.of(args[0]).toAbsolutePath();
        Path work = Files.createTempDirectory("savepoint-fixture");
        List<ModelStream> models = SavepointFixture.models();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            JobConfig cfg = SavepointFixture.config(kafka.bootstrapServers());
            JobTopics.create(kafka.admin(), cfg.topics(), 1, (short) 1);
            JobClient job = ReliabilitySupport.start(cfg, new Configuration(), s -> s);
            boolean stopped = false;
            try (ExampleProducer producer =
                            new ExampleProducer(ReliabilitySupport.producerProps(kafka.bootstrapServers()));
                    CommittedTopic<ModelSnapshot> snapshots =
                            ReliabilitySupport.snapshotsTopic(kafka.bootstrapServers(), cfg)) {
                var sent = ReliabilitySupport.produce(
                        producer, cfg.topics().examples(), models, 0, SavepointFixture.READ_BEFORE_SAVEPOINT);
                if (sent.get(0) != SavepointFixture.RECORDS_BEFORE_SAVEPOINT) {
                    throw new IllegalStateException(
                            "sent " + sent + ", expected " + SavepointFixture.RECORDS_BEFORE_SAVEPOINT);
                }
                snapshots.await(
                        "snapshots at step " + SavepointFixture.STEP_AT_SAVEPOINT,
                        Duration.ofSeconds(120),
                        s -> ReliabilitySupport.allAtStep(s, models, SavepointFixture.STEP_AT_SAVEPOINT));
                String savepoint = job.stopWithSavepoint(
                                false, work.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
                stopped = true;
                List<ModelSnapshot> all = snapshots.readToEnd(Duration.ofSeconds(30));

                clear(out);
                copyTree(Path.of(URI.create(savepoint.startsWith("file:") ? savepoint : "file://" + savepoint)), out);
                for (ModelStream m : models) {
                    ModelSnapshot s = all.stream()
                            .filter(x -> x.getModelId().equals(m.id()))
                            .reduce((a, b) -> b)
                            .orElseThrow();
                    if (s.getStep() != SavepointFixture.STEP_AT_SAVEPOINT
                            || s.getVersion() != SavepointFixture.VERSION_AT_SAVEPOINT) {
                        throw new IllegalStateException("last snapshot of " + m.id() + " is version " + s.getVersion()
                                + " at step " + s.getStep() + ": the job trained past the savepoint point");
                    }
                    ByteBuffer b = s.getState().duplicate();
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    Files.write(out.resolve(m.id() + ".state"), bytes);
                    ModelState st = ReliabilitySupport.state(s);
                    System.out.printf(
                            "%s: version %d, step %d, examples seen %d, rng %d, params[0..2] %s%n",
                            m.id(),
                            s.getVersion(),
                            st.step(),
                            st.examplesSeen(),
                            st.rngState(),
                            Arrays.toString(Arrays.copyOf(st.params(), 3)));
                }
                Files.writeString(out.resolve("README.md"), """
                        # Savepoint fixture v1 (written by SavepointFixtureGenerator; do not edit)

                        A canonical savepoint of the streamgrad job as configured by `SavepointFixture`: models
                        `clicks` (logistic, Adam, batch 16) and `prices` (linear, SGD, batch 8) on topic
                        `fixture-examples` (one partition), stopped after 495 records: each model at step 20
                        (snapshot version 2), with 10 and 5 examples waiting in the mini-batcher.
                        `<model>.state` is each model's state at the savepoint (ModelStateCodec bytes of its
                        committed snapshot at step 20). `SavepointIT` restores it on every build: keep this
                        directory when the state format changes and add a v2 next to it.
                        """);
                System.out.println("savepoint " + savepoint + " -> " + out);
            } finally {
                if (!stopped) {
                    job.cancel().get();
                }
            }
        } finally {
            clear(work);
            Files.deleteIfExists(work);
        }
    }

    private static void clear(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}

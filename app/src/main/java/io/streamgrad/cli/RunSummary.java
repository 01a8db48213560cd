package io.streamgrad.cli;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a finished {@code run} did, read back from its committed outputs (isolation.level=read_committed): per model
 * the examples trained and the versions published by this run, the dead letters of this run, and where to look. A
 * record belongs to this run when it was made at or after the run's start ({@code created_at}, {@code failed_at}).
 */
final class RunSummary {
    /** Dead-letter reasons printed in full; the rest are counted. */
    static final int REASONS_SHOWN = 5;

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private RunSummary() {}

    /** Prints the summary; a topic that cannot be read is said, not thrown (the job itself succeeded). */
    static void print(JobConfig config, long runStartMs, PrintStream out) {
        List<ModelSnapshot> snapshots = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        try {
            var snapshotCodec = SingleObjectCodec.modelSnapshot();
            for (ConsumerRecord<byte[], byte[]> r : KafkaClients.readAll(
                    config.kafkaProperties(), config.topics().models(), READ_TIMEOUT)) {
                if (r.value() != null) { // a tombstone removes a model; it has no snapshot
                    snapshots.add(snapshotCodec.decode(r.value()));
                }
            }
            var deadCodec = SingleObjectCodec.deadLetter();
            for (ConsumerRecord<byte[], byte[]> r : KafkaClients.readAll(
                    config.kafkaProperties(), config.topics().deadLetters(), READ_TIMEOUT)) {
                DeadLetter d = deadCodec.decode(r.value());
                if (d.getFailedAt().toEpochMilli() >= runStartMs) {
                    dead.add(d);
                }
            }
        } catch (Exception e) {
            out.println("summary: could not read the job's outputs back (" + e.getMessage() + "); see "
                    + config.topics().models() + " and " + config.topics().deadLetters());
            return;
        }
        print(config, runStartMs, snapshots, dead, out);
    }

    static void print(
            JobConfig config, long runStartMs, List<ModelSnapshot> snapshots, List<DeadLetter> dead, PrintStream out) {
        Map<String, ModelSnapshot> before = new TreeMap<>();
        Map<String, ModelSnapshot> newest = new TreeMap<>();
        Map<String, Long> published = new TreeMap<>();
        for (ModelSnapshot s : snapshots) {
            String id = s.getModelId();
            boolean thisRun = s.getCreatedAt().toEpochMilli() >= runStartMs;
            Map<String, ModelSnapshot> into = thisRun ? newest : before;
            ModelSnapshot old = into.get(id);
            if (old == null || s.getVersion() > old.getVersion()) {
                into.put(id, s);
            }
            if (thisRun) {
                published.merge(id, 1L, Long::sum);
            }
        }
        String bs = config.bootstrapServers();
        out.println("summary (read back from the committed outputs):");
        List<String> ids = new ArrayList<>(config.models().modelIds());
        newest.keySet().stream().filter(id -> !ids.contains(id)).forEach(ids::add); // models made from the template
        for (String id : ids) {
            ModelSnapshot last = newest.get(id);
            if (last == null) {
                out.println("  model '" + id + "': no version published by this run (no examples for it, or fewer"
                        + " than a snapshot needs)");
                continue;
            }
            ModelSnapshot first = before.get(id);
            long trained = last.getExamplesSeen() - (first == null ? 0 : first.getExamplesSeen());
            out.printf(
                    Locale.ROOT,
                    "  model '%s': %,d examples trained, %d version%s published (newest v%d, step %d, %,d examples"
                            + " in total)%n",
                    id,
                    trained,
                    published.get(id),
                    published.get(id) == 1 ? "" : "s",
                    last.getVersion(),
                    last.getStep(),
                    last.getExamplesSeen());
        }
        out.println("  dead letters: " + dead.size() + " record" + (dead.size() == 1 ? "" : "s") + " refused"
                + (dead.isEmpty()
                        ? ""
                        : " (on " + config.topics().deadLetters() + ", with the reason and the record)"));
        for (int i = 0; i < Math.min(REASONS_SHOWN, dead.size()); i++) {
            out.println("    " + dead.get(i).getReason());
        }
        if (dead.size() > REASONS_SHOWN) {
            out.println("    ... and " + (dead.size() - REASONS_SHOWN) + " more");
        }
        out.println("  versions: ./streamgrad models --bootstrap-servers " + bs + " --topic "
                + config.topics().models() + " [--model ID --save FILE]");
        out.println("  metrics:  ./streamgrad metrics --bootstrap-servers " + bs + " --topic "
                + config.topics().metrics());
    }
}

package io.streamgrad.cli;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.io.SnapshotFile;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code streamgrad models}: lists the committed model snapshots of a models topic and saves one as a snapshot file
 * that {@code streamgrad predict} and {@code evaluate} read.
 */
final class ModelsCommand {
    static final String USAGE = """
            usage: streamgrad models --bootstrap-servers HOST:PORT --topic TOPIC [--model ID] [--version V|latest]
                                     [--save FILE [--format sgm|onnx]] [--kafka-config FILE]
              Lists the committed snapshots (read_committed; a compacted topic may keep only the newest per model).
              --save FILE writes the chosen snapshot (--model required; --version defaults to latest) as a
              snapshot file for `streamgrad predict` / `evaluate`.
              --format onnx saves it as an ONNX model instead (as `streamgrad export` does; docs/ONNX.md).""";

    private ModelsCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                argv,
                Set.of("bootstrap-servers", "topic", "model", "version", "save", "format", "kafka-config"),
                Set.of());
        Properties client = KafkaClients.properties(args);
        String topic = args.required("topic");
        String model = args.get("model", null);
        String version = args.get("version", "latest");
        long wanted = -1;
        if (!"latest".equals(version)) {
            wanted = args.longValue("version", -1, 1, Long.MAX_VALUE);
        }
        Path save = args.path("save", null);
        if (save != null && model == null) {
            throw new UsageException("--save needs --model: which model's snapshot to save");
        }
        if (args.has("format") && save == null) {
            throw new UsageException("--format applies to --save: add --save FILE, or drop --format to list");
        }
        boolean onnx = "onnx".equals(args.oneOf("format", "sgm", "sgm", "onnx"));

        SingleObjectCodec<ModelSnapshot> codec = SingleObjectCodec.modelSnapshot();
        List<ModelSnapshot> snapshots = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> records;
        try {
            records = KafkaClients.readAll(client, topic, Duration.ofSeconds(60));
        } catch (KafkaClients.MissingTopicException e) {
            err.println(noVersionYet(topic, model, e.getMessage()));
            return save == null ? 0 : 1;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                continue; // a tombstone: the model was deleted
            }
            try {
                ModelSnapshot s = codec.decode(r.value());
                if (model == null || model.equals(s.getModelId())) {
                    snapshots.add(s);
                }
            } catch (InvalidRecordException e) {
                err.println(topic + "-" + r.partition() + "@" + r.offset() + ": skipped, " + e.getMessage());
            }
        }
        snapshots.sort(Comparator.comparing(ModelSnapshot::getModelId).thenComparingLong(ModelSnapshot::getVersion));

        if (save == null) {
            out.printf(
                    Locale.ROOT,
                    "%-14s %8s %9s %11s %-24s %-10s %s%n",
                    "model",
                    "version",
                    "step",
                    "examples",
                    "created (UTC)",
                    "bytes",
                    "metrics");
            for (ModelSnapshot s : snapshots) {
                if (wanted > 0 && s.getVersion() != wanted) {
                    continue;
                }
                StringBuilder m = new StringBuilder();
                s.getMetrics()
                        .forEach((k, v) -> m.append(k)
                                .append('=')
                                .append(String.format(Locale.ROOT, "%.4g", v))
                                .append(' '));
                out.printf(
                        Locale.ROOT,
                        "%-14s %8d %9d %11d %-24s %-10d %s%n",
                        s.getModelId(),
                        s.getVersion(),
                        s.getStep(),
                        s.getExamplesSeen(),
                        s.getCreatedAt(),
                        s.getState().remaining(),
                        m.toString().trim());
            }
            if (snapshots.isEmpty()) {
                err.println(noVersionYet(topic, model, null));
            }
            return 0;
        }

        ModelSnapshot chosen = null;
        for (ModelSnapshot s : snapshots) {
            if (wanted > 0 ? s.getVersion() == wanted : chosen == null || s.getVersion() > chosen.getVersion()) {
                chosen = s;
            }
        }
        if (chosen == null && snapshots.isEmpty() && wanted <= 0) {
            err.println(noVersionYet(topic, model, null));
            return 1;
        }
        if (chosen == null) {
            err.println("no committed snapshot of model '" + model + "'" + (wanted > 0 ? " with version " + wanted : "")
                    + " in " + topic
                    + (wanted > 0 ? "; list them without --save (a compacted topic keeps the newest)" : ""));
            return 1;
        }
        if (onnx) {
            ExportCommand.writeOnnx(toSnapshot(chosen), save, "--save");
        } else {
            SnapshotFile.write(save, toSnapshot(chosen));
        }
        out.println("saved " + chosen.getModelId() + " version " + chosen.getVersion() + " (step " + chosen.getStep()
                + ") to " + save + (onnx ? " as ONNX" : ""));
        return 0;
    }

    /** The learner's snapshot of an Avro ModelSnapshot: config parsed back, state decoded (both checked). */
    static Snapshot toSnapshot(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] state = new byte[b.remaining()];
        b.get(state);
        return new Snapshot(
                s.getModelId(),
                s.getVersion(),
                s.getCreatedAt().toEpochMilli(),
                ConfigParser.parse(s.getConfigYaml()),
                ModelStateCodec.decode(state),
                s.getMetrics(),
                s.getSourceOffsets());
    }

    /**
     * No model version to show: the topic is missing (no job has run against this cluster with it) or holds no
     * committed snapshot (of the model) yet; says what publishes one and when it becomes visible.
     */
    static String noVersionYet(String topic, String model, String missing) {
        String what = model == null ? "no model has a version" : "model '" + model + "' has no version";
        return what + " yet in " + topic + (missing == null ? "" : " (" + missing + ")") + ". A running job publishes"
                + " a model's first version snapshot.first_after_ms (1 s by default) after its first trained batch, then"
                + " every snapshot.every_steps steps or snapshot.every_seconds seconds, and a bounded job at the end of"
                + " its input; a version becomes visible here when the checkpoint after it completes"
                + " (checkpoint_interval_ms). Check that the job is running, that examples for the model reach"
                + " topics.examples (`./streamgrad metrics` shows training), and that --topic is the job's"
                + " topics.models" + (missing == null ? "" : " (`./streamgrad run --create-topics` creates it)") + ".";
    }
}

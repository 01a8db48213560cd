package io.streamgrad.job.warmstart;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfig.ExistingVersions;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The step before the job graph is built that keeps a model's versions from going backwards: it reads the models
 * topic (read_committed, from the beginning to its current end) and keeps the newest snapshot of every model the job
 * trains. A model that has no state in the job (a lost checkpoint directory, a new cluster) but versions on the topic
 * then, per {@code existing_versions}:
 * <ul>
 *   <li>{@code warm_start} (default): continues from that snapshot: parameters, optimizer state, counters, RNG and
 *   version come from it, the source starts at its offsets and records it already trained on are skipped
 *   ({@link WarmStartSet});</li>
 *   <li>{@code refuse}: the job does not start; the message names the model, its newest version and the choices.</li>
 * </ul>
 * A checkpoint or savepoint restore wins: a model with keyed state ignores its snapshot, and under {@code refuse}
 * a restoring job is not checked (it continues its own versions).
 *
 * <p>The snapshots travel inside the job graph, at most {@link #MAX_SHIPPED_BYTES} together; beyond that the job
 * refuses to start (see there).
 */
public final class WarmStart {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WarmStart.class);

    /**
     * The most snapshot bytes shipped inside the job graph: 64 MiB. The job graph goes to a cluster through its REST
     * API, whose request limit ({@code rest.server.max-content-length}) is 100 MiB by default, and every trainer
     * subtask holds one copy of the set on its heap. Larger models are better restored from a savepoint.
     */
    public static final long MAX_SHIPPED_BYTES = 64L << 20;

    private static final long FROM_BEGINNING = -1;
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private WarmStart() {}

    /**
     * Reads the models topic and decides, per {@code existing_versions}, which models warm-start.
     *
     * @param restoring whether the job will restore from a checkpoint or savepoint (whose state wins)
     * @throws WarmStartException under {@code refuse} when a model has versions on the topic; when a snapshot cannot
     *     be used (another architecture, an unreadable state) or the snapshots are too large to ship
     */
    public static WarmStartSet load(JobConfig cfg, boolean restoring) {
        if (cfg.existingVersions() == ExistingVersions.REFUSE && restoring) {
            return WarmStartSet.none();
        }
        String topic = cfg.topics().models();
        NewestSnapshots newest = new NewestSnapshots(cfg.models()::accepts);
        var codec = SingleObjectCodec.modelSnapshot();
        readToEnd(cfg, topic, FROM_BEGINNING, (r, where) -> {
            if (r.value() == null) {
                // A tombstone: the model's versions were deleted on purpose; it starts afresh.
                if (r.key() != null) {
                    newest.delete(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
                }
                return;
            }
            ModelSnapshot s;
            try {
                s = codec.decode(r.value());
            } catch (Exception e) {
                throw new WarmStartException(
                        where + ": not a model snapshot this build reads (" + e.getMessage() + "); topics.models must"
                                + " name the job's own models topic, or delete the record",
                        e);
            }
            newest.offer(s, r.value(), where);
        });
        Map<String, NewestSnapshots.Chosen> chosen = newest.chosen();
        Map<String, Long> deltaVersions = newestDeltaVersions(cfg);
        if (chosen.isEmpty()) {
            deltaVersions.forEach((id, v) -> LOG.info(
                    "warm start: model '{}' has no snapshot on {} but deltas up to version {} on {}: it starts afresh"
                            + " and numbers its versions above that one",
                    id,
                    topic,
                    v,
                    cfg.topics().updates()));
            return WarmStartSet.none().withDeltaVersions(deltaVersions);
        }
        if (cfg.existingVersions() == ExistingVersions.REFUSE) {
            throw new WarmStartException(refusal(cfg, chosen));
        }
        chosen.forEach((id, c) -> checkUsable(cfg, id, c));
        long bytes = chosen.values().stream().mapToLong(c -> c.encoded().length).sum();
        if (bytes > MAX_SHIPPED_BYTES) {
            throw new WarmStartException("the newest snapshots of " + chosen.size() + " models on " + topic + " are "
                    + bytes + " bytes together, more than the " + MAX_SHIPPED_BYTES + " bytes a warm start ships"
                    + " inside the job graph: restore the job from a savepoint or retained checkpoint instead"
                    + " (./streamgrad run --from-savepoint PATH), or, to start these models afresh, set"
                    + " existing_versions: refuse to see them and point topics.models at a new topic");
        }
        WarmStartSet set =
                WarmStartSet.of(chosen, metricsThroughStep(cfg, chosen)).withDeltaVersions(deltaVersions);
        chosen.forEach((id, c) -> LOG.info(
                "warm start: model '{}' continues from version {} (step {}, {}), source offsets {}",
                id,
                c.snapshot().getVersion(),
                c.snapshot().getStep(),
                c.coordinates(),
                c.snapshot().getSourceOffsets()));
        return set;
    }

    /**
     * With deltas enabled: per model the job trains, the newest version on the updates topic (read_committed, from the
     * beginning: it holds only the deltas' retention). The models topic may hold only an older full version F while
     * deltas up to V > F were published; the model continues from F's state but numbers its versions above V, and its
     * first version is full (a delta cannot be based on state the job does not have; {@link DeltaTracking} is empty).
     */
    private static Map<String, Long> newestDeltaVersions(JobConfig cfg) {
        Map<String, Long> out = new HashMap<>();
        String updates = cfg.topics().updates();
        if (updates == null) {
            return out;
        }
        var codec = SingleObjectCodec.modelDelta();
        readToEnd(cfg, updates, FROM_BEGINNING, (r, where) -> {
            if (r.value() == null || r.key() == null) {
                return;
            }
            String id = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
            if (!cfg.models().accepts(id)) {
                return;
            }
            try {
                out.merge(id, codec.decode(r.value()).getVersion(), Math::max);
            } catch (Exception e) {
                throw new WarmStartException(
                        where + ": not a model delta this build reads (" + e.getMessage() + "); topics.updates must"
                                + " name the job's own updates topic",
                        e);
            }
        });
        return out;
    }

    /** One line per warm-started model, for the command line. */
    public static List<String> describe(WarmStartSet set) {
        List<String> out = new ArrayList<>();
        for (String id : set.modelIds()) {
            ModelSnapshot s = set.snapshot(id);
            out.add("model '" + id + "' continues from its snapshot version " + s.getVersion() + " (step " + s.getStep()
                    + ", " + s.getExamplesSeen() + " examples, source offsets " + s.getSourceOffsets() + ")");
        }
        return out;
    }

    private static String refusal(JobConfig cfg, Map<String, NewestSnapshots.Chosen> chosen) {
        StringBuilder sb = new StringBuilder("existing_versions is refuse, but the models topic ")
                .append(cfg.topics().models())
                .append(" already holds versions of ");
        List<String> each = new ArrayList<>();
        chosen.forEach((id, c) -> each.add("model '" + id + "' (newest version "
                + c.snapshot().getVersion() + ", step " + c.snapshot().getStep() + ", at " + c.coordinates() + ")"));
        sb.append(String.join(", ", each))
                .append(", and the job has no state for them: starting them afresh would publish version 1 again with"
                        + " other weights. Choose one: restore the job's checkpoint or savepoint"
                        + " (--from-savepoint PATH); set existing_versions: warm_start to continue from the newest"
                        + " snapshot; give the model a new id; delete its versions (a tombstone, a null record keyed"
                        + " by the model id, on ")
                .append(cfg.topics().models())
                .append("); or point topics.models at a new topic");
        return sb.toString();
    }

    /** The snapshot's state must decode and fit the model's configuration now. */
    private static void checkUsable(JobConfig cfg, String id, NewestSnapshots.Chosen c) {
        ModelSnapshot s = c.snapshot();
        ModelState state;
        try {
            ByteBuffer b = s.getState().duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            state = ModelStateCodec.decode(bytes);
        } catch (RuntimeException e) {
            throw new WarmStartException(
                    "model '" + id + "': its newest snapshot (version " + s.getVersion() + ", " + c.coordinates()
                            + ") has a state this build cannot read (" + e.getMessage() + "); upgrade streamgrad, or"
                            + " set existing_versions: refuse and see its message for the other choices",
                    e);
        }
        TrainerConfig tc = cfg.models().config(id);
        Trainer t = new Trainer(tc);
        int n = t.model().numParams();
        int stateSize = t.optimizer().stateSize(n);
        if (state.params().length != n || state.optimizerState().length != stateSize) {
            throw new WarmStartException("model '" + id + "': its newest snapshot on "
                    + cfg.topics().models()
                    + " (version " + s.getVersion() + ", " + c.coordinates() + ") has " + state.params().length
                    + " parameters and " + state.optimizerState().length + " optimizer values, but models." + id
                    + " now needs " + n + " and " + stateSize + ": a warm start cannot change a model's architecture"
                    + " or optimizer type. Give the changed model a new id, restore its old configuration, or point"
                    + " topics.models at a new topic");
        }
    }

    /**
     * Per warm-started model, the largest step among its committed metrics published at or after its snapshot (read
     * from the metrics topic from the oldest snapshot's creation time on; metrics are timestamped with their creation
     * time).
     */
    private static Map<String, Long> metricsThroughStep(JobConfig cfg, Map<String, NewestSnapshots.Chosen> chosen) {
        long since = chosen.values().stream()
                .mapToLong(c -> c.snapshot().getCreatedAt().toEpochMilli())
                .min()
                .orElse(0);
        Map<String, Long> out = new HashMap<>();
        var codec = SingleObjectCodec.trainingMetrics();
        readToEnd(cfg, cfg.topics().metrics(), since, (r, where) -> {
            if (r.value() == null) {
                return;
            }
            TrainingMetrics m;
            try {
                m = codec.decode(r.value());
            } catch (Exception e) {
                LOG.warn(
                        "{}: not a training metrics record this build reads, ignored for the warm start: {}",
                        where,
                        e.toString());
                return;
            }
            if (chosen.containsKey(m.getModelId())) {
                out.merge(m.getModelId(), m.getStep(), Math::max);
            }
        });
        return out;
    }

    /**
     * Reads every committed record of {@code topic} up to its end when called (its last stable offset), from the
     * beginning or (unless {@code sinceMs} is {@link #FROM_BEGINNING}) from the first record at or after that timestamp. A missing topic has no
     * records.
     */
    private static void readToEnd(
            JobConfig cfg, String topic, long sinceMs, BiConsumer<ConsumerRecord<byte[], byte[]>, String> each) {
        Properties p = cfg.kafkaProperties();
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamgrad-warm-start");
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(topic, READ_TIMEOUT);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw unreachable(cfg, topic, e);
            }
            if (infos == null || infos.isEmpty()) {
                return;
            }
            List<TopicPartition> parts = infos.stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            if (sinceMs != FROM_BEGINNING) {
                Map<TopicPartition, Long> query = new HashMap<>();
                parts.forEach(tp -> query.put(tp, sinceMs));
                Map<TopicPartition, OffsetAndTimestamp> at = c.offsetsForTimes(query, READ_TIMEOUT);
                at.forEach((tp, o) -> {
                    if (o != null) {
                        c.seek(tp, o.offset());
                    } else {
                        c.seekToEnd(List.of(tp));
                    }
                });
            }
            Map<TopicPartition, Long> end = c.endOffsets(parts, READ_TIMEOUT);
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey(), READ_TIMEOUT) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new WarmStartException("could not read " + topic + " to its end " + end + " within "
                            + READ_TIMEOUT.toSeconds() + " s (Kafka at " + cfg.bootstrapServers() + "): the job reads"
                            + " it before it starts to find the versions already published (existing_versions)");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    each.accept(r, r.topic() + "-" + r.partition() + "@" + r.offset());
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw unreachable(cfg, topic, e);
        }
    }

    private static WarmStartException unreachable(JobConfig cfg, String topic, Exception e) {
        return new WarmStartException(
                "Kafka at " + cfg.bootstrapServers() + " did not answer within " + READ_TIMEOUT.toSeconds()
                        + " s while reading " + topic + " (the job reads it before it starts, to continue each model"
                        + " from its newest published version): check kafka.bootstrap.servers and that the brokers"
                        + " are up",
                e);
    }
}

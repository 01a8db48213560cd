package io.streamgrad.serving;

import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
import io.streamgrad.serving.recs.RecsFollowing;
import io.streamgrad.serving.recs.RecsModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the newest version of each followed model in memory, ready to predict, for a Java service that embeds it.
 *
 * <p>A background thread reads the job's compacted models topic ({@code read_committed}: only snapshots of completed
 * checkpoints), first to its end (the bootstrap: the newest version of each model becomes live), then follows it:
 * each new version is decoded and built into an immutable {@link ServableModel} off to the side, then swapped in
 * with one volatile write per model. A caller that reads {@link #model} once per request therefore sees one whole
 * version, never a half-applied one, and predictions never wait for an update.
 *
 * <pre>{@code
 * try (ModelFollower follower = ModelFollower.builder()
 *         .bootstrapServers("127.0.0.1:9092")
 *         .modelsTopic("streamgrad-models")
 *         .follow("clicks")
 *         .build()
 *         .start()) {
 *     follower.awaitReady(Duration.ofSeconds(30));
 *     ServableModel clicks = follower.model("clicks").orElseThrow();
 *     float[] p = clicks.predict(batch); // and clicks.version() produced it
 * }
 * }</pre>
 *
 * <p>Deltas: with an updates topic ({@link Builder#updatesTopic}) the follower also reads the versions the job
 * publishes as deltas, once the models topic's bootstrap is done. Per model, strictly in version order
 * ({@link VersionChain}): a newer full version is built fresh, a delta for the next version is applied
 * copy-on-write, older versions are skipped, and deltas ahead of a missing version wait for it (from either
 * topic). Every version made becomes live in turn (while not pinned), so listeners see each one, in order.
 *
 * <p>Recommendation ({@code mf}) models travel on the updates topic as {@code RecsVersion} parts, told apart from
 * deltas by their single-object fingerprint, in the same consumer loop: {@link #recsModel} gives the live version
 * (bootstrapped from the newest complete FULL version, then every DELTA in order; see {@link RecsFollowing}). They
 * are pinned and rolled back as the other models ({@link #pinRecs}, {@link #unpinRecs}, {@link #rollbackRecs}, and
 * {@link Builder#pin} from the start), on their last {@code retainVersions} versions, which share every row block
 * and index node a delta did not change; {@link #metrics()} has their figures in {@code recsModels}.
 *
 * <p>Memory: per model the live version's parameters (no optimizer state), the next one while it is built, and the
 * last {@code retainVersions} built versions for pin and rollback. Linear, logistic, softmax and fm versions share
 * every parameter block that did not change between them ({@link BlockedParams}; a version that changed most blocks
 * is one array, which G1 keeps out of the young generation); an mlp version is one flat array.
 *
 * <p>A record that cannot be used (corrupt bytes, a state that does not fit its config) is skipped and logged with
 * its topic, partition and offset, counted in {@link FollowerMetrics#skippedRecords()}; the follower keeps serving
 * the version it has. A tombstone (null value) for a model means its versions were deleted on purpose: the live
 * version stays servable, the retained ones are dropped, and the next version read becomes live whatever its
 * number (the job restarts that model's versions at 1).
 */
public final class ModelFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

    /** Called on the follower thread after a version became live (new version, pin, unpin or rollback). */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param model    the version now live
         * @param previous the version it replaced, or null for the model's first
         */
        void onVersion(ServableModel model, ServableModel previous);
    }

    private final FollowerConfig config;
    private final List<Listener> listeners;
    /** Readers' view: one slot per model seen, holding one volatile reference to its live version. */
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    /** Pin, unpin and rollback requests, run on the follower thread (which owns every other piece of state). */
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();

    private final CompletableFuture<Void> readyFuture = new CompletableFuture<>();
    private final Object sleepLock = new Object();
    private final Thread thread;

    private volatile boolean started;
    private volatile boolean closed;
    private volatile boolean bootstrapped;
    private volatile long offsetsBehind = -1;
    private volatile long updatesOffsetsBehind = -1;
    private volatile long skippedRecords;
    private volatile String lastError;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    // ---- follower-thread state
    private final Map<String, Track> tracks = new HashMap<>();
    private final Map<String, ServableModel.PredictorPool> pools = new HashMap<>();
    private final SingleObjectCodec<ModelSnapshot> codec = SingleObjectCodec.modelSnapshot();
    private final SingleObjectCodec<ModelDelta> deltaCodec = SingleObjectCodec.modelDelta();
    /** Recommendation (mf) models: RecsVersion records on the updates topic, told apart by their fingerprint. */
    private final RecsFollowing recs;
    /** The models topic was read to the end offsets seen when this consumer started (the bootstrap). */
    private boolean modelsRead;

    private boolean pinsApplied;

    private ModelFollower(FollowerConfig config, List<Listener> listeners) {
        this.config = config;
        this.listeners = new CopyOnWriteArrayList<>(listeners);
        this.recs = new RecsFollowing(
                config.maxBufferedDeltas(),
                config.retainedVersions(),
                config.pinnedVersions(),
                config::follows,
                this::skip);
        this.thread = new Thread(this::run, "streamgrad-follower-" + config.modelsTopic());
        this.thread.setDaemon(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    public FollowerConfig config() {
        return config;
    }

    /** Starts the follower thread (once); returns this. */
    public synchronized ModelFollower start() {
        if (closed) {
            throw new IllegalStateException("the follower of " + config.modelsTopic() + " is closed; build a new one");
        }
        if (!started) {
            started = true;
            thread.start();
        }
        return this;
    }

    /**
     * The live version of {@code modelId}; empty until the model has one (see {@link #isReady}). Read it once per
     * request and use that instance for the whole request.
     */
    public java.util.Optional<ServableModel> model(String modelId) {
        Slot slot = slots.get(modelId);
        return java.util.Optional.ofNullable(slot == null ? null : slot.live);
    }

    /**
     * The live version of recommendation ({@code mf}) model {@code modelId}, published on the updates topic as
     * {@code RecsVersion} parts; empty until its first complete FULL version is read. Read it once per request.
     */
    public java.util.Optional<RecsModel> recsModel(String modelId) {
        return recs.model(modelId);
    }

    /**
     * Serves {@code version} of recommendation model {@code modelId} from now on, while newer versions are still
     * made and retained, until {@link #unpinRecs}; as {@link #pin} for the other models.
     *
     * @throws IllegalArgumentException when the model is unknown or the version is not retained (the message names
     *                                  the retained range)
     */
    public RecsModel pinRecs(String modelId, long version) {
        return call(() -> recs.pin(modelId, version, false));
    }

    /** Follows the latest version of recommendation model {@code modelId} again. */
    public RecsModel unpinRecs(String modelId) {
        return call(() -> recs.unpin(modelId));
    }

    /** Rolls recommendation model {@code modelId} back to the newest retained version before the live one, pinned. */
    public RecsModel rollbackRecs(String modelId) {
        return call(() -> recs.rollback(modelId));
    }

    /** Rolls recommendation model {@code modelId} back to an earlier retained {@code version}, pinned. */
    public RecsModel rollbackRecs(String modelId, long version) {
        return call(() -> recs.pin(modelId, version, true));
    }

    /** The recommendation models followed: live versions, status, listeners. */
    public RecsFollowing recs() {
        return recs;
    }

    /** The live version of every model that has one, by model id. */
    public Map<String, ServableModel> models() {
        Map<String, ServableModel> out = new TreeMap<>();
        slots.forEach((id, slot) -> {
            ServableModel live = slot.live;
            if (live != null) {
                out.put(id, live);
            }
        });
        return out;
    }

    public boolean isReady() {
        if (!bootstrapped) {
            return false;
        }
        if (config.modelIds().isEmpty()) {
            return slots.values().stream().anyMatch(s -> s.live != null)
                    || !recs.models().isEmpty();
        }
        for (String id : config.modelIds()) {
            Slot slot = slots.get(id);
            if ((slot == null || slot.live == null) && recs.model(id).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Waits until {@link #isReady}; returns whether it is. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        try {
            readyFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return isReady();
        } catch (ExecutionException e) {
            return false;
        }
    }

    /**
     * Serves {@code version} of the model from now on, and keeps serving it when newer versions arrive, until
     * {@link #unpin}. The version must be live or retained ({@link FollowerMetrics.ModelMetrics#retainedVersions}).
     *
     * @return the version now live
     * @throws IllegalArgumentException when the model is unknown or the version is not retained (the message lists
     *                                  the retained ones)
     */
    public ServableModel pin(String modelId, long version) {
        return call(() -> pinOnThread(modelId, version, false));
    }

    /** Follows the latest again: the newest retained version becomes live (now, if it is not already). */
    public ServableModel unpin(String modelId) {
        return call(() -> unpinOnThread(modelId));
    }

    /** Rolls back to the newest retained version older than the live one, and pins it (see {@link #pin}). */
    public ServableModel rollback(String modelId) {
        return call(() -> {
            Track t = track(modelId);
            ServableModel live = slot(modelId).live;
            Long earlier = live == null ? null : t.retained.lowerKey(live.version());
            if (earlier == null) {
                throw new IllegalArgumentException("model '" + modelId + "' has no retained version older than the"
                        + " live " + (live == null ? "(none)" : "version " + live.version()) + " (retained: "
                        + t.retained.keySet() + "); raise retainVersions to keep more");
            }
            return pinOnThread(modelId, earlier, true);
        });
    }

    /** Rolls back to an earlier retained {@code version} and pins it. */
    public ServableModel rollback(String modelId, long version) {
        return call(() -> pinOnThread(modelId, version, true));
    }

    /** Adds a listener (called on the follower thread; keep it short, it delays the next version). */
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public FollowerMetrics metrics() {
        Instant now = config.clock().instant();
        Map<String, FollowerMetrics.ModelMetrics> models = new TreeMap<>();
        slots.forEach((id, s) -> {
            ServableModel live = s.live;
            if (live == null && recs.knows(id)) {
                return; // a recommendation model pinned by configuration: its figures are in recsModels
            }
            double staleness = live == null
                    ? Double.NaN
                    : Duration.between(live.createdAt(), now).toNanos() / 1e9;
            models.put(
                    id,
                    new FollowerMetrics.ModelMetrics(
                            id,
                            live == null ? 0 : live.version(),
                            s.newestVersion,
                            s.pinned == 0 ? OptionalLong.empty() : OptionalLong.of(s.pinned),
                            live == null ? null : live.createdAt(),
                            staleness,
                            s.versionsApplied,
                            s.lastApplyNanos,
                            s.maxApplyNanos,
                            s.retained,
                            s.fullVersions,
                            s.deltaVersions,
                            s.lastDeltaApplyNanos,
                            s.maxDeltaApplyNanos,
                            s.bufferedDeltas,
                            s.missingVersion));
        });
        Map<String, FollowerMetrics.ModelMetrics> recsModels = new TreeMap<>();
        Map<String, RecsModel> recsLive = recs.models();
        recs.status().forEach((id, s) -> {
            RecsModel live = recsLive.get(id);
            Instant createdAt = live == null ? null : live.createdAt();
            recsModels.put(
                    id,
                    new FollowerMetrics.ModelMetrics(
                            id,
                            live == null ? 0 : live.version(),
                            s.newestVersion(),
                            s.pinnedVersion(),
                            createdAt,
                            createdAt == null
                                    ? Double.NaN
                                    : Duration.between(createdAt, now).toNanos() / 1e9,
                            s.versionsApplied(),
                            s.lastApplyNanos(),
                            s.maxApplyNanos(),
                            s.retainedVersions(),
                            s.fullVersions(),
                            s.deltaVersions(),
                            s.lastDeltaApplyNanos(),
                            s.maxDeltaApplyNanos(),
                            s.waitingVersions().size(),
                            s.missingVersion().orElse(0)));
        });
        return new FollowerMetrics(
                isReady(),
                bootstrapped,
                offsetsBehind,
                config.updatesTopic() == null ? 0 : updatesOffsetsBehind,
                skippedRecords,
                lastError,
                models,
                recsModels);
    }

    /** Stops the follower thread and closes its consumer; the live versions stay usable. Idempotent. */
    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (sleepLock) {
            sleepLock.notifyAll();
        }
        if (started && Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        failPendingCommands();
    }

    // ------------------------------------------------------------------------------------------ follower thread

    private void run() {
        while (!closed) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties())) {
                consumer = c;
                if (closed) {
                    return;
                }
                follow(c);
            } catch (WakeupException e) {
                // close() or a command woke the consumer up while it was being set up; the loop decides.
            } catch (KafkaException | IllegalStateException e) {
                error("cannot read models topic '" + config.modelsTopic() + "': " + e.getMessage()
                        + "; retrying in " + RETRY_BACKOFF.toSeconds() + " s (check bootstrap servers "
                        + config.clientProperties().get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)
                        + " and the client properties)");
                pause(RETRY_BACKOFF);
            } catch (RuntimeException e) {
                LOG.error("the follower of models topic '{}' failed; restarting its consumer", config.modelsTopic(), e);
                error("the follower of models topic '" + config.modelsTopic() + "' failed: " + e);
                pause(RETRY_BACKOFF);
            } finally {
                consumer = null;
            }
        }
        failPendingCommands();
    }

    private void follow(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> modelParts = waitForPartitions(c, config.modelsTopic(), "models", "topics.models");
        if (modelParts == null) {
            return;
        }
        List<TopicPartition> updateParts = List.of();
        if (config.updatesTopic() != null) {
            updateParts = waitForPartitions(c, config.updatesTopic(), "updates", "the job's updates topic");
            if (updateParts == null) {
                return;
            }
        }
        List<TopicPartition> all = new ArrayList<>(modelParts);
        all.addAll(updateParts);
        c.assign(all);
        c.seekToBeginning(all);
        // Deltas wait until the newest full version of each model is known (they apply on top of it).
        c.pause(updateParts);
        Map<TopicPartition, Long> bootstrapEnd = new HashMap<>(c.endOffsets(modelParts));
        Map<TopicPartition, Long> updatesEnd = null;
        modelsRead = false;
        while (!closed) {
            runCommands();
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = c.poll(config.pollTimeout());
            } catch (WakeupException e) {
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.topic().equals(config.modelsTopic())) {
                    readSnapshot(r);
                } else {
                    readDelta(r);
                }
            }
            if (!modelsRead) {
                bootstrapEnd.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
                if (bootstrapEnd.isEmpty()) {
                    finishModelsBootstrap();
                    c.resume(updateParts);
                    updatesEnd = new HashMap<>(c.endOffsets(updateParts));
                }
            }
            if (modelsRead && !bootstrapped) {
                updatesEnd.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
                if (updatesEnd.isEmpty()) {
                    bootstrapped = true;
                    checkPins();
                    LOG.info(
                            "models topic '{}'{} read to its end: {}",
                            config.modelsTopic(),
                            config.updatesTopic() == null ? "" : " and updates topic '" + config.updatesTopic() + "'",
                            models().values());
                    checkReady();
                }
            }
            long behind = 0;
            long behindUpdates = 0;
            for (TopicPartition tp : all) {
                OptionalLong lag = c.currentLag(tp);
                long l = lag.isPresent() ? lag.getAsLong() : 0;
                behind += l;
                if (!tp.topic().equals(config.modelsTopic())) {
                    behindUpdates += l;
                }
            }
            offsetsBehind = behind;
            updatesOffsetsBehind = behindUpdates;
        }
    }

    /** A topic's partitions, waiting (and saying so) while the topic does not exist; null when closed. */
    private List<TopicPartition> waitForPartitions(
            KafkaConsumer<byte[], byte[]> c, String topic, String role, String jobKey) {
        while (!closed) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            } catch (WakeupException e) {
                runCommands();
                continue;
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            error(role + " topic '" + topic + "' does not exist (yet); waiting for it (start the job, or check the"
                    + " topic name: " + jobKey + ")");
            runCommands();
            pause(RETRY_BACKOFF);
        }
        return null;
    }

    /** One record of the models topic: kept for the bootstrap, then offered to its model's chain. */
    private void readSnapshot(ConsumerRecord<byte[], byte[]> r) {
        String where = "models topic '" + r.topic() + "' partition " + r.partition() + " offset " + r.offset();
        String keyId = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (keyId != null && !config.follows(keyId)) {
            return;
        }
        if (r.value() == null) {
            if (keyId != null && tracks.containsKey(keyId)) {
                LOG.info(
                        "{}: a tombstone for model '{}': its versions were deleted; the live version stays until"
                                + " the next one",
                        where,
                        keyId);
                Track t = tracks.get(keyId);
                t.bootRaw.clear();
                t.retained.clear();
                t.chain.restart();
                publish(keyId, t);
            }
            return;
        }
        ModelSnapshot s;
        try {
            s = codec.decode(r.value());
        } catch (InvalidRecordException e) {
            skip(where + ": skipped, not a ModelSnapshot: " + e.getMessage());
            return;
        }
        if (!config.follows(s.getModelId())) {
            return;
        }
        Track t = trackOrNew(s.getModelId());
        if (!modelsRead) {
            // Bootstrap: keep the newest few as read; they are built once the topic's end is reached.
            t.bootRaw.put(s.getVersion(), new Retained(s, where));
            while (t.bootRaw.size() > config.retainedVersions()) {
                t.bootRaw.pollFirstEntry();
            }
            t.seen = Math.max(t.seen, s.getVersion());
            publish(s.getModelId(), t);
            return;
        }
        offer(s.getModelId(), t, full(s, where), true);
    }

    /** One record of the updates topic: decoded, checked, and offered to its model's chain. */
    private void readDelta(ConsumerRecord<byte[], byte[]> r) {
        String where = "updates topic '" + r.topic() + "' partition " + r.partition() + " offset " + r.offset();
        String keyId = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (keyId != null && !config.follows(keyId)) {
            return;
        }
        if (r.value() == null) {
            return; // deltas are not compacted away by key; a tombstone here carries nothing to apply
        }
        if (RecsFollowing.claims(r.value())) {
            recs.read(r.value(), where);
            checkReady();
            return;
        }
        ModelDelta d;
        try {
            d = deltaCodec.decode(r.value());
        } catch (InvalidRecordException e) {
            skip(where + ": skipped, not a ModelDelta: " + e.getMessage());
            return;
        }
        String id = d.getModelId();
        if (!config.follows(id)) {
            return;
        }
        if (d.getBaseVersion() != d.getVersion() - 1 || d.getVersion() < 2) {
            skip(where + ": delta of model '" + id + "' skipped: version " + d.getVersion() + " with base_version "
                    + d.getBaseVersion() + "; a delta applies to the version right before it (base_version ="
                    + " version - 1, version >= 2)");
            return;
        }
        ParameterDelta pd;
        try {
            pd = ParameterDelta.fromWire(
                    d.getNumParams(),
                    d.getIndices(),
                    d.getValues(),
                    d.getRemoved(),
                    where + ", model '" + id + "' version " + d.getVersion());
        } catch (IllegalArgumentException e) {
            skip(e.getMessage() + "; skipped");
            return;
        }
        long version = d.getVersion();
        long step = d.getStep();
        long examples = d.getExamplesSeen();
        Instant createdAt = d.getCreatedAt();
        Map<String, Double> metrics = Map.copyOf(d.getMetrics());
        Track t = trackOrNew(id);
        t.seen = Math.max(t.seen, version);
        offer(
                id,
                t,
                new VersionChain.Delta(
                        version, where, base -> base.withDelta(pd, version, step, examples, createdAt, metrics)),
                true);
    }

    private VersionChain.Full full(ModelSnapshot s, String where) {
        return new VersionChain.Full(s.getVersion(), where, () -> build(s));
    }

    /**
     * Offers one version to its model's chain and publishes what it made: each version built is retained, and,
     * while the model follows the latest ({@code swapEach}), made live in order, so listeners see every version.
     */
    private void offer(String modelId, Track t, VersionChain.Update u, boolean swapEach) {
        VersionChain.Outcome out = t.chain.offer(u);
        Slot slot = slot(modelId);
        for (String problem : out.problems()) {
            skip(problem);
        }
        for (long v : out.skipped()) {
            LOG.debug("{}: version {} of model '{}' is not newer than the current one; skipped", u.where(), v, modelId);
        }
        for (VersionChain.Built b : out.built()) {
            ServableModel m = b.model();
            t.retained.put(m.version(), m);
            while (t.retained.size() > config.retainedVersions()) {
                t.retained.pollFirstEntry();
            }
            slot.lastApplyNanos = b.nanos();
            slot.maxApplyNanos = Math.max(slot.maxApplyNanos, b.nanos());
            if (b.full()) {
                slot.fullVersions++;
            } else {
                slot.deltaVersions++;
                slot.lastDeltaApplyNanos = b.nanos();
                slot.maxDeltaApplyNanos = Math.max(slot.maxDeltaApplyNanos, b.nanos());
            }
            if (swapEach && (t.pinned == 0 || t.pinned == m.version())) {
                swap(modelId, m);
            }
        }
        OptionalLong missing = t.chain.missing();
        if (missing.isPresent() && missing.getAsLong() != t.loggedMissing) {
            ServableModel current = t.chain.current();
            LOG.warn(
                    "model '{}' is at version {}; deltas for versions {} are buffered, waiting for version {}: a delta"
                            + " on updates topic '{}' or a full version on models topic '{}'",
                    modelId,
                    current == null ? "(none)" : current.version(),
                    t.chain.bufferedVersions(),
                    missing.getAsLong(),
                    config.updatesTopic(),
                    config.modelsTopic());
        }
        t.loggedMissing = missing.orElse(0);
        publish(modelId, t);
        if (swapEach) {
            applyWanted(modelId);
        }
    }

    private void finishModelsBootstrap() {
        if (!pinsApplied) {
            pinsApplied = true;
            for (Map.Entry<String, Long> pin : config.pinnedVersions().entrySet()) {
                Track t = trackOrNew(pin.getKey());
                t.pinned = pin.getValue();
                slot(pin.getKey()).pinned = pin.getValue();
            }
        }
        modelsRead = true;
        for (Map.Entry<String, Track> e : new ArrayList<>(tracks.entrySet())) {
            Track t = e.getValue();
            for (Retained r : t.bootRaw.values()) {
                offer(e.getKey(), t, full(r.snapshot, r.where), false);
            }
            t.bootRaw.clear();
            applyWanted(e.getKey());
        }
        LOG.info("models topic '{}' read to its end: {}", config.modelsTopic(), models().values());
    }

    /**
     * Once both topics are read to their end: says which configured pins name a version that was not read (the
     * model is not ready until it arrives). A pin of a recommendation model is its {@link RecsFollowing}'s.
     */
    private void checkPins() {
        for (Map.Entry<String, Long> pin : config.pinnedVersions().entrySet()) {
            String id = pin.getKey();
            if (recs.knows(id)) {
                if (recs.model(id).isEmpty()) {
                    RecsFollowing.Status s = recs.status().get(id);
                    error("recommendation model '" + id + "' is pinned to version " + pin.getValue() + ", which"
                            + " has not been made (retained: " + (s == null ? "[]" : s.retainedVersions()) + " of"
                            + " updates topic '" + config.updatesTopic() + "'); it is not ready until that version"
                            + " arrives: pin a version that exists, or unpin");
                }
                continue;
            }
            Track t = tracks.get(id);
            if (t != null && t.pinned != 0 && !t.retained.containsKey(t.pinned)) {
                error("model '" + id + "' is pinned to version " + t.pinned + ", which has not been read"
                        + " (versions read: " + t.retained.keySet() + "; a compacted topic keeps only the newest); it"
                        + " is not ready until that version arrives: pin a version that exists, or unpin");
            }
        }
    }

    /** Makes the right version of a model live: its pin, else the newest made; nothing when it already is. */
    private void applyWanted(String modelId) {
        Track t = tracks.get(modelId);
        if (t == null) {
            return;
        }
        ServableModel want = t.pinned != 0 ? t.retained.get(t.pinned) : t.chain.current();
        if (want != null && want != slot(modelId).live) {
            swap(modelId, want);
        }
        checkReady();
    }

    private ServableModel pinOnThread(String modelId, long version, boolean rollback) {
        Track t = track(modelId);
        ServableModel live = slot(modelId).live;
        if (rollback && live != null && version >= live.version()) {
            throw new IllegalArgumentException("rollback(\"" + modelId + "\", " + version + "): the live version is "
                    + live.version() + "; roll back to an earlier one (retained: " + t.retained.keySet()
                    + "), or pin(...) a newer one");
        }
        ServableModel result;
        if (live != null && live.version() == version) {
            result = live;
        } else {
            result = t.retained.get(version);
            if (result == null) {
                throw new IllegalArgumentException("version " + version + " of model '" + modelId + "' is not"
                        + " retained (retained: " + t.retained.keySet() + "): the follower keeps the last "
                        + config.retainedVersions() + " versions it has read, and a compacted topic keeps only the"
                        + " newest; pick a retained version, or raise retainVersions");
            }
            swap(modelId, result);
        }
        t.pinned = version;
        slot(modelId).pinned = version;
        LOG.info("model '{}' {} version {}", modelId, rollback ? "rolled back and pinned to" : "pinned to", version);
        checkReady();
        return result;
    }

    private ServableModel unpinOnThread(String modelId) {
        Track t = track(modelId);
        t.pinned = 0;
        slot(modelId).pinned = 0;
        applyWanted(modelId);
        LOG.info("model '{}' unpinned: follows the latest", modelId);
        return slot(modelId).live;
    }

    private Track track(String modelId) {
        Track t = tracks.get(modelId);
        if (recs.knows(modelId) && (t == null || t.chain.current() == null)) {
            throw new IllegalArgumentException("model '" + modelId + "' is a recommendation (mf) model: pin, unpin"
                    + " and roll it back with pinRecs, unpinRecs and rollbackRecs");
        }
        if (t == null) {
            throw new IllegalArgumentException("model '" + modelId + "' has no version on models topic '"
                    + config.modelsTopic() + "'" + (config.follows(modelId) ? "" : " and is not followed")
                    + "; known models: " + new TreeMap<>(tracks).keySet());
        }
        return t;
    }

    private Track trackOrNew(String modelId) {
        return tracks.computeIfAbsent(modelId, id -> new Track(new VersionChain(id, config.maxBufferedDeltas())));
    }

    /** Builds the servable view of a full snapshot; throws (with the reason) when it cannot be served. */
    private ServableModel build(ModelSnapshot s) {
        String yaml = s.getConfigYaml();
        ServableModel.PredictorPool pool = pools.get(s.getModelId());
        if (pool == null || !yaml.equals(pool.yaml)) {
            pool = new ServableModel.PredictorPool(ConfigParser.parse(yaml), yaml);
            pools.put(s.getModelId(), pool);
        }
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        ModelState state = ModelStateCodec.decode(bytes);
        return new ServableModel(
                s.getModelId(),
                s.getVersion(),
                s.getStep(),
                s.getExamplesSeen(),
                s.getCreatedAt(),
                s.getMetrics(),
                yaml,
                pool.config(),
                state.params(),
                pool,
                tracks.get(s.getModelId()).chain.current());
    }

    private void swap(String modelId, ServableModel model) {
        Slot slot = slot(modelId);
        ServableModel previous = slot.live;
        slot.live = model; // the one write that makes the version visible
        slot.versionsApplied++;
        for (Listener l : listeners) {
            try {
                l.onVersion(model, previous);
            } catch (RuntimeException e) {
                LOG.error("a follower listener failed on {} (ignored)", model, e);
            }
        }
    }

    private void publish(String modelId, Track t) {
        Slot slot = slot(modelId);
        slot.retained = List.copyOf(t.retained.keySet());
        ServableModel current = t.chain.current();
        List<Long> buffered = t.chain.bufferedVersions();
        long newest = Math.max(current == null ? 0 : current.version(), t.seen);
        slot.newestVersion = Math.max(newest, buffered.isEmpty() ? 0 : buffered.get(buffered.size() - 1));
        slot.bufferedDeltas = buffered.size();
        slot.missingVersion = t.chain.missing().orElse(0);
    }

    private Slot slot(String modelId) {
        return slots.computeIfAbsent(modelId, id -> new Slot());
    }

    private void checkReady() {
        if (isReady()) {
            readyFuture.complete(null);
        }
    }

    private void skip(String message) {
        // the message first: both fields are volatile and metrics() reads the count first, so a reader that sees the
        // new count also sees its message (counting first let ModelFollowerIT see count 2 with the first message)
        error(message);
        skippedRecords++;
    }

    private void error(String message) {
        LOG.error(message);
        lastError = message;
    }

    private void runCommands() {
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
        }
    }

    private void failPendingCommands() {
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run(); // each fails its future when the follower is closed
        }
    }

    private void pause(Duration d) {
        synchronized (sleepLock) {
            if (closed) {
                return;
            }
            try {
                sleepLock.wait(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /** Runs {@code action} on the follower thread and waits for its result. */
    private <T> T call(Supplier<T> action) {
        if (!started || closed) {
            throw new IllegalStateException("the follower of " + config.modelsTopic() + " is not running: call start()"
                    + " first (and not after close())");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        commands.add(() -> {
            if (closed) {
                result.completeExceptionally(new IllegalStateException("the follower was closed"));
                return;
            }
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (sleepLock) {
            sleepLock.notifyAll();
        }
        try {
            return result.get(config.pollTimeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the follower thread", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the follower thread did not answer within 30 s", e);
        }
    }

    private Properties consumerProperties() {
        Properties p = config.clientProperties();
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamgrad-follower");
        return p;
    }

    /** A snapshot as read, with its place on the topic. */
    private record Retained(ModelSnapshot snapshot, String where) {}

    /** Follower-thread bookkeeping of one model. */
    private static final class Track {
        final VersionChain chain;
        /** Versions made (built views, sharing blocks where they can), for pin and rollback, oldest first. */
        final TreeMap<Long, ServableModel> retained = new TreeMap<>();
        /** During the bootstrap: the newest snapshots read, built once the models topic's end is reached. */
        final TreeMap<Long, Retained> bootRaw = new TreeMap<>();

        long pinned;
        /** The newest version number read (either topic). */
        long seen;
        /** The missing version last logged (0: none). */
        long loggedMissing;

        Track(VersionChain chain) {
            this.chain = chain;
        }
    }

    /** What readers and {@link #metrics()} see of one model; written only by the follower thread. */
    private static final class Slot {
        volatile ServableModel live;
        volatile long newestVersion;
        volatile long pinned;
        volatile long versionsApplied;
        volatile long lastApplyNanos;
        volatile long maxApplyNanos;
        volatile List<Long> retained = List.of();
        volatile long fullVersions;
        volatile long deltaVersions;
        volatile long lastDeltaApplyNanos;
        volatile long maxDeltaApplyNanos;
        volatile int bufferedDeltas;
        volatile long missingVersion;
    }

    /** Builds a validated {@link FollowerConfig} and the follower (not started). */
    public static final class Builder {
        private final Properties client = new Properties();
        private String topic;
        private String updatesTopic;
        private int maxBufferedDeltas = FollowerConfig.DEFAULT_MAX_BUFFERED_DELTAS;
        private final Set<String> modelIds = new LinkedHashSet<>();
        private final Map<String, Long> pins = new LinkedHashMap<>();
        private int retained = FollowerConfig.DEFAULT_RETAINED_VERSIONS;
        private Duration pollTimeout = FollowerConfig.DEFAULT_POLL_TIMEOUT;
        private Clock clock = Clock.systemUTC();
        private final List<Listener> listeners = new ArrayList<>();

        private Builder() {}

        public Builder bootstrapServers(String servers) {
            client.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(servers, "servers"));
            return this;
        }

        /** Kafka consumer settings (security, timeouts...); {@code bootstrap.servers} may come from here too. */
        public Builder clientProperties(Properties properties) {
            client.putAll(properties);
            return this;
        }

        public Builder clientProperty(String key, String value) {
            client.put(key, value);
            return this;
        }

        public Builder modelsTopic(String modelsTopic) {
            this.topic = modelsTopic;
            return this;
        }

        /**
         * Also follows the job's updates topic: versions published as deltas (the change from the version before)
         * are applied copy-on-write to the version before them. Default: none (full versions only).
         */
        public Builder updatesTopic(String updatesTopic) {
            this.updatesTopic = updatesTopic;
            return this;
        }

        /** Deltas kept per model while a version before them is missing (default 1000). */
        public Builder maxBufferedDeltas(int n) {
            this.maxBufferedDeltas = n;
            return this;
        }

        /** Follows only these models (default: every model on the topic). */
        public Builder follow(String... ids) {
            return follow(List.of(ids));
        }

        public Builder follow(Collection<String> ids) {
            modelIds.addAll(ids);
            return this;
        }

        /** Follows every model on the topic (the default). */
        public Builder followAll() {
            modelIds.clear();
            return this;
        }

        /** Serves {@code version} of the model instead of the latest, from the start. */
        public Builder pin(String modelId, long version) {
            pins.put(Objects.requireNonNull(modelId, "modelId"), version);
            return this;
        }

        /** Versions of each model kept for pin and rollback, the live one included (default 3). */
        public Builder retainVersions(int n) {
            this.retained = n;
            return this;
        }

        public Builder pollTimeout(Duration timeout) {
            this.pollTimeout = timeout;
            return this;
        }

        /** The clock staleness is measured with (default: the system's). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder listener(Listener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** @throws IllegalArgumentException when a setting is missing or invalid (the message names it) */
        public ModelFollower build() {
            FollowerConfig config = new FollowerConfig(
                    client, topic, updatesTopic, modelIds, pins, retained, pollTimeout, clock, maxBufferedDeltas);
            return new ModelFollower(config, listeners);
        }
    }
}

package io.streamgrad.serving;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.SingleObjectCodec;
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
 * <p>Memory: per model the live version's parameters, the next one while it is built, and the last
 * {@code retainVersions} snapshots as read (raw: state bytes and config) for pin and rollback. Optimizer state is
 * dropped once a version is built.
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
    private volatile long skippedRecords;
    private volatile String lastError;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    // ---- follower-thread state
    private final Map<String, Track> tracks = new HashMap<>();
    private final Map<String, ServableModel.PredictorPool> pools = new HashMap<>();
    private final SingleObjectCodec<ModelSnapshot> codec = SingleObjectCodec.modelSnapshot();

    private ModelFollower(FollowerConfig config, List<Listener> listeners) {
        this.config = config;
        this.listeners = new CopyOnWriteArrayList<>(listeners);
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
            return slots.values().stream().anyMatch(s -> s.live != null);
        }
        for (String id : config.modelIds()) {
            Slot slot = slots.get(id);
            if (slot == null || slot.live == null) {
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
                            s.retained));
        });
        return new FollowerMetrics(isReady(), bootstrapped, offsetsBehind, skippedRecords, lastError, models);
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
        List<TopicPartition> partitions = waitForPartitions(c);
        if (partitions == null) {
            return;
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> bootstrapEnd = new HashMap<>(c.endOffsets(partitions));
        while (!closed) {
            runCommands();
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = c.poll(config.pollTimeout());
            } catch (WakeupException e) {
                continue;
            }
            Map<String, List<ModelSnapshot>> read = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                read(r, read);
            }
            if (!bootstrapped) {
                bootstrapEnd.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
                if (bootstrapEnd.isEmpty()) {
                    finishBootstrap();
                }
            } else {
                read.keySet().forEach(this::applyNewest);
            }
            long behind = 0;
            for (TopicPartition tp : partitions) {
                OptionalLong lag = c.currentLag(tp);
                behind += lag.isPresent() ? lag.getAsLong() : 0;
            }
            offsetsBehind = behind;
        }
    }

    /** The models topic's partitions, waiting (and saying so) while the topic does not exist; null when closed. */
    private List<TopicPartition> waitForPartitions(KafkaConsumer<byte[], byte[]> c) {
        while (!closed) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(config.modelsTopic(), Duration.ofSeconds(10));
            } catch (WakeupException e) {
                runCommands();
                continue;
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            error("models topic '" + config.modelsTopic() + "' does not exist (yet); waiting for it (start the job,"
                    + " or check the topic name: the job's topics.models)");
            runCommands();
            pause(RETRY_BACKOFF);
        }
        return null;
    }

    /** Decodes one record into {@code read} (by model), or skips it with its place named. */
    private void read(ConsumerRecord<byte[], byte[]> r, Map<String, List<ModelSnapshot>> read) {
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
                t.retained.clear();
                t.afterTombstone = true;
                publishRetained(keyId, t);
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
        Track t = tracks.computeIfAbsent(s.getModelId(), id -> new Track());
        Long newest = t.retained.isEmpty() ? null : t.retained.lastKey();
        if (newest != null && s.getVersion() <= newest && !t.afterTombstone) {
            LOG.warn(
                    "{}: version {} of model '{}' is not newer than version {} read before; ignored",
                    where,
                    s.getVersion(),
                    s.getModelId(),
                    newest);
            return;
        }
        if (t.afterTombstone) {
            t.retained.clear();
            t.afterTombstone = false;
            t.restarted = true;
        }
        t.retained.put(s.getVersion(), new Retained(s, where));
        while (t.retained.size() > config.retainedVersions()) {
            t.retained.pollFirstEntry();
        }
        publishRetained(s.getModelId(), t);
        read.computeIfAbsent(s.getModelId(), k -> new ArrayList<>()).add(s);
    }

    private void finishBootstrap() {
        for (Map.Entry<String, Long> pin : config.pinnedVersions().entrySet()) {
            Track t = tracks.computeIfAbsent(pin.getKey(), id -> new Track());
            t.pinned = pin.getValue();
            slot(pin.getKey()).pinned = pin.getValue();
            if (!t.retained.containsKey(pin.getValue())) {
                error("model '" + pin.getKey() + "' is pinned to version " + pin.getValue() + ", which is not on"
                        + " models topic '" + config.modelsTopic() + "' (versions read: " + t.retained.keySet()
                        + "; a compacted topic keeps only the newest); it is not ready until that version arrives:"
                        + " pin a version that exists, or unpin");
            }
        }
        bootstrapped = true;
        for (String id : new ArrayList<>(tracks.keySet())) {
            applyNewest(id);
        }
        LOG.info("models topic '{}' read to its end: {}", config.modelsTopic(), models().values());
        checkReady();
    }

    /** Makes the right version of a model live: its pin, else the newest retained; nothing when it is already. */
    private void applyNewest(String modelId) {
        Track t = tracks.get(modelId);
        if (t == null) {
            return;
        }
        long pinned = t.pinned;
        Retained want = pinned != 0
                ? t.retained.get(pinned)
                : t.retained.isEmpty() ? null : t.retained.lastEntry().getValue();
        ServableModel live = slot(modelId).live;
        if (want == null) {
            return;
        }
        boolean newer = live == null || want.snapshot.getVersion() != live.version() || t.restarted;
        if (!newer) {
            return;
        }
        t.restarted = false;
        ServableModel built = build(want);
        if (built != null) {
            swap(modelId, built);
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
            Retained r = t.retained.get(version);
            if (r == null) {
                throw new IllegalArgumentException("version " + version + " of model '" + modelId + "' is not"
                        + " retained (retained: " + t.retained.keySet() + "): the follower keeps the last "
                        + config.retainedVersions() + " versions it has read, and a compacted topic keeps only the"
                        + " newest; pick a retained version, or raise retainVersions");
            }
            result = build(r);
            if (result == null) {
                throw new IllegalArgumentException(
                        "version " + version + " of model '" + modelId + "' cannot be" + " built: " + lastError);
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
        applyNewest(modelId);
        LOG.info("model '{}' unpinned: follows the latest", modelId);
        return slot(modelId).live;
    }

    private Track track(String modelId) {
        Track t = tracks.get(modelId);
        if (t == null) {
            throw new IllegalArgumentException("model '" + modelId + "' has no version on models topic '"
                    + config.modelsTopic() + "'" + (config.follows(modelId) ? "" : " and is not followed")
                    + "; known models: " + new TreeMap<>(tracks).keySet());
        }
        return t;
    }

    /** Builds the servable view of a snapshot, or skips it (null) with its place named. */
    private ServableModel build(Retained r) {
        long start = System.nanoTime();
        ModelSnapshot s = r.snapshot;
        try {
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
            ServableModel model = new ServableModel(
                    s.getModelId(),
                    s.getVersion(),
                    s.getStep(),
                    s.getExamplesSeen(),
                    s.getCreatedAt(),
                    s.getMetrics(),
                    yaml,
                    pool.config(),
                    state.params(),
                    pool);
            Slot slot = slot(s.getModelId());
            slot.lastApplyNanos = System.nanoTime() - start;
            slot.maxApplyNanos = Math.max(slot.maxApplyNanos, slot.lastApplyNanos);
            return model;
        } catch (RuntimeException e) {
            skip(r.where + ": version " + s.getVersion() + " of model '" + s.getModelId() + "' skipped, its"
                    + " snapshot cannot be served: " + e.getMessage());
            return null;
        }
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

    private void publishRetained(String modelId, Track t) {
        Slot slot = slot(modelId);
        slot.retained = List.copyOf(t.retained.keySet());
        if (!t.retained.isEmpty()) {
            slot.newestVersion = t.retained.lastKey();
        }
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
        skippedRecords++;
        error(message);
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
    private ServableModel call(Supplier<ServableModel> action) {
        if (!started || closed) {
            throw new IllegalStateException("the follower of " + config.modelsTopic() + " is not running: call start()"
                    + " first (and not after close())");
        }
        CompletableFuture<ServableModel> result = new CompletableFuture<>();
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
        final TreeMap<Long, Retained> retained = new TreeMap<>();
        long pinned;
        boolean afterTombstone;
        /** The next version is live whatever its number (after a tombstone). */
        boolean restarted;
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
    }

    /** Builds a validated {@link FollowerConfig} and the follower (not started). */
    public static final class Builder {
        private final Properties client = new Properties();
        private String topic;
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
            FollowerConfig config = new FollowerConfig(client, topic, modelIds, pins, retained, pollTimeout, clock);
            return new ModelFollower(config, listeners);
        }
    }
}

package io.streamgrad.serving;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * What a {@link ModelFollower} reads and keeps; immutable, validated when built ({@link ModelFollower#builder()}).
 *
 * @param clientProperties  Kafka consumer properties: {@code bootstrap.servers} and whatever the cluster needs
 *                          (security, timeouts). The follower sets the deserializers, {@code read_committed} and no
 *                          offset commits itself, and refuses settings that contradict them.
 * @param modelsTopic       the job's compacted models topic ({@code topics.models})
 * @param updatesTopic      the job's updates topic of deltas (each version as the change from the one before it),
 *                          or null: full versions only
 * @param modelIds          the models to follow; empty: every model on the topic
 * @param pinnedVersions    model id → version to serve instead of the latest (until {@code unpin})
 * @param retainedVersions  versions of each model kept (as read, raw) for pin and rollback, the live one included
 * @param pollTimeout       the longest one poll of the topic waits; also bounds how long a pin or rollback waits
 *                          for the follower thread to pick it up
 * @param clock             for staleness ({@code now - created_at})
 * @param maxBufferedDeltas deltas kept per model while a version before them is missing (they arrive out of order
 *                          with the full versions of the other topic); more are dropped, and the model catches up at
 *                          its next full version
 */
public record FollowerConfig(
        Properties clientProperties,
        String modelsTopic,
        String updatesTopic,
        Set<String> modelIds,
        Map<String, Long> pinnedVersions,
        int retainedVersions,
        Duration pollTimeout,
        Clock clock,
        int maxBufferedDeltas) {

    public static final int DEFAULT_RETAINED_VERSIONS = 3;
    public static final int DEFAULT_MAX_BUFFERED_DELTAS = 1000;
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(200);

    /** Consumer settings the follower owns: a caller may repeat them only with the same value. */
    private static final Map<String, String> OWNED = Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");

    public FollowerConfig {
        Objects.requireNonNull(clientProperties, "clientProperties");
        Properties copy = new Properties();
        copy.putAll(clientProperties);
        clientProperties = copy;
        Object servers = clientProperties.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        if (servers == null || servers.toString().isBlank()) {
            throw new IllegalArgumentException("no Kafka bootstrap servers: set bootstrapServers(\"host:9092\") (the"
                    + " job's kafka.bootstrap.servers)");
        }
        OWNED.forEach((key, value) -> {
            Object given = copy.get(key);
            if (given != null && !value.equals(given.toString().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("client property " + key + "=" + given + " is not allowed: the"
                        + " follower reads the models topic with " + key + "=" + value + " (only committed"
                        + " snapshots, no consumer group offsets); remove it");
            }
        });
        for (String key : new String[] {
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG
        }) {
            if (copy.containsKey(key)) {
                throw new IllegalArgumentException("client property " + key + " is not allowed: the follower reads"
                        + " raw bytes and decodes ModelSnapshot records itself; remove it");
            }
        }
        if (modelsTopic == null || modelsTopic.isBlank()) {
            throw new IllegalArgumentException("no models topic: set modelsTopic(...) to the job's topics.models");
        }
        if (updatesTopic != null && (updatesTopic.isBlank() || updatesTopic.equals(modelsTopic))) {
            throw new IllegalArgumentException("updatesTopic(\"" + updatesTopic + "\") must name the job's updates"
                    + " topic of deltas, a topic other than the models topic; leave it out to follow full versions"
                    + " only");
        }
        if (maxBufferedDeltas < 1 || maxBufferedDeltas > 1_000_000) {
            throw new IllegalArgumentException("maxBufferedDeltas(" + maxBufferedDeltas + ") must be in [1, 1000000]:"
                    + " the deltas of one model kept while a version before them is missing");
        }
        modelIds = Set.copyOf(Objects.requireNonNull(modelIds, "modelIds"));
        for (String id : modelIds) {
            if (id.isBlank()) {
                throw new IllegalArgumentException(
                        "a blank model id in follow(...): name the models to follow, or" + " call followAll()");
            }
        }
        pinnedVersions = Map.copyOf(Objects.requireNonNull(pinnedVersions, "pinnedVersions"));
        for (Map.Entry<String, Long> pin : pinnedVersions.entrySet()) {
            if (pin.getValue() < 1) {
                throw new IllegalArgumentException(
                        "pin(\"" + pin.getKey() + "\", " + pin.getValue() + "): versions start at 1");
            }
            if (!modelIds.isEmpty() && !modelIds.contains(pin.getKey())) {
                throw new IllegalArgumentException("pin(\"" + pin.getKey() + "\", " + pin.getValue()
                        + ") names a model that is not followed " + modelIds + "; add it to follow(...)");
            }
        }
        if (retainedVersions < 1 || retainedVersions > 1000) {
            throw new IllegalArgumentException("retainVersions(" + retainedVersions + ") must be in [1, 1000]: the"
                    + " versions of each model kept in memory for pin and rollback, the live one included");
        }
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        if (pollTimeout.isNegative() || pollTimeout.isZero() || pollTimeout.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new IllegalArgumentException("pollTimeout(" + pollTimeout + ") must be in (0, 30 s]");
        }
        Objects.requireNonNull(clock, "clock");
    }

    /** {@code clientProperties} as given (a copy). */
    @Override
    public Properties clientProperties() {
        Properties copy = new Properties();
        copy.putAll(clientProperties);
        return copy;
    }

    /** The updates topic, if deltas are followed. */
    public java.util.Optional<String> updates() {
        return java.util.Optional.ofNullable(updatesTopic);
    }

    /** Whether the follower keeps versions of {@code modelId}. */
    public boolean follows(String modelId) {
        return modelIds.isEmpty() || modelIds.contains(modelId);
    }
}

package io.streamgrad.job.sink;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The largest record a sink's topic takes: the topic's {@code max.message.bytes} (read with an Admin request when the
 * sink opens, at every start and restart) and the producer's {@code max.request.size}. A record above it fails the
 * job with {@link RecordTooLargeForTopicException}, naming the topic, the record's size, the limit and the setting to
 * change, instead of the broker's RecordTooLargeException that names none of them. Records are checked uncompressed:
 * with a {@code compression.type} set under {@code kafka:} the broker's limit applies to compressed batches, so only
 * {@code max.request.size} is checked here (the producer checks that one uncompressed too).
 */
public final class RecordSizeLimit implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RecordSizeLimit.class);
    private static final long LOOKUP_TIMEOUT_MS = 5_000;

    private final Properties adminProperties;
    private final String topic;
    private final String topicKey;
    private final String bootstrapServers;
    private final int maxRequestSize;
    private final boolean compressed;
    private transient int topicLimit;

    /**
     * @param topicKey the job config key that names the topic ({@code topics.models}), for the message
     * @param compressed whether the producer compresses (then the topic's limit is left to the broker)
     */
    public RecordSizeLimit(
            Properties adminProperties,
            String topic,
            String topicKey,
            String bootstrapServers,
            int maxRequestSize,
            boolean compressed) {
        this.adminProperties = adminProperties;
        this.topic = topic;
        this.topicKey = topicKey;
        this.bootstrapServers = bootstrapServers;
        this.maxRequestSize = maxRequestSize;
        this.compressed = compressed;
    }

    /** Reads the topic's {@code max.message.bytes}; when Kafka does not say, only max.request.size is checked. */
    public void open() {
        topicLimit = -1;
        if (compressed) {
            return;
        }
        try (Admin admin = Admin.create(adminProperties)) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(
                            List.of(resource), new DescribeConfigsOptions().timeoutMs((int) LOOKUP_TIMEOUT_MS))
                    .all()
                    .get(LOOKUP_TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS)
                    .get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            if (entry != null && entry.value() != null) {
                topicLimit = Integer.parseInt(entry.value());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn(
                    "could not read max.message.bytes of {} ({}); records are checked against max.request.size only",
                    topic,
                    e.toString());
        }
    }

    /** The topic's max.message.bytes read by {@link #open}, or -1 when unknown. */
    public int topicLimit() {
        return topicLimit;
    }

    /** @throws RecordTooLargeForTopicException when the record would be refused */
    public void check(byte[] key, byte[] value) {
        int size = AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE.type(), key, value, new Header[0]);
        String what = "the record for " + topicKey + "=" + topic
                + (key == null ? "" : " with key '" + new String(key, StandardCharsets.UTF_8) + "'") + " is " + size
                + " bytes (a record batch of one)";
        if (topicLimit > 0 && size > topicLimit) {
            throw new RecordTooLargeForTopicException(what + ", more than the topic's max.message.bytes=" + topicLimit
                    + ": raise it to at least " + size + " (kafka-configs.sh --bootstrap-server " + bootstrapServers
                    + " --alter --entity-type topics --entity-name " + topic + " --add-config max.message.bytes="
                    + size + ")" + (size > maxRequestSize ? " and kafka.max.request.size in the job config" : "")
                    + sizeHint());
        }
        if (size > maxRequestSize) {
            throw new RecordTooLargeForTopicException(what + ", more than the producer's max.request.size="
                    + maxRequestSize + ": set kafka.max.request.size to at least " + size + " in the job config"
                    + " (and the topic's max.message.bytes" + (topicLimit > 0 ? ", now " + topicLimit : "") + ", to"
                    + " match)" + sizeHint());
        }
    }

    private String sizeHint() {
        return topicKey.equals("topics.models")
                ? "; a snapshot holds the whole model state (parameters and optimizer state), so a smaller model or"
                        + " optimizer makes it smaller"
                : "";
    }

    /** A record larger than its topic or the producer accepts; restarts cannot help. */
    public static final class RecordTooLargeForTopicException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public RecordTooLargeForTopicException(String message) {
            super(message);
        }
    }
}

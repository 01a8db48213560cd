package io.streamgrad.job.warmstart;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * The examples source's starting offsets with warm-started models: a partition that a snapshot names starts at
 * {@link WarmStartSet#startOffsets} (whatever {@code start:} says: the snapshot knows where its model stopped, a
 * committed group offset may be past records it never trained on); every other partition as {@code start:} says.
 * Like every {@link OffsetsInitializer} it applies only to partitions without restored source state: a checkpoint
 * restore wins.
 */
public final class WarmStartOffsets implements OffsetsInitializer {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final HashMap<Integer, Long> offsets;
    private final OffsetsInitializer others;

    /**
     * @param topic   the examples topic
     * @param offsets partition -> first offset to read
     * @param others  how the partitions not in {@code offsets} start
     */
    public WarmStartOffsets(String topic, Map<Integer, Long> offsets, OffsetsInitializer others) {
        this.topic = topic;
        this.offsets = new HashMap<>(offsets);
        this.others = others;
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(
            Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
        Map<TopicPartition, Long> out = new HashMap<>();
        List<TopicPartition> rest = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long o = tp.topic().equals(topic) ? offsets.get(tp.partition()) : null;
            if (o != null) {
                out.put(tp, o);
            } else {
                rest.add(tp);
            }
        }
        if (!rest.isEmpty()) {
            out.putAll(others.getPartitionOffsets(rest, retriever));
        }
        return out;
    }

    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        return others.getAutoOffsetResetStrategy();
    }
}

package io.streamgrad.learner.io;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.config.ConfigWriter;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.TrainerConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A saved model: what {@code streamgrad train --save} writes, what {@code predict}/{@code evaluate} read, and what
 * the streaming job's {@code models} command saves from the snapshots topic. Mirrors the Avro
 * {@code ModelSnapshot} record.
 *
 * @param modelId       the model's id
 * @param version       the snapshot version (strictly increasing per model)
 * @param createdAt     milliseconds since the epoch
 * @param config        the training configuration
 * @param state         parameters, optimizer state and counters
 * @param metrics       metrics at snapshot time (stable keys, see
 *                      {@link io.streamgrad.learner.metrics.PrequentialMetrics})
 * @param sourceOffsets topic-partition to next offset of the last record trained in (empty offline)
 */
public record Snapshot(
        String modelId,
        long version,
        long createdAt,
        TrainerConfig config,
        ModelState state,
        Map<String, Double> metrics,
        Map<String, Long> sourceOffsets) {
    public Snapshot {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(state, "state");
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics == null ? Map.of() : metrics));
        sourceOffsets =
                Collections.unmodifiableMap(new LinkedHashMap<>(sourceOffsets == null ? Map.of() : sourceOffsets));
    }

    /**
     * A snapshot from its wire form (the fields of the Avro {@code ModelSnapshot}): the config as YAML (parsed and
     * validated), the state as {@link ModelStateCodec} bytes.
     *
     * @throws io.streamgrad.learner.config.ConfigException when the YAML is not a valid config
     * @throws FormatException when the state bytes cannot be decoded
     */
    public static Snapshot fromWire(
            String modelId,
            long version,
            long createdAt,
            String configYaml,
            byte[] state,
            Map<String, Double> metrics,
            Map<String, Long> sourceOffsets) {
        return new Snapshot(
                modelId,
                version,
                createdAt,
                ConfigParser.parse(configYaml),
                ModelStateCodec.decode(state),
                metrics,
                sourceOffsets);
    }

    /** The config as YAML, as the Avro {@code ModelSnapshot.config_yaml} carries it. */
    public String configYaml() {
        return ConfigWriter.toYaml(config);
    }

    /** The state as bytes, as the Avro {@code ModelSnapshot.state} carries it. */
    public byte[] stateBytes() {
        return ModelStateCodec.encode(state);
    }
}

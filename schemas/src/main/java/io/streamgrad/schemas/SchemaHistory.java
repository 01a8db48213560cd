package io.streamgrad.schemas;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Every writer schema this build can read, by record and version. Readers resolve an older writer schema into the
 * current one by Avro's schema resolution (fields added since get their defaults), so a new field must always
 * carry a default, a field name is never reused, and each superseded schema is kept here for good: a record
 * written with it may still sit in a topic. See docs/STREAMING.md, "Schema evolution".
 *
 * <ul>
 *   <li>Example v1: model_id, event_time, dense, indices, values, label.</li>
 *   <li>Example v2 (current): v1 + {@code named} (map, default {}) + {@code weight} (float, default 1.0).</li>
 *   <li>MiniBatch v1: a MiniBatch of Example v1 records; v2 (current) carries Example v2.</li>
 *   <li>TrainingMetrics v1: up to {@code created_at}; v2 (current): v1 + {@code ranking} (map, default {}).</li>
 *   <li>Interaction v1: up to {@code time}; v2 (current): v1 + {@code context} (map, default {}).</li>
 * </ul>
 */
public final class SchemaHistory {
    /** The Example version this build writes. */
    public static final int EXAMPLE_CURRENT_VERSION = 2;

    private static final String EXAMPLE_V1_FIELDS = """
            [
              {"name": "model_id", "type": "string"},
              {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}, "default": 0},
              {"name": "dense", "type": {"type": "array", "items": "float"}, "default": []},
              {"name": "indices", "type": {"type": "array", "items": "int"}, "default": []},
              {"name": "values", "type": {"type": "array", "items": "float"}, "default": []},
              {"name": "label", "type": "float"}
            ]""";

    /** Example as first published (before {@code named} and {@code weight}). */
    public static final Schema EXAMPLE_V1 = new Schema.Parser()
            .parse("{\"type\": \"record\", \"name\": \"Example\", \"namespace\": \"io.streamgrad.avro\", \"fields\": "
                    + EXAMPLE_V1_FIELDS + "}");

    /** MiniBatch whose examples are Example v1 records. */
    public static final Schema MINI_BATCH_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "MiniBatch", "namespace": "io.streamgrad.avro", "fields": [
              {"name": "model_id", "type": "string"},
              {"name": "examples", "type": {"type": "array", "items":
                {"type": "record", "name": "Example", "fields": %s}}}
            ]}""".formatted(EXAMPLE_V1_FIELDS));

    /** TrainingMetrics before {@code ranking} (the recommendation models' recall@K and ndcg@K). */
    public static final Schema TRAINING_METRICS_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "TrainingMetrics", "namespace": "io.streamgrad.avro", "fields": [
              {"name": "model_id", "type": "string"},
              {"name": "step", "type": "long"},
              {"name": "examples_seen", "type": "long"},
              {"name": "window_batches", "type": "int"},
              {"name": "window_examples", "type": "long"},
              {"name": "loss", "type": "double"},
              {"name": "accuracy", "type": ["null", "double"], "default": null},
              {"name": "auc", "type": ["null", "double"], "default": null},
              {"name": "f1", "type": ["null", "double"], "default": null},
              {"name": "rmse", "type": ["null", "double"], "default": null},
              {"name": "mae", "type": ["null", "double"], "default": null},
              {"name": "gradient_norm", "type": "double"},
              {"name": "learning_rate", "type": "double"},
              {"name": "examples_per_second", "type": "double"},
              {"name": "skipped_batches", "type": "long"},
              {"name": "alert", "type": ["null", "string"], "default": null},
              {"name": "created_at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""");

    /** Interaction before {@code context} (the context fields of a factorization machine over ids). */
    public static final Schema INTERACTION_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Interaction", "namespace": "io.streamgrad.avro", "fields": [
              {"name": "model_id", "type": "string"},
              {"name": "user", "type": "string"},
              {"name": "item", "type": "string"},
              {"name": "rating", "type": ["null", "double"], "default": null},
              {"name": "time", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""");

    private static final long EXAMPLE_V1_FINGERPRINT = fingerprint(EXAMPLE_V1);
    private static final long EXAMPLE_CURRENT_FINGERPRINT = fingerprint(Example.getClassSchema());

    private SchemaHistory() {}

    /** Older Example writer schemas, oldest first (the current one is {@link Example#getClassSchema()}). */
    public static List<Schema> olderExampleSchemas() {
        return List.of(EXAMPLE_V1);
    }

    /** Older MiniBatch writer schemas, oldest first (the current one is {@link MiniBatch#getClassSchema()}). */
    public static List<Schema> olderMiniBatchSchemas() {
        return List.of(MINI_BATCH_V1);
    }

    /** Older TrainingMetrics writer schemas, oldest first (the current one is the generated class's). */
    public static List<Schema> olderTrainingMetricsSchemas() {
        return List.of(TRAINING_METRICS_V1);
    }

    /** Older Interaction writer schemas, oldest first (the current one is the generated class's). */
    public static List<Schema> olderInteractionSchemas() {
        return List.of(INTERACTION_V1);
    }

    /** The Example schema version whose fingerprint this is, or 0 when it is not an Example schema we know. */
    public static int exampleVersion(long fingerprint) {
        if (fingerprint == EXAMPLE_CURRENT_FINGERPRINT) {
            return EXAMPLE_CURRENT_VERSION;
        }
        if (fingerprint == EXAMPLE_V1_FINGERPRINT) {
            return 1;
        }
        return 0;
    }

    /** The CRC-64-AVRO fingerprint of the schema's parsing canonical form, as single-object encoding writes it. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }
}

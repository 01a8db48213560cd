package io.streamgrad.schemas;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.Interaction;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.SeriesPoint;
import io.streamgrad.avro.SeriesScore;
import io.streamgrad.avro.TrainingMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding of one record type (the {@code C3 01} marker, the writer schema's 8-byte CRC-64-AVRO
 * fingerprint, then the Avro binary body), the format of every record streamgrad writes to or reads from Kafka.
 * The reader knows the current schema and every older writer schema in {@link SchemaHistory}, and resolves them.
 *
 * <p>Not thread-safe and not serialisable: create one per thread (in a Flink function, in {@code open()}).
 *
 * @param <T> the generated Avro record class
 */
public final class SingleObjectCodec<T extends SpecificRecordBase> {
    /** C3 01 + the 8-byte fingerprint. */
    private static final int HEADER_BYTES = 10;

    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    /** Writer schemas by fingerprint, for the bounds check before decoding. */
    private final Map<Long, Schema> writers = new HashMap<>();
    /** Non-null for the records the job may write as JSON (output_format): reads their JSON form too. */
    private final SpecificData jsonModel;

    private SingleObjectCodec(Schema schema, SpecificData model, List<Schema> olderWriterSchemas) {
        this(schema, model, olderWriterSchemas, false);
    }

    private SingleObjectCodec(Schema schema, SpecificData model, List<Schema> olderWriterSchemas, boolean readsJson) {
        this.jsonModel = readsJson ? model : null;
        this.schema = Objects.requireNonNull(schema, "schema");
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        writers.put(SchemaHistory.fingerprint(schema), schema);
        for (Schema older : olderWriterSchemas) {
            decoder.addSchema(older);
            writers.put(SchemaHistory.fingerprint(older), older);
        }
    }

    public static SingleObjectCodec<Example> example() {
        return new SingleObjectCodec<>(
                Example.getClassSchema(), new Example().getSpecificData(), SchemaHistory.olderExampleSchemas());
    }

    public static SingleObjectCodec<MiniBatch> miniBatch() {
        return new SingleObjectCodec<>(
                MiniBatch.getClassSchema(), new MiniBatch().getSpecificData(), SchemaHistory.olderMiniBatchSchemas());
    }

    public static SingleObjectCodec<ModelSnapshot> modelSnapshot() {
        return new SingleObjectCodec<>(
                ModelSnapshot.getClassSchema(), new ModelSnapshot().getSpecificData(), List.of());
    }

    /** Versions published as changes from the version before (the updates topic). */
    public static SingleObjectCodec<ModelDelta> modelDelta() {
        return new SingleObjectCodec<>(ModelDelta.getClassSchema(), new ModelDelta().getSpecificData(), List.of());
    }

    /** Parts of recommendation (mf) model versions, full and delta (the updates topic). */
    public static SingleObjectCodec<RecsVersion> recsVersion() {
        return new SingleObjectCodec<>(RecsVersion.getClassSchema(), new RecsVersion().getSpecificData(), List.of());
    }

    public static SingleObjectCodec<TrainingMetrics> trainingMetrics() {
        return new SingleObjectCodec<>(
                TrainingMetrics.getClassSchema(),
                new TrainingMetrics().getSpecificData(),
                SchemaHistory.olderTrainingMetricsSchemas(),
                true);
    }

    public static SingleObjectCodec<DeadLetter> deadLetter() {
        return new SingleObjectCodec<>(
                DeadLetter.getClassSchema(), new DeadLetter().getSpecificData(), List.of(), true);
    }

    /** Alert transitions of monitored series (the alerts topic; {@code alerts-forward} reads them). */
    public static SingleObjectCodec<Alert> alert() {
        return new SingleObjectCodec<>(Alert.getClassSchema(), new Alert().getSpecificData(), List.of());
    }

    /** Points of operational series (the job's series topic, input). */
    public static SingleObjectCodec<SeriesPoint> seriesPoint() {
        return new SingleObjectCodec<>(SeriesPoint.getClassSchema(), new SeriesPoint().getSpecificData(), List.of());
    }

    /** Per-point scores of monitored series (the scores topic); reads their JSON form (output_format) too. */
    public static SingleObjectCodec<SeriesScore> seriesScore() {
        return new SingleObjectCodec<>(
                SeriesScore.getClassSchema(), new SeriesScore().getSpecificData(), List.of(), true);
    }

    /** User-item interactions of recommendation models (the job's interactions topic). */
    public static SingleObjectCodec<Interaction> interaction() {
        return new SingleObjectCodec<>(
                Interaction.getClassSchema(),
                new Interaction().getSpecificData(),
                SchemaHistory.olderInteractionSchemas());
    }

    /** The schema this codec writes and resolves into. */
    public Schema schema() {
        return schema;
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buf = encoder.encode(record);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException | AvroRuntimeException e) {
            // A generated record that cannot be written is a programming error (a required field left null).
            throw new IllegalArgumentException("cannot encode " + schema.getName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads one single-object encoded record; the metrics and dead-letter codecs also read the JSON form the job
     * writes with {@code output_format: json} ({@link JsonRecords}; a JSON object starts with '{', never with the
     * single-object marker C3), so the project's readers follow either.
     *
     * @throws InvalidRecordException when the bytes are not a single-object {@code schema().getName()} record of a
     *                                known version, or are truncated or corrupt, or carry bytes after the record;
     *                                the message says which. Declared lengths are checked against the record's
     *                                size before Avro allocates anything ({@link AvroBounds}), so hostile bytes
     *                                cannot make the reader allocate more than the record's own size.
     */
    public T decode(byte[] bytes) throws InvalidRecordException {
        String name = schema.getName();
        if (bytes == null || bytes.length == 0) {
            throw new InvalidRecordException("empty record value: expected an Avro single-object encoded " + name
                    + "; produce non-empty values (a null value is a tombstone, not an example)");
        }
        if (jsonModel != null && bytes[0] == '{') {
            return JsonRecords.fromJson(bytes, schema, jsonModel);
        }
        java.util.OptionalLong fp = headerFingerprint(bytes);
        Schema writer = fp.isPresent() ? writers.get(fp.getAsLong()) : null;
        if (writer != null) {
            AvroBounds.check(writer, bytes, HEADER_BYTES);
        }
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new InvalidRecordException(
                    "unknown writer schema fingerprint " + fingerprintHex(bytes)
                            + " for " + name
                            + ": the record was written with a schema this build does not know; write it with"
                            + " the schema in schemas/src/main/avro/" + name + ".avsc, or register the writer schema in"
                            + " SchemaHistory",
                    e);
        } catch (BadHeaderException e) {
            throw new InvalidRecordException(
                    "not Avro single-object encoding (expected the header C3 01 + 8-byte"
                            + " schema fingerprint, got " + headHex(bytes) + "): encode with BinaryMessageEncoder /"
                            + " `streamgrad produce`, or send JSON",
                    e);
        } catch (IOException | RuntimeException e) {
            // Avro throws EOFException, AvroRuntimeException, ArrayIndexOutOfBounds, NegativeArraySize... on
            // truncated or corrupted bodies.
            throw new InvalidRecordException(
                    "corrupt or truncated Avro " + name + " body (" + bytes.length
                            + " bytes, " + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "): check the producer"
                            + " writes the whole record with the schema whose fingerprint is in the header",
                    e);
        }
    }

    static String headHex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(2, bytes.length); i++) {
            sb.append(String.format("%02X", bytes[i] & 0xff));
            if (i == 0) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    static String fingerprintHex(byte[] bytes) {
        if (bytes.length < 10) {
            return "(missing)";
        }
        long fp = ByteBuffer.wrap(bytes, 2, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong();
        return String.format("%016x", fp);
    }

    /** The little-endian fingerprint in a single-object header, or empty when the bytes carry no such header. */
    public static java.util.OptionalLong headerFingerprint(byte[] bytes) {
        if (bytes == null || bytes.length < 10 || (bytes[0] & 0xff) != 0xC3 || bytes[1] != 0x01) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(ByteBuffer.wrap(bytes, 2, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong());
    }
}

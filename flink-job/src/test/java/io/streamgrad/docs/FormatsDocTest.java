package io.streamgrad.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Alert;
import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.avro.TrainingMetrics;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Trainer;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.SchemaHistory;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * docs/FORMATS.md stays true: its worked single-object example decodes to the record it describes, its fingerprints
 * are the schemas' own, and a reader that follows its byte offsets for the model state (what its Python snippet
 * does, line for line) gets the parameters and optimizer state the learner wrote.
 */
class FormatsDocTest {
    private static final Path DOC = Path.of("..", "docs", "FORMATS.md");

    private static String doc() throws IOException {
        return Files.readString(DOC, StandardCharsets.UTF_8);
    }

    /** The record of the worked example (the doc lists its fields). */
    static TrainingMetrics exampleRecord() {
        return TrainingMetrics.newBuilder()
                .setModelId("ctr")
                .setStep(40)
                .setExamplesSeen(1280)
                .setWindowBatches(10)
                .setWindowExamples(320)
                .setLoss(0.25)
                .setAccuracy(0.875)
                .setAuc(null)
                .setGradientNorm(0.5)
                .setLearningRate(0.125)
                .setExamplesPerSecond(1000)
                .setSkippedBatches(0)
                .setAlert(null)
                .setCreatedAt(Instant.parse("2025-12-06T05:46:40Z"))
                .build();
    }

    @Test
    void workedExample_hexInTheDoc_isTheSingleObjectEncodingOfTheRecordItDescribes() throws Exception {
        Matcher m = Pattern.compile("<!-- example-hex -->\\n```\\n(.*?)```", Pattern.DOTALL)
                .matcher(doc());
        assertThat(m.find())
                .as("the worked example's hex block in docs/FORMATS.md")
                .isTrue();
        byte[] bytes = HexFormat.of().parseHex(m.group(1).replaceAll("\\s", ""));
        byte[] expected = SingleObjectCodec.trainingMetrics().encode(exampleRecord());

        assertThat(HexFormat.ofDelimiter(" ").formatHex(bytes))
                .as("regenerate the block with: %s", HexFormat.ofDelimiter(" ").formatHex(expected))
                .isEqualTo(HexFormat.ofDelimiter(" ").formatHex(expected));
        assertThat(SingleObjectCodec.trainingMetrics().decode(bytes)).isEqualTo(exampleRecord());
        assertThat(bytes[0] & 0xff).isEqualTo(0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fp = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fp).isEqualTo(SchemaHistory.fingerprint(TrainingMetrics.getClassSchema()));
    }

    @Test
    void fingerprintTable_matchesEverySchema() throws Exception {
        String doc = doc();
        Map<String, Schema> schemas = Map.of(
                "Example", Example.getClassSchema(),
                "MiniBatch", MiniBatch.getClassSchema(),
                "ModelSnapshot", ModelSnapshot.getClassSchema(),
                "ModelDelta", ModelDelta.getClassSchema(),
                "TrainingMetrics", TrainingMetrics.getClassSchema(),
                "DeadLetter", DeadLetter.getClassSchema(),
                "Alert", Alert.getClassSchema(),
                "RecsVersion", RecsVersion.getClassSchema(),
                "Interaction", io.streamgrad.avro.Interaction.getClassSchema());
        schemas.forEach((name, schema) -> {
            long fp = SchemaHistory.fingerprint(schema);
            byte[] le = ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(fp)
                    .array();
            String row = "| `" + name + "` | `" + String.format("%016x", fp) + "` | `"
                    + HexFormat.ofDelimiter(" ").formatHex(le).toUpperCase(java.util.Locale.ROOT) + "` |";
            assertThat(doc).as("fingerprint row of %s", name).contains(row);
        });
    }

    /** The doc's snippet ({@code snapshot_state} then {@code read_state}), line for line, in Java. */
    @Test
    void docOffsets_readASnapshotsWeightsAndOptimizerState_asTheLearnerWroteThem() throws Exception {
        TrainerConfig config = ConfigParser.parse("""
                model: {type: softmax, features: 3, classes: 2}
                loss: categorical_cross_entropy
                optimizer: {type: adam, learning_rate: 0.1}
                batch_size: 2
                """);
        Trainer trainer = new Trainer(config);
        ModelState state = trainer.initState();
        Batch b = Batch.dense(2, 3, new float[] {1, 0, 2, 0, 1, -1}, new float[] {0, 1}, new float[] {1, 1});
        trainer.train(state, b);
        trainer.train(state, b);
        ModelSnapshot s = ModelSnapshot.newBuilder()
                .setModelId("ctr")
                .setVersion(7)
                .setStep(state.step())
                .setExamplesSeen(state.examplesSeen())
                .setCreatedAt(Instant.ofEpochMilli(1_765_000_000_000L))
                .setConfigYaml("model: {type: softmax, features: 3, classes: 2}\n")
                .setState(ByteBuffer.wrap(ModelStateCodec.encode(state)))
                .build();
        byte[] value = SingleObjectCodec.modelSnapshot().encode(s);

        // snapshot_state(value)
        assertThat(value[0] & 0xff).isEqualTo(0xC3);
        assertThat(value[1]).isEqualTo((byte) 1);
        int[] i = {10};
        int n = (int) varint(value, i);
        String modelId = new String(value, i[0], n, StandardCharsets.UTF_8);
        i[0] += n;
        long version = varint(value, i);
        varint(value, i); // step
        varint(value, i); // examples_seen
        varint(value, i); // created_at
        n = (int) varint(value, i);
        i[0] += n; // config_yaml
        n = (int) varint(value, i);
        byte[] b2 = java.util.Arrays.copyOfRange(value, i[0], i[0] + n);
        assertThat(modelId).isEqualTo("ctr");
        assertThat(version).isEqualTo(7);

        // read_state(b)
        ByteBuffer bb = ByteBuffer.wrap(b2).order(ByteOrder.BIG_ENDIAN);
        assertThat(new String(b2, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("SGMS");
        assertThat(bb.getInt(4)).isEqualTo(2);
        CRC32 crc = new CRC32();
        crc.update(b2, 0, b2.length - 4);
        assertThat(Integer.toUnsignedLong(bb.getInt(b2.length - 4))).isEqualTo(crc.getValue());
        int p = bb.getInt(8);
        float[] params = new float[p];
        for (int k = 0; k < p; k++) {
            params[k] = bb.getFloat(12 + 4 * k);
        }
        int off = 12 + 4 * p;
        int sLen = bb.getInt(off);
        float[] opt = new float[sLen];
        for (int k = 0; k < sLen; k++) {
            opt[k] = bb.getFloat(off + 4 + 4 * k);
        }
        off += 4 + 4 * sLen;
        long step = bb.getLong(off);
        long seen = bb.getLong(off + 16);

        assertThat(params).containsExactly(state.params());
        assertThat(opt).containsExactly(state.optimizerState());
        assertThat(step).isEqualTo(2);
        assertThat(seen).isEqualTo(4);
        // The doc's softmax order: W row-major (k rows of d), then the k biases; adam: m then v.
        assertThat(p).isEqualTo(2 * 3 + 2);
        assertThat(sLen).isEqualTo(2 * p);
        List<String> doc = List.of(doc());
        assertThat(doc.get(0))
                .contains("W[c][j]` at `c*d + j`")
                .contains("def read_state(b)")
                .contains("def snapshot_state(value)");
    }

    /** Avro's zigzag varint (the doc's {@code varint}). */
    private static long varint(byte[] b, int[] i) {
        long result = 0;
        int shift = 0;
        while (true) {
            int x = b[i[0]++] & 0xff;
            result |= (long) (x & 0x7f) << shift;
            shift += 7;
            if (x < 0x80) {
                return (result >>> 1) ^ -(result & 1);
            }
        }
    }
}
